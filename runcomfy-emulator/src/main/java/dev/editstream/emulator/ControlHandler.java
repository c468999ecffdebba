package dev.editstream.emulator;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The emulator's own endpoints under {@code /_emulator/}, outside RunComfy's API and without token:
 * {@code GET /_emulator/stats} ({@link StatsJson}), {@code GET /_emulator/blob/{bytes}[/{name}]} (a
 * synthetic download of {@code bytes} bytes, signed like output files; {@code ?chunked=true} omits
 * Content-Length, {@code ?fill=zeros} sends zeros instead of pseudo-random bytes) and {@code GET
 * /_emulator/blob-url?bytes=N[&name=NAME]} ({@code {"url": signed blob URL}}, for a benchmark in
 * another process). Blobs stream from {@link BlobStream} without being held in memory: slices of
 * one shared buffer, written to the socket without a copy.
 */
final class ControlHandler {
  private final EmulatorStats stats;
  private final Links links;
  private final long seed;
  private final Clock clock;

  ControlHandler(EmulatorStats stats, Links links, long seed, Clock clock) {
    this.stats = stats;
    this.links = links;
    this.seed = seed;
    this.clock = clock;
  }

  /** Answers {@code GET /_emulator/stats}. */
  Mono<Void> stats(HttpServerResponse res) {
    return ApiHandler.json(res, 200, StatsJson.of(stats, clock.instant()));
  }

  /** Answers a blob download: 403 without a valid signature, 400 over 4 GiB, else the bytes. */
  Mono<Void> blob(Route.Blob blob, Map<String, List<String>> params, HttpServerResponse res) {
    if (!links.signer().verify(Links.blobPath(blob.bytes(), blob.name()), params)) {
      return ApiHandler.json(res, 403, ApiResponses.error(null, "signature does not match"));
    }
    if (blob.bytes() > BlobStream.MAX_BYTES) {
      return ApiHandler.json(
          res,
          400,
          ApiResponses.error(null, "blob size must be at most " + BlobStream.MAX_BYTES + " bytes"));
    }
    stats.download();
    res.status(200).header(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
    if (flag(params, "chunked", "true")) {
      res.header(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    } else {
      res.header(HttpHeaderNames.CONTENT_LENGTH, Long.toString(blob.bytes()));
    }
    return res.send(BlobStream.chunks(blob.bytes(), seed, flag(params, "fill", "zeros"))).then();
  }

  /**
   * Answers {@code GET /_emulator/blob-url?bytes=N[&name=NAME]} with {@code {"url": ...}}, or 400.
   */
  Mono<Void> blobUrl(Map<String, List<String>> params, HttpServerResponse res) {
    String bytesText = first(params, "bytes");
    String name = first(params, "name");
    long bytes;
    try {
      bytes = bytesText == null ? -1 : Long.parseLong(bytesText);
    } catch (NumberFormatException e) {
      bytes = -1;
    }
    if (bytes < 0
        || bytes > BlobStream.MAX_BYTES
        || (name != null && !Route.SEGMENT.matcher(name).matches())) {
      return ApiHandler.json(
          res,
          400,
          ApiResponses.error(
              null,
              "bytes must be 0.." + BlobStream.MAX_BYTES + " and name letters, digits, . _ -"));
    }
    return ApiHandler.json(
        res, 200, JsonNodeFactory.instance.objectNode().put("url", links.blob(bytes, name)));
  }

  private static boolean flag(Map<String, List<String>> params, String key, String value) {
    return value.equalsIgnoreCase(first(params, key));
  }

  private static @Nullable String first(Map<String, List<String>> params, String key) {
    List<String> v = params.get(key);
    return v == null || v.isEmpty() ? null : v.get(0);
  }
}
