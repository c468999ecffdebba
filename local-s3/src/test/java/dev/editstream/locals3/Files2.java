package dev.editstream.locals3;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

/** Test helpers: files written and hashed in bounded memory, streaming GETs. */
final class Files2 {
  static final HttpClient HTTP = HttpClient.newHttpClient();

  private Files2() {}

  /** Writes {@code bytes} pseudo-random bytes (seeded) 1 MiB at a time. */
  static Path write(Path file, long bytes, long seed) throws IOException {
    Random r = new Random(seed);
    byte[] buf = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long left = bytes; left > 0; left -= buf.length) {
        r.nextBytes(buf);
        out.write(buf, 0, (int) Math.min(buf.length, left));
      }
    }
    return file;
  }

  static String sha256(InputStream in) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    byte[] buf = new byte[64 * 1024];
    try (in) {
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  static String sha256(Path file) throws Exception {
    return sha256(Files.newInputStream(file));
  }

  /** GETs {@code url} and returns the status and, on 200, the body's SHA-256 (streamed). */
  static String[] get(URI url) throws Exception {
    HttpResponse<InputStream> r =
        HTTP.send(
            HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    if (r.statusCode() != 200) {
      r.body().close();
      return new String[] {String.valueOf(r.statusCode()), null};
    }
    return new String[] {"200", sha256(r.body())};
  }
}
