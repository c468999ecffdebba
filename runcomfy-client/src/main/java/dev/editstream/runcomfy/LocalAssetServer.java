package dev.editstream.runcomfy;

import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
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
 * server's key, so URLs cannot be guessed or altered, and a server restarted with the same key (a
 * router restarted after a crash) still serves the URLs it gave before. Only files whose mac
 * verifies are served ({@code GET} and {@code HEAD}); everything else is 404. Files go out with
 * Netty's zero-copy file region, never through the heap; opening and checking run off the event
 * loop.
 *
 * <p><b>Links and swaps</b> (issue 14, defect 5). {@link #publish} signs the file's real path
 * ({@link Path#toRealPath}, links resolved once, at publish time). Serving opens only that exact
 * path and refuses (404) unless: the path's real path is still the signed path (no component is, or
 * became, a symbolic link), before and after the open; the path itself is not a link ({@code
 * NOFOLLOW_LINKS}, i.e. {@code O_NOFOLLOW}, on the open); it is a regular file (no folder, FIFO or
 * device) with the same file key (device and inode) before and after the open; and the bytes sent
 * are those of the opened descriptor, its size taken from the descriptor. Java offers no {@code
 * fstat} on a channel, so the file key is read by path right after the open: an attacker able to
 * swap the file twice within that window is not excluded; a swap after signing is.
 *
 * <p><b>Keys and binding.</b> Keys are at least {@value #MIN_KEY_BYTES} bytes (random ones are);
 * the server binds exactly the host it is given: use {@link #isLoopback(String)} to warn when it is
 * not a loopback address.
 */
public final class LocalAssetServer implements AutoCloseable {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The shortest HMAC key accepted, bytes (256 bits). */
  public static final int MIN_KEY_BYTES = 32;

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
    byte[] key = new byte[MIN_KEY_BYTES];
    RANDOM.nextBytes(key);
    return new LocalAssetServer(host, port, key);
  }

  /**
   * Starts a server whose URLs stay valid across restarts with the same key.
   *
   * @param key HMAC key, at least {@value #MIN_KEY_BYTES} bytes (random: a key derived from
   *     something guessable lets anyone forge URLs)
   * @throws IllegalArgumentException when the key is shorter
   */
  public static LocalAssetServer start(String host, int port, byte[] key) {
    if (key == null || key.length < MIN_KEY_BYTES) {
      throw new IllegalArgumentException(
          "asset key must be at least "
              + MIN_KEY_BYTES
              + " bytes, was "
              + (key == null ? 0 : key.length));
    }
    return new LocalAssetServer(host, port, key);
  }

  /**
   * Whether binding {@code host} keeps the server on this machine: {@code localhost} or a loopback
   * IP literal ({@code 127.0.0.0/8}, {@code ::1}, brackets allowed). No DNS lookup: any other name
   * is {@code false}, as are {@code 0.0.0.0} and {@code ::} (all interfaces). Pure.
   *
   * @param host a bind address as given by the user
   */
  public static boolean isLoopback(String host) {
    if (host == null) {
      return false;
    }
    String h = host.trim();
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (h.equalsIgnoreCase("localhost")) {
      return true;
    }
    java.net.InetAddress literal = io.netty.util.NetUtil.createInetAddressFromIpAddressString(h);
    return literal != null && literal.isLoopbackAddress();
  }

  /**
   * The URL a server at {@code hostPort} with {@code key} serves {@code file} under, without
   * needing that server in this process.
   *
   * <p>The URL names the file's real path ({@link Path#toRealPath}: links resolved now); the server
   * serves it only while that path holds no link (see the class comment).
   *
   * @throws IllegalArgumentException when the file is not a regular readable file
   */
  public static URI urlFor(String hostPort, byte[] key, Path file) {
    Path real;
    try {
      real = file.toRealPath();
    } catch (IOException | SecurityException e) {
      throw new IllegalArgumentException("file: not a readable regular file: " + file);
    }
    if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS) || !Files.isReadable(real)) {
      throw new IllegalArgumentException("file: not a readable regular file: " + file);
    }
    String name = FileNames.sanitise(real.getFileName().toString());
    String path = real.toString();
    String encoded =
        java.util.Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(path.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return URI.create(
        "http://" + hostPort + "/assets/" + mac(key, path) + "/" + encoded + "/" + name);
  }

  private String mac(String path) {
    return mac(key, path);
  }

  /** HMAC-SHA256 of {@code path} under {@code key}, lower-case hex (package-private for tests). */
  static String mac(byte[] key, String path) {
    try {
      javax.crypto.Mac m = javax.crypto.Mac.getInstance("HmacSHA256");
      m.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
      return HexFormat.of()
          .formatHex(m.doFinal(path.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
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

  private @Nullable Asset verify(
      @Nullable String mac, @Nullable String encoded, @Nullable String name) {
    if (encoded == null || name == null) {
      return null; // the route always has them
    }
    String path;
    try {
      path =
          new String(
              java.util.Base64.getUrlDecoder().decode(encoded),
              java.nio.charset.StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (!java.security.MessageDigest.isEqual(
        mac(path).getBytes(java.nio.charset.StandardCharsets.US_ASCII),
        mac == null ? new byte[0] : mac.getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
      return null;
    }
    Path p;
    try {
      p = Path.of(path);
    } catch (java.nio.file.InvalidPathException e) {
      return null;
    }
    if (!p.isAbsolute() || !p.normalize().equals(p) || p.getFileName() == null) {
      return null;
    }
    if (!FileNames.sanitise(p.getFileName().toString()).equals(name)) {
      return null;
    }
    return new Asset(p, name);
  }

  /**
   * Opens a verified asset for reading, or returns {@code null} when it must not be served (see the
   * class comment). Blocking.
   */
  static @Nullable Opened open(Path signed) {
    FileChannel ch = null;
    try {
      if (!signed.toRealPath().equals(signed)) {
        return null; // a component is a link
      }
      BasicFileAttributes before =
          Files.readAttributes(signed, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!before.isRegularFile()) {
        return null; // folder, FIFO, device, link: never opened (a FIFO would block the open)
      }
      ch = FileChannel.open(signed, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
      BasicFileAttributes after =
          Files.readAttributes(signed, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!after.isRegularFile()
          || before.fileKey() == null
          || !before.fileKey().equals(after.fileKey())
          || !signed.toRealPath().equals(signed)) {
        ch.close();
        return null;
      }
      return new Opened(ch, ch.size());
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException ignored) {
          // nothing more to do
        }
      }
      return null;
    }
  }

  private Publisher<Void> serve(HttpServerRequest req, HttpServerResponse resp) {
    Asset asset = verify(req.param("mac"), req.param("path"), req.param("name"));
    if (asset == null) {
      return resp.status(HttpResponseStatus.NOT_FOUND).send();
    }
    boolean head = req.method().name().equals("HEAD");
    return Mono.fromCallable(() -> Optional.ofNullable(open(asset.path)))
        .subscribeOn(Schedulers.boundedElastic())
        .flatMap(
            opened -> {
              if (opened.isEmpty()) {
                return resp.status(HttpResponseStatus.NOT_FOUND).send().then();
              }
              Opened o = opened.get();
              resp.header(HttpHeaderNames.CONTENT_TYPE, ContentTypes.guess(asset.name))
                  .header(HttpHeaderNames.CONTENT_LENGTH, Long.toString(o.size()));
              if (head) {
                o.closeQuietly();
                return resp.send().then();
              }
              // the bytes of the descriptor opened and checked above, never the path again
              return resp.sendUsing(
                      () -> o.channel(),
                      (conn, ch) -> new DefaultFileRegion(ch, 0, o.size()),
                      ch -> o.closeQuietly())
                  .then();
            });
  }

  private record Asset(Path path, String name) {}

  /** An opened, checked file and its size from the descriptor, bytes. */
  record Opened(FileChannel channel, long size) {
    void closeQuietly() {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing more to do
      }
    }
  }
}
