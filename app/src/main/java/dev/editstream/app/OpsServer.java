package dev.editstream.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The operator's port of a long-running command ({@code --metrics-port}): {@code GET /metrics}
 * (Prometheus text format 0.0.4, from Micrometer's Prometheus registry), {@code GET /health/live}
 * (200 while the process runs) and {@code GET /health/ready} (200 or 503 with a JSON body {@code
 * {"ready": bool, "reasons": [...]}}, {@link Readiness}). Non-blocking Reactor Netty; the readiness
 * supplier runs on {@link Schedulers#boundedElastic()} (it may ask the broker). Bound to 127.0.0.1
 * unless {@code --metrics-host} says otherwise: the page shows counts, never a token, a URL's query
 * string or a job id in a tag.
 */
public final class OpsServer implements AutoCloseable {
  /**
   * The live ops page served at {@code /}: one self-contained HTML file (no CDN), reading {@code
   * /metrics} every 3 s.
   */
  static final String PAGE = page();

  private final DisposableServer server;

  private OpsServer(DisposableServer server) {
    this.server = server;
  }

  /**
   * Starts serving.
   *
   * @param host the address to bind ({@code 127.0.0.1} by default)
   * @param port the port, 0 for any free one
   * @param registry the process's meters
   * @param readiness judged at each {@code /health/ready} request
   * @throws IllegalArgumentException naming {@code --metrics-port} when the port cannot be bound
   */
  public static OpsServer start(
      String host, int port, PrometheusMeterRegistry registry, Supplier<Readiness> readiness) {
    try {
      DisposableServer s =
          HttpServer.create()
              .host(host)
              .port(port)
              .route(
                  routes ->
                      routes
                          .get(
                              "/metrics",
                              (req, res) ->
                                  res.header(
                                          HttpHeaderNames.CONTENT_TYPE,
                                          "text/plain; version=0.0.4; charset=utf-8")
                                      .sendString(
                                          Mono.fromCallable(registry::scrape)
                                              .subscribeOn(Schedulers.boundedElastic())))
                          .get(
                              "/",
                              (req, res) ->
                                  res.header(
                                          HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                                      .sendString(Mono.just(PAGE)))
                          .get(
                              "/health/live",
                              (req, res) ->
                                  res.header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                                      .sendString(Mono.just("{\"live\":true}")))
                          .get(
                              "/health/ready",
                              (req, res) ->
                                  Mono.fromCallable(readiness::get)
                                      .subscribeOn(Schedulers.boundedElastic())
                                      .flatMap(
                                          r ->
                                              res.status(
                                                      r.ready()
                                                          ? HttpResponseStatus.OK
                                                          : HttpResponseStatus.SERVICE_UNAVAILABLE)
                                                  .header(
                                                      HttpHeaderNames.CONTENT_TYPE,
                                                      "application/json")
                                                  .sendString(Mono.just(body(r)))
                                                  .then())))
              .bindNow(Duration.ofSeconds(10));
      return new OpsServer(s);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "--metrics-port "
              + port
              + ": cannot listen on "
              + host
              + ":"
              + port
              + " ("
              + e.getMessage()
              + ")",
          e);
    }
  }

  private static String page() {
    try (java.io.InputStream in = OpsServer.class.getResourceAsStream("/editstream/ops.html")) {
      if (in == null) {
        throw new IllegalStateException("ops.html missing from the jar");
      }
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static String body(Readiness r) {
    ObjectNode o = Json.mapper().createObjectNode();
    o.put("ready", r.ready());
    var reasons = o.putArray("reasons");
    r.reasons().forEach(reasons::add);
    return o.toString();
  }

  /** The bound port. */
  public int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.disposeNow(Duration.ofSeconds(5));
  }
}
