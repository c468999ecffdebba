package dev.editstream.locals3;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.ConnectionProvider;

/**
 * A fault-injecting HTTP proxy in front of an S3 endpoint (normally {@link LocalS3}), on {@code
 * 127.0.0.1} with an ephemeral port. Point a client at {@link #endpoint()}: every request is
 * forwarded unchanged (method, path, query, headers including {@code Host}, body), so a SigV4
 * signature made for the proxy's address still verifies at S3Proxy, which does not compare {@code
 * Host} with its own address. Hop-by-hop headers and {@code Expect} (unsigned) are not forwarded.
 *
 * <p>Faults: {@link #failNext(int, int)} answers the next requests itself with an S3 XML error
 * ({@link #failNext(int, int, Predicate)}: only requests a test accepts); {@link #delay(Duration)}
 * holds every request before handling it, {@link #delayNext} only the next matching ones. {@link
 * #requests()} records each request's method, path and query parameter <em>names</em> (never
 * values: pre-signed URLs carry signatures there).
 */
public final class S3FaultProxy implements AutoCloseable {
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "transfer-encoding",
          "te",
          "trailer",
          "upgrade",
          "expect");
  private static final Map<Integer, String> CODES =
      Map.of(
          400,
          "InvalidRequest",
          403,
          "AccessDenied",
          404,
          "NoSuchKey",
          500,
          "InternalError",
          503,
          "SlowDown");

  private static boolean any(String request) {
    return true;
  }

  /** The next {@code remaining} requests matching {@code which} fail with {@code status}. */
  private record Fault(int remaining, int status, @Nullable String code, Predicate<String> which) {
    Fault next(String request) {
      return remaining > 0 && which.test(request)
          ? new Fault(remaining - 1, status, code, which)
          : this;
    }
  }

  /** The next {@code remaining} requests matching {@code which} are held for {@code delay}. */
  private record Slow(int remaining, Duration delay, Predicate<String> which) {
    Slow next(String request) {
      return remaining > 0 && which.test(request) ? new Slow(remaining - 1, delay, which) : this;
    }
  }

  private final URI target;
  private final ConnectionProvider pool;
  private final HttpClient client;
  private final DisposableServer server;
  private final AtomicReference<Fault> fault =
      new AtomicReference<>(new Fault(0, 0, null, S3FaultProxy::any));
  private final AtomicReference<Slow> slow =
      new AtomicReference<>(new Slow(0, Duration.ZERO, S3FaultProxy::any));
  private volatile Duration delay = Duration.ZERO;
  private final List<String> requests = new CopyOnWriteArrayList<>();

  private S3FaultProxy(URI target) {
    this.target = target;
    this.pool = ConnectionProvider.create("s3-fault-proxy", 64);
    this.client = HttpClient.create(pool);
    this.server = HttpServer.create().host("127.0.0.1").port(0).handle(this::handle).bindNow();
  }

  /**
   * Starts a proxy forwarding to {@code target}.
   *
   * @param target the S3 endpoint, {@code http://host:port} (no path)
   * @return the running proxy; close it to stop it
   */
  public static S3FaultProxy start(URI target) {
    Objects.requireNonNull(target, "target");
    return new S3FaultProxy(target);
  }

  /** The proxy's base URL, {@code http://127.0.0.1:<port>}: use it as the client's endpoint. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.port());
  }

  /**
   * Answers the next {@code n} requests with {@code status} and an S3 XML error body whose code
   * follows the status (400 InvalidRequest, 403 AccessDenied, 404 NoSuchKey, 500 InternalError, 503
   * SlowDown, else {@code Error<status>}); replaces any faults still pending.
   *
   * @param n how many requests fail, &ge; 0
   * @param status an HTTP status, 400-599
   */
  public void failNext(int n, int status) {
    failNext(n, status, CODES.getOrDefault(status, "Error" + status));
  }

  /**
   * Answers the next {@code n} requests with {@code status} and an S3 XML error with {@code code}.
   *
   * @throws IllegalArgumentException if {@code n < 0} or the status is not 400-599
   */
  public void failNext(int n, int status, String code) {
    failNext(n, status, code, S3FaultProxy::any);
  }

  /**
   * Answers the next {@code n} requests that {@code which} accepts with {@code status} and an S3
   * XML error (code as in {@link #failNext(int, int)}); other requests pass. Replaces any faults
   * still pending.
   *
   * @param which tests a request as {@link #requests()} describes it, e.g. {@code r ->
   *     r.startsWith("PUT /bucket/results/")}
   * @throws IllegalArgumentException if {@code n < 0} or the status is not 400-599
   */
  public void failNext(int n, int status, Predicate<String> which) {
    failNext(n, status, CODES.getOrDefault(status, "Error" + status), which);
  }

  private void failNext(int n, int status, String code, Predicate<String> which) {
    if (n < 0 || status < 400 || status > 599) {
      throw new IllegalArgumentException("n must be >= 0 and status 400-599");
    }
    fault.set(
        new Fault(
            n,
            status,
            Objects.requireNonNull(code, "code"),
            Objects.requireNonNull(which, "which")));
  }

  /**
   * Holds the next {@code n} requests that {@code which} accepts for {@code delay} before failing
   * or forwarding them (a slow endpoint); other requests are not held by this rule. Replaces any
   * such rule still pending.
   *
   * @param which as in {@link #failNext(int, int, Predicate)}
   * @throws IllegalArgumentException if {@code n < 0} or {@code delay} is negative
   */
  public void delayNext(int n, Duration delay, Predicate<String> which) {
    if (n < 0 || delay == null || delay.isNegative()) {
      throw new IllegalArgumentException("n must be >= 0 and delay >= 0");
    }
    slow.set(new Slow(n, delay, Objects.requireNonNull(which, "which")));
  }

  /**
   * Holds every request for {@code delay} before failing or forwarding it; {@link Duration#ZERO}
   * stops.
   */
  public void delay(Duration delay) {
    if (delay == null || delay.isNegative()) {
      throw new IllegalArgumentException("delay must be >= 0");
    }
    this.delay = delay;
  }

  /** Clears faults, the delay and the request log. */
  public void reset() {
    fault.set(new Fault(0, 0, null, S3FaultProxy::any));
    slow.set(new Slow(0, Duration.ZERO, S3FaultProxy::any));
    delay = Duration.ZERO;
    requests.clear();
  }

  /**
   * The requests seen so far, oldest first, as {@code "METHOD /path?name1,name2"} (query parameter
   * names sorted, values left out), e.g. {@code "PUT /bucket/key?partNumber,uploadId"}.
   */
  public List<String> requests() {
    return new ArrayList<>(requests);
  }

  /** Stops the server and the forwarding client's pool. */
  @Override
  public void close() {
    server.disposeNow();
    pool.dispose();
  }

  private Mono<Void> handle(HttpServerRequest req, HttpServerResponse res) {
    String request = describe(req.method(), req.uri());
    requests.add(request);
    Fault f = fault.getAndUpdate(x -> x.next(request));
    Slow sl = slow.getAndUpdate(x -> x.next(request));
    Duration d = sl.remaining() > 0 && sl.which().test(request) ? delay.plus(sl.delay()) : delay;
    Mono<Void> wait = d.isZero() ? Mono.empty() : Mono.delay(d).then();
    if (f.remaining() > 0 && f.which().test(request)) {
      return req.receive().then().then(wait).then(Mono.defer(() -> fail(req, res, f)));
    }
    return wait.then(Mono.defer(() -> forward(req, res)));
  }

  private Mono<Void> fail(HttpServerRequest req, HttpServerResponse res, Fault f) {
    res.status(f.status()).header("x-amz-request-id", "fault-proxy");
    if (req.method().equals(HttpMethod.HEAD)) {
      return res.send().then();
    }
    String xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>"
            + f.code()
            + "</Code><Message>injected by "
            + "S3FaultProxy</Message><RequestId>fault-proxy</RequestId></Error>";
    byte[] body = xml.getBytes(StandardCharsets.UTF_8);
    return res.header(HttpHeaderNames.CONTENT_TYPE, "application/xml")
        .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.length))
        .sendByteArray(Mono.just(body))
        .then();
  }

  private Mono<Void> forward(HttpServerRequest req, HttpServerResponse res) {
    HttpHeaders in = req.requestHeaders();
    boolean hasBody =
        in.contains(HttpHeaderNames.CONTENT_LENGTH)
            || in.contains(HttpHeaderNames.TRANSFER_ENCODING);
    return client
        .headers(
            h -> {
              in.forEach(
                  e -> {
                    if (!HOP_BY_HOP.contains(e.getKey().toLowerCase(Locale.ROOT))) {
                      h.add(e.getKey(), e.getValue());
                    }
                  });
            })
        .request(req.method())
        .uri(target.toString() + req.uri())
        .send((creq, out) -> hasBody ? out.send(req.receive().retain()) : out)
        .response(
            (cres, body) -> {
              res.status(HttpResponseStatus.valueOf(cres.status().code()));
              cres.responseHeaders()
                  .forEach(
                      e -> {
                        if (!HOP_BY_HOP.contains(e.getKey().toLowerCase(Locale.ROOT))) {
                          res.addHeader(e.getKey(), e.getValue());
                        }
                      });
              return res.send(body.retain());
            })
        .then();
  }

  /** {@code METHOD /path?sorted,parameter,names} without any query value. */
  static String describe(HttpMethod method, String uri) {
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    if (q < 0) {
      return method.name() + " " + path;
    }
    Set<String> names = new TreeSet<>();
    for (String pair : uri.substring(q + 1).split("&")) {
      if (!pair.isEmpty()) {
        int eq = pair.indexOf('=');
        names.add(eq < 0 ? pair : pair.substring(0, eq));
      }
    }
    return method.name() + " " + path + "?" + String.join(",", names);
  }
}
