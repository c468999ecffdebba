package dev.editstream.poller;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A scripted RunComfy on 127.0.0.1:0 (real HTTP, Reactor Netty): each {@code "METHOD path"} answers
 * from its script, given how many calls that key had before; every request is recorded. Not the
 * emulator: only the exchanges a test names exist, so a test states exactly what RunComfy said.
 */
final class ScriptedApi implements AutoCloseable {
  /** One answer: HTTP status and JSON body. */
  record Answer(int status, String body) {
    static Answer ok(String body) {
      return new Answer(200, body);
    }
  }

  /** One request as received; {@code query} is the raw query string, or {@code null}. */
  record Seen(String method, String path, String query) {}

  /** The answer to the {@code call}-th request (0-based) of one key. */
  @FunctionalInterface
  interface Script {
    Answer answer(int call);
  }

  private final Map<String, Script> scripts = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final DisposableServer server;

  ScriptedApi() {
    server = HttpServer.create().host("127.0.0.1").port(0).handle(this::handle).bindNow();
  }

  /** {@code http://127.0.0.1:<port>/v1}. */
  String base() {
    return "http://127.0.0.1:" + server.port() + "/v1";
  }

  void on(String method, String path, Script script) {
    scripts.put(method + " " + path, script);
  }

  /** Answers in this order; the last answer repeats. */
  void on(String method, String path, Answer... sequence) {
    on(method, path, call -> sequence[Math.min(call, sequence.length - 1)]);
  }

  /** Requests made so far to {@code "METHOD path"}. */
  int calls(String method, String path) {
    AtomicInteger n = calls.get(method + " " + path);
    return n == null ? 0 : n.get();
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
    String key = req.method().name() + " " + path;
    return req.receive()
        .aggregate()
        .asString()
        .defaultIfEmpty("")
        .flatMap(
            body -> {
              seen.add(
                  new Seen(req.method().name(), path, q < 0 ? null : req.uri().substring(q + 1)));
              int call = calls.computeIfAbsent(key, k -> new AtomicInteger()).getAndIncrement();
              Script script = scripts.get(key);
              Answer a =
                  script == null
                      ? new Answer(
                          404,
                          "{\"error_code\":404001,\"error_message\":\"no script for " + key + "\"}")
                      : script.answer(call);
              return resp.status(a.status())
                  .header("Content-Type", "application/json")
                  .sendString(Mono.just(a.body()))
                  .then();
            });
  }
}
