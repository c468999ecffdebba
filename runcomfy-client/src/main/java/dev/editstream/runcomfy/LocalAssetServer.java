package dev.editstream.runcomfy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
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
 * <p>{@link #publish(Path)} gives {@code http://host:port/assets/<mac>/<path>/<sanitised name>}:
 * {@code path} is the file's absolute path (base64url) and {@code mac} its HMAC-SHA256 under the
 * server's key, so URLs cannot be guessed or altered, and a server restarted with the same key
 * (a router restarted after a crash) still serves the URLs it gave before. Only files whose mac
 * verifies are served ({@code GET} and {@code HEAD}); everything else is 404. Files go out with Netty's zero-copy {@code sendFile},
 * never through the heap; the existence check runs off the event loop.
 */
public final class LocalAssetServer implements AutoCloseable {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final DisposableServer server;
  private final String host;
  private final byte[] key;

  private LocalAssetServer(String host, int port, byte[] key) {
    this.host = host;
    this.key = key.clone();
    this.server =
        HttpServer.create()
            .host(host)
            .port(port)
            .route(
                r ->
                    r.get("/assets/{mac}/{path}/{name}", this::serve)
                        .head("/assets/{mac}/{path}/{name}", this::serve))
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
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    return new LocalAssetServer(host, port, key);
  }

  /**
   * Starts a server whose URLs stay valid across restarts with the same key.
   *
   * @param key HMAC key, at least 16 bytes
   * @throws IllegalArgumentException when the key is shorter
   */
  public static LocalAssetServer start(String host, int port, byte[] key) {
    if (key == null || key.length < 16) {
      throw new IllegalArgumentException("asset key must be at least 16 bytes");
    }
    return new LocalAssetServer(host, port, key);
  }

  /**
   * The URL a server at {@code hostPort} with {@code key} serves {@code file} under, without
   * needing that server in this process.
   *
   * @throws IllegalArgumentException when the file is not a regular readable file
   */
  public static URI urlFor(String hostPort, byte[] key, Path file) {
    Path real = file.toAbsolutePath().normalize();
    if (!Files.isRegularFile(real) || !Files.isReadable(real)) {
      throw new IllegalArgumentException("file: not a readable regular file: " + file);
    }
    String name = FileNames.sanitise(real.getFileName().toString());
    String path = real.toString();
    String encoded = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(path.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return URI.create("http://" + hostPort + "/assets/" + mac(key, path) + "/" + encoded + "/" + name);
  }

  private String mac(String path) {
    return mac(key, path);
  }

  private static String mac(byte[] key, String path) {
    try {
      javax.crypto.Mac m = javax.crypto.Mac.getInstance("HmacSHA256");
      m.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
      return HexFormat.of().formatHex(m.doFinal(path.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /**
   * Makes a file fetchable.
   *
   * @param file a regular, readable file
   * @return its URL, {@code http://host:port/assets/<id>/<name>}
   * @throws IllegalArgumentException when the file is not a regular readable file
   */
  public URI publish(Path file) {
    return urlFor(hostPort(), key, file);
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

  private Asset verify(String mac, String encoded, String name) {
    String path;
    try {
      path = new String(java.util.Base64.getUrlDecoder().decode(encoded), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (!java.security.MessageDigest.isEqual(mac(path).getBytes(java.nio.charset.StandardCharsets.US_ASCII),
        mac == null ? new byte[0] : mac.getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
      return null;
    }
    Path p = Path.of(path);
    if (!FileNames.sanitise(p.getFileName().toString()).equals(name)) {
      return null;
    }
    return new Asset(p, name);
  }

  private Publisher<Void> serve(HttpServerRequest req, HttpServerResponse resp) {
    Asset asset = verify(req.param("mac"), req.param("path"), req.param("name"));
    if (asset == null) {
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
