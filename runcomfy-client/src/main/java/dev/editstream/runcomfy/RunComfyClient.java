package dev.editstream.runcomfy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.core.Redact;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.resources.ConnectionProvider;

/**
 * Non-blocking client of the RunComfy Model API (RunComfy docs, "Async queue endpoints"), on one
 * Reactor Netty {@link HttpClient} with one shared {@link ConnectionProvider} of {@link
 * RunComfyConfig#maxConnections()} connections. Thread-safe; share one instance; {@link #close()}
 * releases the pool.
 *
 * <p>Every call sends {@code Authorization: Bearer <token>} and {@code Accept: application/json}
 * (bodies as {@code application/json}) and never retries: retry is the pipeline's job. Every
 * failure is a {@code Mono.error(StageException)}:
 *
 * <ul>
 *   <li>an HTTP error (non-2xx, or 2xx with a top-level {@code error_code}) is classified by core's
 *       {@code HttpErrorClassifier} via {@link ApiErrors}, with {@code Retry-After} (seconds or
 *       HTTP-date) as the retry delay;
 *   <li>a transport failure is classified by {@link TransportErrorClassifier}: timeouts are
 *       TEMPFAIL ({@code timeout}); editstream's policy (not the CLI's, which exits 1 on any
 *       network error) makes failures before anything was sent (a refused connection {@code
 *       connect_failed}, an unknown host {@code unknown_host}, a failed TLS handshake {@code
 *       tls_handshake}) and a reset connection ({@code connection_reset}, which may come after a
 *       body was sent) UNAVAILABLE, so they are retried after backoff; whether a submit may be
 *       retried is the caller's decision ({@link TransportErrorClassifier#nothingSent}).
 * </ul>
 *
 * <p>Calls: {@link #submit}, {@link #status}, {@link #result(String, boolean)}, {@link #cancel} on
 * the Model API base; {@link #model}, {@link #models}, {@link #categories} on its catalog; {@link
 * #balance} on {@link RunComfyConfig#balanceUrl()}.
 *
 * <p>Every answer is read up to {@link RunComfyConfig#maxResponseBytes()} (Content-Length checked
 * first, then the bytes counted as they stream); a larger one fails with OTHER {@code
 * response_too_large}, a reason of its own: for a submit it means the job may have been accepted.
 * Answers are parsed with bounded nesting, number and token counts ({@link ApiJson}); nothing is
 * decompressed (no {@code Accept-Encoding} is sent). Server text in messages is escaped ({@link
 * SafeText}).
 *
 * <p>No message carries the token or a URL query string.
 */
public final class RunComfyClient implements AutoCloseable {
  private final RunComfyConfig config;
  private final ConnectionProvider provider;
  private final HttpClient http;
  private final Clock clock;
  private final java.util.function.Supplier<String> token;

  /** A client on the system clock. */
  public RunComfyClient(RunComfyConfig config) {
    this(config, Clock.systemUTC());
  }

  /**
   * @param config validated settings
   * @param clock used only to turn a Retry-After HTTP-date into a delay
   */
  public RunComfyClient(RunComfyConfig config, Clock clock) {
    this(config, clock, config::token);
  }

