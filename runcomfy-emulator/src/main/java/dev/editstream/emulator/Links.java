package dev.editstream.emulator;

import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Absolute download URLs of the emulator: output files {@code
 * <root>/files/{request_id}/{name}?X-Amz-Signature=...}, or without the signature when outputs are
 * public ({@link EmulatorConfig#publicOutputs()}), and synthetic blobs {@code
 * <root>/_emulator/blob/{bytes}[/{name}]?X-Amz-Signature=...}, always signed ({@link UrlSigner}).
 * The root ({@code http://host:port}) is read when a URL is made, as it is known only once the
 * server is bound.
 */
final class Links {
  private final Supplier<String> root;
  private final UrlSigner signer;
  private final boolean publicFiles;

  /** Signed output files. */
  Links(Supplier<String> root, UrlSigner signer) {
    this(root, signer, false);
  }

  /**
   * @param publicFiles whether output file URLs are plain (no query string) and served unchecked
   */
  Links(Supplier<String> root, UrlSigner signer, boolean publicFiles) {
    this.root = root;
    this.signer = signer;
    this.publicFiles = publicFiles;
  }

  /** The URL of an output file: signed, or plain when output files are public. */
  String file(String requestId, String name) {
    String path = "/files/" + requestId + "/" + name;
    return root.get() + (publicFiles ? path : signer.sign(path));
  }

  /** Whether output files are served without a signature check. */
  boolean publicFiles() {
    return publicFiles;
  }

  /** The signed URL of a blob of {@code bytes} bytes; {@code name} may be {@code null}. */
  String blob(long bytes, @Nullable String name) {
    return root.get() + signer.sign(blobPath(bytes, name));
  }

  /** The unsigned path of a blob. */
  static String blobPath(long bytes, @Nullable String name) {
    return "/_emulator/blob/" + bytes + (name == null ? "" : "/" + name);
  }

  /** The signer, to verify downloads. */
  UrlSigner signer() {
    return signer;
  }
}
