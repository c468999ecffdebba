package dev.editstream.emulator;

import dev.editstream.core.Redact;
import java.net.URI;
import java.time.Duration;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Fetches a job's input URLs over HTTP(S), as RunComfy's model servers fetch public input URLs.
 * Non-blocking (Reactor Netty). Failures become {@link JobFailedException}s whose messages carry
 * the URL without its query string.
 */
final class InputFetcher implements AutoCloseable {
  /** Largest input accepted, bytes (RunComfy recommends videos up to 100 MB). */
  static final int MAX_BYTES = 200 * 1024 * 1024;

  private final ConnectionProvider pool;
  private final HttpClient client;

  InputFetcher(Duration timeout) {
    this.pool =
        ConnectionProvider.builder("emulator-inputs")
            .maxConnections(64)
            .pendingAcquireMaxCount(-1)
            .pendingAcquireTimeout(timeout)
            .build();
    this.client =
        HttpClient.create(pool)
            .followRedirect(true)
            .responseTimeout(timeout)
            .option(io.netty.channel.ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
  }

  /**
   * Fetches one URL.
   *
   * @return the body bytes; errors with {@link JobFailedException} for a non-http(s) URL, a non-2xx
   *     status, a body over {@link #MAX_BYTES} or a network error
   */
  Mono<byte[]> fetch(String url) {
    String safe = Redact.url(url);
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      return Mono.error(new JobFailedException("input URL is not valid: " + safe));
    }
    if (uri.getScheme() == null
        || !(uri.getScheme().equalsIgnoreCase("http")
            || uri.getScheme().equalsIgnoreCase("https"))) {
      return Mono.error(new JobFailedException("input URL must be http(s): " + safe));
    }
    if (PresignedExpiry.expired(uri, java.time.Instant.now())) {
      // as a bucket answers an expired pre-signed URL (403 "Request has expired"), whatever the
      // server behind says
      return Mono.error(
          new JobFailedException(
              "input could not be fetched: "
                  + safe
                  + " (HTTP 403: the pre-signed URL expired at "
                  + PresignedExpiry.expiry(uri).orElseThrow()
                  + ")"));
    }
    return client
        .get()
        .uri(uri)
        .responseSingle(
            (res, body) -> {
              int code = res.status().code();
              if (code < 200 || code > 299) {
                return Mono.error(
                    new JobFailedException(
                        "input could not be fetched: " + safe + " (HTTP " + code + ")"));
              }
              long announced = res.responseHeaders().getInt("Content-Length", -1);
              if (announced > MAX_BYTES) {
                return Mono.error(
                    new JobFailedException(
                        "input is larger than " + MAX_BYTES + " bytes: " + safe));
              }
              return body.asByteArray().defaultIfEmpty(new byte[0]);
            })
        .flatMap(
            bytes ->
                bytes.length > MAX_BYTES
                    ? Mono.<byte[]>error(
                        new JobFailedException(
                            "input is larger than " + MAX_BYTES + " bytes: " + safe))
                    : Mono.just(bytes))
        .onErrorMap(
            e -> !(e instanceof JobFailedException),
            e ->
                new JobFailedException(
                    "input could not be fetched: "
                        + safe
                        + " ("
                        + e.getClass().getSimpleName()
                        + ")"));
  }

  /** Releases the connection pool. */
  @Override
  public void close() {
    pool.dispose();
  }
}
