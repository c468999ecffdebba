package dev.editstream.emulator;

import io.netty.handler.codec.http.HttpHeaderNames;
import java.nio.file.Files;
import java.nio.file.Path;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A test-only HTTP server on 127.0.0.1 serving the project's sample media ({@code
 * /work/shared/samples}) as editstream's local asset server would: {@code GET
 * /samples/<dir>/<file>}.
 */
final class SampleServer implements AutoCloseable {
  static final Path SAMPLES = Path.of("/work/shared/samples");

  private final DisposableServer server;

  SampleServer() {
    this.server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .route(
                r ->
                    r.get(
                        "/samples/{dir}/{file}",
                        (req, res) -> {
                          Path p =
                              SAMPLES
                                  .resolve(req.param("dir"))
                                  .resolve(req.param("file"))
                                  .normalize();
                          return Mono.fromCallable(
                                  () -> p.startsWith(SAMPLES) && Files.isRegularFile(p))
                              .subscribeOn(Schedulers.boundedElastic())
                              .flatMap(
                                  ok ->
                                      ok
                                          ? res.header(
                                                  HttpHeaderNames.CONTENT_TYPE,
                                                  "application/octet-stream")
                                              .sendFile(p)
                                              .then()
                                          : res.status(404).send().then());
                        }))
            .bindNow();
  }

  /** The URL of a sample, e.g. {@code url("a_products/a07_teapot_window.jpg")}. */
  String url(String relative) {
    return "http://127.0.0.1:" + server.port() + "/samples/" + relative;
  }

  @Override
  public void close() {
    server.disposeNow();
  }
}
