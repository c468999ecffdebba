package dev.editstream.runcomfy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Serves registered local files over HTTP so a model server can fetch them: real RunComfy needs
 * public URLs for inputs (RunComfy docs: "Model inputs are publicly fetchable HTTPS URLs"); the
 * emulator and demos use this server on the loopback interface instead.
 *
 * <p>{@link #publish(Path)} gives {@code http://host:port/assets/<random id>/<sanitised name>}; the
 * id is 128 random bits, so URLs cannot be guessed. Only published files are served ({@code GET}
 * and {@code HEAD}); everything else is 404. Files go out with Netty's zero-copy {@code sendFile},
 * never through the heap; the existence check runs off the event loop.
 */
public final class LocalAssetServer implements AutoCloseable {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Map<String, Asset> assets = new ConcurrentHashMap<>();
  private final DisposableServer server;
  private final String host;

  private LocalAssetServer(String host, int port) {
    this.host = host;
    this.server =
        HttpServer.create()
            .host(host)
            .port(port)
            .route(
                r ->
                    r.get("/assets/{id}/{name}", this::serve)
                        .head("/assets/{id}/{name}", this::serve))
            .bindNow();
  }

  /**
   * Starts a server.
   *
   * @param host the address to bind, e.g. {@code 127.0.0.1}
   * @param port the port, or 0 for an ephemeral one
   * @return the running server; close it when done
   */
  public static LocalAssetServer start(String host, int port) {
    return new LocalAssetServer(host, port);
  }

  /**
   * Makes a file fetchable.
   *
   * @param file a regular, readable file
   * @return its URL, {@code http://host:port/assets/<id>/<name>}
   * @throws IllegalArgumentException when the file is not a regular readable file
   */
  public URI publish(Path file) {
    Path real = file.toAbsolutePath().normalize();
    if (!Files.isRegularFile(real) || !Files.isReadable(real)) {
      throw new IllegalArgumentException("file: not a readable regular file: " + file);
    }
    byte[] random = new byte[16];
    RANDOM.nextBytes(random);
    String id = HexFormat.of().formatHex(random);
    String name = FileNames.sanitise(real.getFileName().toString());
    assets.put(id, new Asset(real, name));
    return URI.create("http://" + hostPort() + "/assets/" + id + "/" + name);
  }

  /**
   * Stops serving a published URL.
   *
   * @return whether it was published
   */
  public boolean unpublish(URI url) {
    String[] parts = url.getPath().split("/");
    return parts.length == 4 && assets.remove(parts[2]) != null;
  }

  /**
   * {@code host:port} of the bound server, e.g. {@code 127.0.0.1:43121} (for {@link
   * DownloadPolicy}).
   */
  public String hostPort() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + server.port();
  }

  /** The bound port. */
  public int port() {
    return server.port();
  }

  /** Stops the server. */
  @Override
  public void close() {
    server.disposeNow();
  }

  private Publisher<Void> serve(HttpServerRequest req, HttpServerResponse resp) {
    Asset asset = assets.get(req.param("id"));
    if (asset == null || !asset.name.equals(req.param("name"))) {
      return resp.status(HttpResponseStatus.NOT_FOUND).send();
    }
    return Mono.fromCallable(() -> Files.isRegularFile(asset.path) ? Files.size(asset.path) : -1L)
        .subscribeOn(Schedulers.boundedElastic())
        .onErrorReturn(-1L)
        .flatMap(
            size -> {
              if (size < 0) {
                return resp.status(HttpResponseStatus.NOT_FOUND).send().then();
              }
              resp.header(HttpHeaderNames.CONTENT_TYPE, ContentTypes.guess(asset.name))
                  .header(HttpHeaderNames.CONTENT_LENGTH, Long.toString(size));
              if (req.method().name().equals("HEAD")) {
                return resp.send().then();
              }
              return resp.sendFile(asset.path, 0, size).then();
            });
  }

  private record Asset(Path path, String name) {}
}