  /**
   * A client whose token is read again for every call, so a replaced token (RunComfy's {@code
   * token.json} rewritten) takes effect without a restart.
   *
   * @param token supplies the current token; must not return null or blank
   */
  public RunComfyClient(
      RunComfyConfig config, Clock clock, java.util.function.Supplier<String> token) {
    this.token = Objects.requireNonNull(token, "token");
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.provider =
        ConnectionProvider.builder("runcomfy-api")
            .maxConnections(config.maxConnections())
            .pendingAcquireMaxCount(-1)
            .pendingAcquireTimeout(config.responseTimeout())
            .build();
    this.http =
        HttpClient.create(provider)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()))
            .responseTimeout(config.responseTimeout())
            .headers(h -> h.set(HttpHeaderNames.ACCEPT, HttpHeaderValues.APPLICATION_JSON))
            .doOnRequest(
                (req, conn) ->
                    req.requestHeaders()
                        .set(HttpHeaderNames.AUTHORIZATION, "Bearer " + this.token.get()));
  }

  /** The settings this client uses. */
  public RunComfyConfig config() {
    return config;
  }

  /**
   * Submits a job: {@code POST {base}/models/{model_id}} with the model's input object as body (no
   * wrapper). Any 2xx is accepted (RunComfy does not document which). Not idempotent: a repeated
   * call is a second paid job.
   *
   * @param modelId e.g. {@code blackforestlabs/flux-1-kontext/pro/edit} (slashes stay in the path)
   * @param body the model input
   */
  public Mono<SubmitResponse> submit(String modelId, JsonNode body) {
    return Mono.defer(
        () -> call(HttpMethod.POST, api(ApiPaths.model(modelId)), body, ApiResponses::submit));
  }

  /**
   * Reads progress: {@code GET {base}/requests/{id}/status}. The status word is not judged here: a
   * missing or unrecognised one comes back with phase {@link RequestPhase#UNKNOWN} (see {@link
   * RequestStatus#phase()}), and the caller decides how long to tolerate it.
   *
   * @throws IllegalArgumentException (as {@code Mono.error}) for an empty or {@code .}/{@code ..}
   *     id
   */
  public Mono<RequestStatus> status(String requestId) {
    return Mono.defer(
        () ->
            call(
                HttpMethod.GET,
                api(ApiPaths.status(requestId)),
                null,
                b -> ApiResponses.status(b, requestId)));
  }

  /** Reads the outcome without cost: {@link #result(String, boolean) result(requestId, false)}. */
  public Mono<RequestResult> result(String requestId) {
    return result(requestId, false);
  }

  /**
   * Reads the outcome: {@code GET {base}/requests/{id}/result}, with {@code ?include_cost=true}
   * when {@code includeCost} (the answer then carries {@code cost} in USD, read into {@link
   * RequestResult#cost()}; {@code runcomfy-live-contract.md} §3).
   *
   * <p>Before the request finished, today's RunComfy answers HTTP 400 with {@code error_code}
   * 400005 ("result not ready"); that answer, under any HTTP status, is returned as {@link
   * RequestResult#notReady(String)} (phase {@link RequestPhase#RUNNING}), never as an error. The
   * documented older shape, a 200 carrying the current status, comes back as read. Other error
   * answers fail as every call does.
   *
   * @param requestId the request
   * @param includeCost whether to ask for the request's cost
   */
  public Mono<RequestResult> result(String requestId, boolean includeCost) {
    return Mono.defer(
            () ->
                call(
                    HttpMethod.GET,
                    api(ApiPaths.result(requestId, includeCost)),
                    null,
                    b -> ApiResponses.result(b, requestId)))
        .onErrorResume(
            ApiErrors::resultNotReady, e -> Mono.just(RequestResult.notReady(requestId)));
  }

  /**
   * Asks to cancel: {@code POST {base}/requests/{id}/cancel}, no body; RunComfy answers 202 with
   * {@code outcome} {@code cancelled} or {@code not_cancellable} (only queued requests cancel; a
   * running one finishes and is billed, {@code runcomfy-live-contract.md} §4).
   */
  public Mono<CancelOutcome> cancel(String requestId) {
    return Mono.defer(
        () ->
            call(
                HttpMethod.POST,
                api(ApiPaths.cancel(requestId)),
                null,
                b -> ApiResponses.cancel(b, requestId)));
  }

  /** Reads one catalog entry: {@code GET {base}/models/{model_id}} (with {@code input_schema}). */
  public Mono<JsonNode> model(String modelId) {
    return Mono.defer(
        () -> call(HttpMethod.GET, api(ApiPaths.model(modelId)), null, Function.identity()));
  }

  /**
   * Reads one page of the catalog: {@code GET
   * {base}/models?search=&category=&kind=&include_schema=true&limit=&offset=}, only the parameters
   * given, percent-encoded ({@link ApiPaths#models}; {@code runcomfy-live-contract.md} §3).
   *
   * @param search free text, or {@code null} for none
   * @param category e.g. {@code image-to-image} or {@code edit-video}, or {@code null}
   * @param kind an entry kind, or {@code null}
   * @param includeSchema whether each entry should carry its {@code input_schema}
   * @param limit page size 1..500, or 0 for RunComfy's default
   * @param offset entries to skip, &gt;= 0
   * @return the raw JSON page {@code {models: [{model_id, kind, inputs, required_inputs,
   *     base_price_usd, price_unit, model_url, ...}], total}}, as RunComfy sent it; {@code
   *     IllegalArgumentException} (as {@code Mono.error}) for a bad limit or offset
   */
  public Mono<JsonNode> models(
      @Nullable String search,
      @Nullable String category,
      @Nullable String kind,
      boolean includeSchema,
      int limit,
      int offset) {
    return Mono.defer(
        () ->
            call(
                HttpMethod.GET,
                api(ApiPaths.models(search, category, kind, includeSchema, limit, offset)),
                null,
                Function.identity()));
  }

  /**
   * Reads the catalog's categories: {@code GET {base}/models/categories}, the raw JSON as RunComfy
   * sent it (categories seen: {@code text-to-image}, {@code image-to-image}, {@code
   * image-to-video}, {@code text-to-video}, {@code text-to-audio}, {@code edit-video}; {@code
   * runcomfy-live-contract.md} §3).
   */
  public Mono<JsonNode> categories() {
    return Mono.defer(
        () -> call(HttpMethod.GET, api(ApiPaths.categories()), null, Function.identity()));
  }

  /**
   * Reads the account's balance: {@code GET} {@link RunComfyConfig#balanceUrl()} (RunComfy's is
   * {@code https://api.runcomfy.net/prod/v2/balance}) with the same bearer token; {@code
   * runcomfy-live-contract.md} §3. Free, unlike a submit: the way to check a token and an account
   * before spending. Errors are classified as for every call (401/403 → 77, 402 or {@code
   * error_code} 400002 → 77, 5xx → 69, 429 → 75, ...); an answer without an amount is OTHER {@code
   * bad_response}.
   */
  public Mono<Balance> balance() {
    return Mono.defer(() -> call(HttpMethod.GET, config.balanceUrl(), null, ApiResponses::balance));
  }

  /** Releases the connection pool; pending calls fail. */
  @Override
  public void close() {
    provider.dispose();
  }

  /** The absolute URL of a Model API path. */
  private String api(String path) {
    return config.baseUrl() + path;
  }

  private <T> Mono<T> call(
      HttpMethod method, String url, @Nullable JsonNode body, Function<JsonNode, T> reader) {
    HttpClient.RequestSender request = http.request(method).uri(url);
    HttpClient.ResponseReceiver<?> receiver =
        body == null
            ? request
            : http.headers(
                    h -> h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON))
                .request(method)
                .uri(url)
                .send(
                    Mono.fromCallable(
                        () -> Unpooled.wrappedBuffer(Json.mapper().writeValueAsBytes(body))));
    Mono<Raw> exchange =
        receiver
            .response(
                (resp, answer) ->
                    readCapped(method, url, resp, answer)
                        .map(
                            text ->
                                new Raw(
                                    resp.status().code(),
                                    resp.responseHeaders().get(HttpHeaderNames.RETRY_AFTER),
                                    text)))
            .single();
    return exchange
        .timeout(config.responseTimeout())
        .onErrorMap(e -> !(e instanceof StageException), e -> transportFailure(method, url, e))
        .map(raw -> decode(method, url, raw, reader));
  }

  /**
   * Reads an answer's body as UTF-8 text, at most {@link RunComfyConfig#maxResponseBytes()}: a
   * larger Content-Length fails before reading, and the bytes are counted as they arrive (the call
   * fails as soon as the cap is passed, and the connection is closed, not drained).
   */
  private Mono<String> readCapped(
      HttpMethod method, String url, HttpClientResponse resp, ByteBufFlux body) {
    long max = config.maxResponseBytes();
    String length = resp.responseHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
    if (length != null) {
      long declared;
      try {
        declared = Long.parseLong(length.trim());
      } catch (NumberFormatException e) {
        declared = -1;
      }
      if (declared > max) {
        return Mono.error(tooLarge(method, url, resp.status().code(), "declares " + declared));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    return body.<Void>handle(
            (buf, sink) -> {
              int n = buf.readableBytes();
              if (out.size() + (long) n > max) {
                sink.error(tooLarge(method, url, resp.status().code(), "sent more than " + max));
                return;
              }
              try {
                buf.getBytes(buf.readerIndex(), out, n);
              } catch (IOException e) {
                sink.error(e);
              }
            })
        .then(Mono.fromCallable(() -> out.toString(StandardCharsets.UTF_8)));
  }

  private StageException tooLarge(HttpMethod method, String url, int status, String what) {
    return new StageException(
        ExitClass.OTHER,
        FailureReason.RESPONSE_TOO_LARGE,
        method.name()
            + " "
            + pathOf(url)
            + " -> HTTP "
            + status
            + ": answer "
            + what
            + " bytes, over the limit of "
            + config.maxResponseBytes()
            + " bytes (maxResponseBytes)");
  }

  private <T> T decode(HttpMethod method, String url, Raw raw, Function<JsonNode, T> reader) {
    JsonNode json = parse(raw.body);
    if (ApiErrors.isError(raw.status, json)) {
      Duration retryAfter = RetryAfter.parse(raw.retryAfter, clock.instant()).orElse(null);
      throw ApiErrors.toException(
          method.name(), pathOf(url), raw.status, raw.body, retryAfter, token.get());
    }
    if (json == null) {
      throw new StageException(
          ExitClass.OTHER,
          FailureReason.BAD_RESPONSE,
          method.name() + " " + pathOf(url) + " -> HTTP " + raw.status + ": body is not JSON");
    }
    return reader.apply(json);
  }

  private StageException transportFailure(HttpMethod method, String url, Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (TransportErrorClassifier.isTooLongFrame(c)) {
        return new StageException(
            ExitClass.OTHER,
            FailureReason.RESPONSE_TOO_LARGE,
            method.name()
                + " "
                + pathOf(url)
                + ": answer head over Netty's limit ("
                + c.getClass().getSimpleName()
                + ")");
      }
    }
    TransportError te = TransportErrorClassifier.classify(e);
    String detail = e.getClass().getSimpleName();
    String msg =
        method.name() + " " + pathOf(url) + " failed: " + te.reasonText() + " (" + detail + ")";
    return new StageException(
        te.exitClass(), te.reasonText(), Redact.text(msg).replace(token.get(), "<redacted>"));
  }

  /** The URL without scheme/host and without query, e.g. {@code /v1/models/x}. */
  private static String pathOf(String url) {
    String noQuery = Redact.url(url);
    int scheme = noQuery.indexOf("://");
    int slash = scheme < 0 ? -1 : noQuery.indexOf('/', scheme + 3);
    return slash < 0 ? noQuery : noQuery.substring(slash);
  }

  private static @Nullable JsonNode parse(String body) {
    return ApiJson.parse(body);
  }

  private record Raw(int status, String retryAfter, String body) {}
}
