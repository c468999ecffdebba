package dev.editstream.app;

import java.nio.charset.StandardCharsets;

/**
 * The asset server's shared HMAC key, {@code EDITSTREAM_ASSET_KEY}: routers started with {@code
 * --asset-server} or {@code --serve-local-files} sign local-input URLs with it, and the asset
 * server ({@code editstream assets}, tools jar) checks them.
 */
public final class AssetKey {
  private AssetKey() {}

  /**
   * Shortest accepted {@code EDITSTREAM_ASSET_KEY}, characters (e.g. {@code openssl rand -base64
   * 32} gives 44).
   */
  public static final int MIN_KEY_CHARS = 32;

  /**
   * The shared key from {@code EDITSTREAM_ASSET_KEY}.
   *
   * @throws IllegalArgumentException when it is unset or shorter than {@value #MIN_KEY_CHARS}
   *     characters
   */
  public static byte[] fromEnv() {
    return parse(System.getenv("EDITSTREAM_ASSET_KEY"));
  }

  /**
   * The key from a value of {@code EDITSTREAM_ASSET_KEY}, trimmed.
   *
   * @throws IllegalArgumentException when it is null or shorter than {@value #MIN_KEY_CHARS}
   *     characters, or one character repeated (a placeholder such as {@code aaaa...})
   */
  public static byte[] parse(String value) {
    String key = value == null ? "" : value.trim();
    if (key.length() < MIN_KEY_CHARS) {
      throw new IllegalArgumentException(
          "EDITSTREAM_ASSET_KEY must be set to at least "
              + MIN_KEY_CHARS
              + " characters of a random secret (e.g. `openssl rand -base64 32`), shared by the asset server and the routers; it was "
              + (key.isEmpty() ? "unset" : key.length() + " characters"));
    }
    if (key.chars().distinct().count() == 1) {
      throw new IllegalArgumentException(
          "EDITSTREAM_ASSET_KEY is one character repeated; use a random secret (e.g. `openssl rand -base64 32`)");
    }
    return key.getBytes(StandardCharsets.UTF_8);
  }
}
