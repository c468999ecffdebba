package dev.editstream.runcomfy;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/** A scripted HTTP server on 127.0.0.1:0: answers by "METHOD path", records every request. */
final class StubApi implements AutoCloseable {
  record Answer(int status, String body, Map<String, String> headers, boolean hang) {}

  /** One request as received; {@code query} is the raw query string without {@code ?}, or null. */
  record Seen(String method, String path, String query, HttpHeaders headers, String body) {}

  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final DisposableServer server;

  StubApi() {
    server = HttpServer.create().host("127.0.0.1").port(0).handle(this::handle).bindNow();
  }

  /** {@code http://127.0.0.1:<port>/v1}. */
  String base() {
    return origin() + "/v1";
  }

  /** {@code http://127.0.0.1:<port>}. */
  String origin() {
    return "http://127.0.0.1:" + server.port();
  }

  void on(String method, String path, int status, String body, Map<String, String> headers) {
    answers.put(method + " " + path, new Answer(status, body, headers, false));
  }

  void on(String method, String path, int status, String body) {
    on(method, path, status, body, Map.of());
  }

  void hang(String method, String path) {
    answers.put(method + " " + path, new Answer(0, "", Map.of(), true));
  }

  List<Seen> seen() {
    return seen;
  }

  @Override
  public void close() {
    server.disposeNow();
  }

  private Mono<Void> handle(HttpServerRequest req, HttpServerResponse resp) {
    int q = req.uri().indexOf('?');
    String path = q < 0 ? req.uri() : req.uri().substring(0, q);
    String query = q < 0 ? null : req.uri().substring(q + 1);
    return req.receive()
        .aggregate()
        .asString()
        .defaultIfEmpty("")
        .flatMap(
            body -> {
              seen.add(
                  new Seen(req.method().name(), path, query, req.requestHeaders().copy(), body));
              Answer a = answers.get(req.method().name() + " " + path);
              if (a == null) {
                return resp.status(404)
                    .sendString(Mono.just("{\"error_message\":\"no stub\"}"))
                    .then();
              }
              if (a.hang()) {
                return Mono.never();
              }
              resp.status(a.status()).header("Content-Type", "application/json");
              a.headers().forEach(resp::header);
              return resp.sendString(Mono.just(a.body())).then();
            });
  }
}
