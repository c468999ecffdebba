package dev.editstream.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * The disk copy of the last live catalog read, so a restart during an API outage still routes with
 * RunComfy's schemas and prices of that time (and says how old they are). One file per API base:
 * {@code {base_url, fetched_at, models: [...], total}}, written to a temp file and renamed.
 * Blocking file I/O: call it at start-up or off the event loops.
 */
public final class CatalogCache {
  /**
   * A cached catalog.
   *
   * @param document {@code {base_url, fetched_at, models, total}}
   * @param fetchedAt when it was read from RunComfy
   */
  public record Cached(JsonNode document, Instant fetchedAt) {}

  private final Path file;

  /**
   * @param file where the copy lives (its folder is created on write)
   */
  public CatalogCache(Path file) {
    this.file = file;
  }

  /**
   * The default place for the cache of {@code baseUrl}: {@code $XDG_CACHE_HOME/editstream/} or
   * {@code ~/.cache/editstream/}, file {@code catalog-<12 hex of SHA-256(base URL)>.json}.
   */
  public static CatalogCache defaultFor(String baseUrl, Map<String, String> env, Path home) {
    String xdg = env.get("XDG_CACHE_HOME");
    Path dir =
        (xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".cache"))
            .resolve("editstream");
    return new CatalogCache(dir.resolve("catalog-" + hash(baseUrl) + ".json"));
  }

  /** The file. */
  public Path file() {
    return file;
  }

  /**
   * Writes a live read.
   *
   * @param models the {@code models} entries as RunComfy gave them
   * @throws IOException when the file cannot be written
   */
  public void write(String baseUrl, JsonNode models, Instant fetchedAt) throws IOException {
    ObjectNode doc = Json.mapper().createObjectNode();
    doc.put("base_url", baseUrl);
    doc.put("fetched_at", fetchedAt.toString());
    doc.set("models", models);
    doc.put("total", models.size());
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, Json.mapper().writeValueAsBytes(doc));
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** The cached copy, if there is a readable one. */
  public Optional<Cached> read() {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      JsonNode doc = Json.mapper().readTree(file.toFile());
      if (!doc.path("models").isArray()) {
        return Optional.empty();
      }
      return Optional.of(new Cached(doc, Instant.parse(doc.path("fetched_at").asText())));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static String hash(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
