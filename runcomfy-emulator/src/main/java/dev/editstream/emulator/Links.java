package dev.editstream.emulator;

import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Absolute, signed download URLs of the emulator: output files {@code
 * <root>/files/{request_id}/{name}?X-Amz-Signature=...} and synthetic blobs {@code
 * <root>/_emulator/blob/{bytes}[/{name}]?X-Amz-Signature=...} ({@link UrlSigner}). The root ({@code
 * http://host:port}) is read when a URL is made, as it is known only once the server is bound.
 */
final class Links {
  private final Supplier<String> root;
  private final UrlSigner signer;

  Links(Supplier<String> root, UrlSigner signer) {
    this.root = root;
    this.signer = signer;
  }

  /** The signed URL of an output file. */
  String file(String requestId, String name) {
    return root.get() + signer.sign("/files/" + requestId + "/" + name);
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
