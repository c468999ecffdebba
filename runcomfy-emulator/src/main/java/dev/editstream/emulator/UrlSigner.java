package dev.editstream.emulator;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs download paths the way presigned object-store URLs look: {@code <path>?X-Amz-Signature=<hex
 * HMAC-SHA256 of the path>&X-Amz-Expires=3600}, with a key drawn at random per emulator. RunComfy's
 * output URLs are presigned storage URLs whose query string is a credential, which is why clients
 * must never log it ({@code Redact.url}); the emulator makes the query string necessary (a download
 * without a valid signature is answered 403) so a client that drops or mangles it fails. The expiry
 * is announced, not enforced. Thread-safe.
 */
final class UrlSigner {
  /** Query parameter carrying the signature. */
  static final String SIGNATURE = "X-Amz-Signature";

  /** Query parameter announcing the validity, s. */
  static final String EXPIRES = "X-Amz-Expires";

  /** Announced validity of a signed URL, s. */
  static final int EXPIRES_S = 3600;

  private final SecretKeySpec key;
  private final ThreadLocal<Mac> macs;

  /** A signer with a fresh random 256-bit key. */
  UrlSigner() {
    this(randomKey());
  }

  /** A signer with the given key (tests). */
  UrlSigner(byte[] key) {
    this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
    this.macs = ThreadLocal.withInitial(this::newMac);
  }

  /** {@code path} followed by its signature query string; {@code path} starts with {@code /}. */
  String sign(String path) {
    return path + "?" + SIGNATURE + "=" + signature(path) + "&" + EXPIRES + "=" + EXPIRES_S;
  }

  /**
   * Whether the query parameters carry the signature of {@code path} (constant-time comparison).
   *
   * @param params decoded query parameters
   */
  boolean verify(String path, Map<String, List<String>> params) {
    List<String> given = params.get(SIGNATURE);
    if (given == null || given.size() != 1) {
      return false;
    }
    return MessageDigest.isEqual(
        signature(path).getBytes(StandardCharsets.US_ASCII),
        given.get(0).getBytes(StandardCharsets.UTF_8));
  }

  private String signature(String path) {
    Mac mac = macs.get();
    return HexFormat.of().formatHex(mac.doFinal(path.getBytes(StandardCharsets.UTF_8)));
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }

  private static byte[] randomKey() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    return k;
  }
}
