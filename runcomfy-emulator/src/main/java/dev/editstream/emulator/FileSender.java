package dev.editstream.emulator;

import io.netty.handler.codec.http.HttpHeaderNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Serves {@code GET /files/{request_id}/{name}} from the output directory with Reactor Netty's
 * {@code sendFile} (zero-copy, never loaded into the heap), with Content-Type and Content-Length.
 * No token is needed, as RunComfy's CLI never sends its token with a download. A download drawn to
 * be truncated announces the full Content-Length, sends the first half, then closes the connection.
 * When outputs are not rendered, a job's file names are answered from {@link SharedOutputs}. The
 * caller has checked the URL's signature.
 */
final class FileSender {
  private final Path outputDir;
  private final FaultPlan faults;
  private final EmulatorStats stats;
  private final @Nullable SharedOutputs shared;

  /**
   * @param shared the shared outputs, or {@code null} when outputs are rendered per job
   */
  FileSender(
      Path outputDir, FaultPlan faults, EmulatorStats stats, @Nullable SharedOutputs shared) {
    this.outputDir = outputDir.toAbsolutePath().normalize();
    this.faults = faults;
    this.stats = stats;
    this.shared = shared;
  }

  /** Sends the file, or 404 {@code {"error_message": "file not found"}}. */
  Mono<Void> send(String requestId, String name, HttpServerResponse res) {
    return Mono.fromCallable(() -> locate(requestId, name))
        .subscribeOn(Schedulers.boundedElastic())
        .flatMap(
            found ->
                found.isPresent()
                    ? transfer(found.get(), name, res)
                    : ApiHandler.json(res, 404, ApiResponses.error(null, "file not found")));
  }

  private Optional<Path> locate(String requestId, String name) {
    Path p = outputDir.resolve(requestId).resolve(name).normalize();
    if (p.startsWith(outputDir) && Files.isRegularFile(p)) {
      return Optional.of(p);
    }
    return shared == null ? Optional.empty() : shared.forName(name);
  }

  private Mono<Void> transfer(Path file, String name, HttpServerResponse res) {
    return Mono.fromCallable(() -> Files.size(file))
        .subscribeOn(Schedulers.boundedElastic())
        .flatMap(
            size -> {
              stats.download();
              boolean truncate = faults.nextDownloadTruncated();
              res.status(200)
                  .header(HttpHeaderNames.CONTENT_TYPE, contentType(name))
                  .header(HttpHeaderNames.CONTENT_LENGTH, Long.toString(size));
              if (!truncate) {
                return res.sendFile(file).then();
              }
              return res.sendFile(file, 0, size / 2)
                  .then()
                  .then(Mono.fromRunnable(() -> res.withConnection(Connection::dispose)));
            });
  }

  /** The Content-Type of an output file, by extension. */
  static String contentType(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.endsWith(".png")) {
      return "image/png";
    }
    if (n.endsWith(".jpg") || n.endsWith(".jpeg")) {
      return "image/jpeg";
    }
    if (n.endsWith(".mp4")) {
      return "video/mp4";
    }
    if (n.endsWith(".webm")) {
      return "video/webm";
    }
    return "application/octet-stream";
  }
}
