package dev.editstream.runcomfy;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A file host for downloader tests on 127.0.0.1:0. Paths:
 *
 * <ul>
 *   <li>{@code /files/<raw name>}: a registered file with Content-Length and its Content-Type;
 *   <li>{@code /chunked/<n>}: n chunks of 64 KiB, no Content-Length;
 *   <li>{@code /hop/<n>}: 302 to {@code /hop/<n-1>}, {@code /hop/0} to {@code /files/data.bin};
 *   <li>{@code /to?loc=<url>}: 302 to the given URL;
 *   <li>{@code /status/<code>}: that status (429 with {@code Retry-After: 3});
 *   <li>{@code /declare/<n>}: n bytes with Content-Length n;
 *   <li>{@code /hang}: never answers.
 * </ul>
 */
final class FileServer implements AutoCloseable {
  record File(byte[] bytes, String contentType) {}

  private final Map<String, File> files = new ConcurrentHashMap<>();
  private final List<HttpHeaders> requests = new CopyOnWriteArrayList<>();
  private final List<String> paths = new CopyOnWriteArrayList<>();
  private final DisposableServer server;

  FileServer() {
    server = HttpServer.create().host("127.0.0.1").port(0).handle(this::handle).bindNow();
  }

  void put(String rawName, byte[] bytes, String contentType) {
    files.put(rawName, new File(bytes, contentType));
  }

  String hostPort() {
    return "127.0.0.1:" + server.port();
  }

  String url(String path) {
    return "http://" + hostPort() + path;
  }

  List<HttpHeaders> requests() {
    return requests;
  }

  List<String> paths() {
    return paths;
  }

  @Override
  public void close() {
    server.disposeNow();
  }

  private Mono<Void> handle(HttpServerRequest req, HttpServerResponse resp) {
    requests.add(req.requestHeaders().copy());
    String uri = req.uri();
    String path = uri.contains("?") ? uri.substring(0, uri.indexOf('?')) : uri;
    paths.add(path);
    String[] parts = path.split("/", 3);
    String kind = parts.length > 1 ? parts[1] : "";
    String arg = parts.length > 2 ? parts[2] : "";
    switch (kind) {
      case "files" -> {
        File f = files.get(arg);
        if (f == null) {
          return resp.status(404).send();
        }
        resp.header("Content-Type", f.contentType())
            .header("Content-Length", Integer.toString(f.bytes().length));
        return resp.sendByteArray(Mono.just(f.bytes())).then();
      }
      case "chunked" -> {
        int n = Integer.parseInt(arg);
        return resp.sendByteArray(Flux.range(0, n).map(i -> new byte[64 * 1024])).then();
      }
      case "hop" -> {
        int n = Integer.parseInt(arg);
        String next = n == 0 ? "/files/data.bin" : "/hop/" + (n - 1);
        return resp.status(302).header("Location", next).send();
      }
      case "to" -> {
        String loc =
            URLDecoder.decode(uri.substring(uri.indexOf("loc=") + 4), StandardCharsets.UTF_8);
        return resp.status(302).header("Location", loc).send();
      }
      case "status" -> {
        int code = Integer.parseInt(arg);
        if (code == 429) {
          resp.header("Retry-After", "3");
        }
        return resp.status(code).sendString(Mono.just("no")).then();
      }
      case "declare" -> {
        int n = Integer.parseInt(arg);
        resp.header("Content-Length", Integer.toString(n));
        return resp.sendByteArray(Mono.just(new byte[n])).then();
      }
      case "hang" -> {
        return Mono.never();
      }
      default -> {
        return resp.status(404).send();
      }
    }
  }
}
