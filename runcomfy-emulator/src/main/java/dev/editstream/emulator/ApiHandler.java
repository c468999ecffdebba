package dev.editstream.emulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The HTTP adapter of the emulator: counts the call ({@link Endpoint}; a submit's body is read
 * first and counted per hash, {@link EmulatorStats#postsPerBodyHash()}), authenticates the account
 * ({@link Accounts}), applies its rate limit (429), draws the call's fault ({@link FaultPlan}), and
 * answers each {@link Route} of the RunComfy Model API from the {@link JobBook}, the {@link
 * EmulatorCatalog} and the {@link Billing}; submits go to {@link Submitter}. A result asked for
 * before completion is answered per {@link EmulatorConfig#resultBeforeCompletion()}. File downloads
 * need no token but a valid signature (else 403; none with {@link EmulatorConfig#publicOutputs()})
 * and are delegated to {@link FileSender}; {@code /_emulator/*} goes to {@link ControlHandler}.
 * Nothing here blocks the event loop.
 */
final class ApiHandler
    implements BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> {
  private final EmulatorConfig config;
  private final EmulatorCatalog catalog;
  private final JobBook book;
  private final FaultPlan faults;

  /**
   * Submits still to be answered 503 with the rejecting envelope ({@link
   * EmulatorConfig#submit503First()}).
   */
  private final java.util.concurrent.atomic.AtomicInteger submit503Left;

  private final EmulatorStats stats;
  private final Mono<ApiResponses> responses;
  private final FileSender files;
  private final ControlHandler control;
  private final Accounts accounts;
  private final UrlSigner signer;
  private final Clock clock;
  private final Billing billing;
  private final Submitter submitter;

  /**
   * Wires the handler; {@code responses} emits once the bound port (hence the base URL) is known.
   */
  ApiHandler(
      EmulatorConfig config,
      EmulatorCatalog catalog,
      JobBook book,
      JobRunner runner,
      FaultPlan faults,
      EmulatorStats stats,
      Mono<ApiResponses> responses,
      FileSender files,
      ControlHandler control,
      Accounts accounts,
      UrlSigner signer,
      Clock clock,
      Billing billing) {
    this.config = config;
    this.catalog = catalog;
    this.book = book;
    this.faults = faults;
    this.submit503Left = new java.util.concurrent.atomic.AtomicInteger(config.submit503First());
    this.stats = stats;
    this.responses = responses;
    this.files = files;
    this.control = control;
    this.accounts = accounts;
    this.signer = signer;
    this.clock = clock;
    this.billing = billing;
    this.submitter = new Submitter(config, catalog, book, runner, faults, stats, billing, clock);
  }

  /**
   * Answers one HTTP exchange: count, route, authenticate, rate-limit, draw the fault, then
   * dispatch.
   */
  @Override
  public Publisher<Void> apply(HttpServerRequest req, HttpServerResponse res) {
    QueryStringDecoder query = new QueryStringDecoder(req.uri());
    Route route = Route.of(req.method().name(), query.path());
    stats.received(Endpoint.of(route));
    if (route instanceof Route.Submit) {
      return req.receive()
          .aggregate()
          .asByteArray()
          .defaultIfEmpty(new byte[0])
          .flatMap(
              raw -> {
                Submitter.Body body = Submitter.Body.of(raw);
                stats.posted(body.hash());
                return Mono.from(api(route, query, req, res, body));
              });
    }
    return api(route, query, req, res, null);
  }

  private Publisher<Void> api(
      Route route,
      QueryStringDecoder query,
      HttpServerRequest req,
      HttpServerResponse res,
      Submitter.@Nullable Body body) {
    if (!route.needsAuth()) {
      return unauthenticated(route, query, res);
    }
    Optional<String> account =
        accounts.authenticate(req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION));
    if (account.isEmpty()) {
      return json(res, 401, ApiResponses.error(401001, "Unauthorized"));
    }
    long wait = accounts.takeCall(account.get());
    if (wait > 0) {
      stats.rateLimitRejected();
      res.header(HttpHeaderNames.RETRY_AFTER, Long.toString(TokenBucket.retryAfterSeconds(wait)));
      return json(res, 429, ApiResponses.error(null, "rate limited"));
    }
    if (route instanceof Route.Submit && submit503Left.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      stats.unavailableSent();
      stats.submitUnavailableSent();
      return json(res, 503, ApiResponses.error(500001, "Internal Error"));
    }
    FaultPlan.CallFault fault = faults.nextCall();
    if (fault.outcome() == FaultPlan.Outcome.HANG) {
      return Mono.never();
    }
    Mono<Void> answer =
        Mono.defer(
            () ->
                switch (fault.outcome()) {
                  case RATE_LIMITED -> {
                    stats.rateLimitedSent();
                    res.header(HttpHeaderNames.RETRY_AFTER, "1");
                    yield json(res, 429, ApiResponses.error(null, "rate limited"));
                  }
                  case UNAVAILABLE -> {
                    stats.unavailableSent();
                    yield json(res, 503, ApiResponses.error(500001, "Internal Error"));
                  }
                  default ->
                      responses.flatMap(
                          r -> answer(route, account.get(), res, query.parameters(), body, r));
                });
    return fault.delayMs() > 0
        ? Mono.delay(Duration.ofMillis(fault.delayMs())).then(answer)
        : answer;
  }

  private Mono<Void> unauthenticated(
      Route route, QueryStringDecoder query, HttpServerResponse res) {
    if (route instanceof Route.OutputFile f) {
      return config.publicOutputs()
              || signer.verify("/files/" + f.requestId() + "/" + f.name(), query.parameters())
          ? files.send(f.requestId(), f.name(), res)
          : json(res, 403, ApiResponses.error(null, "signature does not match"));
    }
    if (route instanceof Route.Blob b) {
      return control.blob(b, query.parameters(), res);
    }
    if (route instanceof Route.Stats) {
      return control.stats(res);
    }
    if (route instanceof Route.BlobUrl) {
      return control.blobUrl(query.parameters(), res);
    }
    if (route instanceof Route.MethodNotAllowed) {
      return json(res, 405, ApiResponses.error(null, "method not allowed"));
    }
    return json(res, 404, ApiResponses.error(null, "not found"));
  }

  private Mono<Void> answer(
      Route route,
      String account,
      HttpServerResponse res,
      Map<String, List<String>> params,
      Submitter.@Nullable Body body,
      ApiResponses r) {
    if (route instanceof Route.Submit s) {
      return submitter.submit(s.modelId(), account, body, res, r);
    }
    if (route instanceof Route.GetModel g) {
      return catalog
          .find(g.modelId())
          .map(m -> json(res, 200, ApiResponses.model(m, true, true)))
          .orElseGet(() -> invalidModel(res, g.modelId()));
    }
    if (route instanceof Route.ListModels) {
      return listModels(res, params);
    }
    if (route instanceof Route.ListCategories) {
      return json(res, 200, ApiResponses.categories(catalog.categories()));
    }
    if (route instanceof Route.Balance) {
      return json(res, 200, ApiResponses.balance(billing.balanceMicros(account)));
    }
    if (route instanceof Route.Status s) {
      stats.statusCall();
      return book.find(s.requestId())
          .map(
              e -> {
                Instant finished = e.finishedAt();
                if (finished != null) {
                  stats.endAnswered(e.requestId(), finished);
                }
                return json(res, 200, r.status(e, book.queuePosition(e.requestId())));
              })
          .orElseGet(() -> unknownRequest(res));
    }
    if (route instanceof Route.Result s) {
      stats.resultCall();
      return book.find(s.requestId())
          .map(e -> result(e, params, res, r))
          .orElseGet(() -> unknownRequest(res));
    }
    Route.Cancel c = (Route.Cancel) route;
    return book.cancel(c.requestId(), clock.instant())
        .map(
            result -> {
              stats.cancel();
              if (result.cancelled()) {
                stats.terminal();
              }
              return json(res, 202, r.cancel(result));
            })
        .orElseGet(() -> unknownRequest(res));
  }

  private Mono<Void> result(
      JobBook.Entry e, Map<String, List<String>> params, HttpServerResponse res, ApiResponses r) {
    if (!e.state().terminal() && config.resultBeforeCompletion() == ResultBeforeCompletion.ERROR) {
      return json(res, 400, ApiResponses.error(ApiResponses.RESULT_NOT_READY, "result not ready"));
    }
    List<String> cost = params.get("include_cost");
    boolean includeCost =
        cost != null
            && !cost.isEmpty()
            && (cost.get(0).equalsIgnoreCase("true") || cost.get(0).equals("1"));
    return json(res, 200, r.result(e, includeCost));
  }

  private Mono<Void> listModels(HttpServerResponse res, Map<String, List<String>> params) {
    CatalogQuery q;
    try {
      q = CatalogQuery.parse(params);
    } catch (IllegalArgumentException e) {
      String msg = Objects.requireNonNull(e.getMessage(), "message"); // "field: rule"
      String field = msg.substring(0, msg.indexOf(':'));
      String rule = msg.substring(msg.indexOf(':') + 2);
      return json(res, 422, ApiResponses.validation("query", List.of(new Violation(field, rule))));
    }
    List<EmulatorModel> matching = q.filter(catalog.all());
    return json(
        res, 200, ApiResponses.models(q.page(matching), matching.size(), q.includeSchema()));
  }

  /** 400 {@code {error_code: 400001, error_message: "Invalid model_id: <id>"}}. */
  static Mono<Void> invalidModel(HttpServerResponse res, String modelId) {
    return json(res, 400, ApiResponses.error(400001, "Invalid model_id: " + modelId));
  }

  private static Mono<Void> unknownRequest(HttpServerResponse res) {
    return json(res, 404, ApiResponses.error(404001, "request not found"));
  }

  /** Sends a JSON body with its status, Content-Type and Content-Length. */
  static Mono<Void> json(HttpServerResponse res, int status, JsonNode body) {
    byte[] bytes;
    try {
      bytes = Json.mapper().writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      return Mono.error(e);
    }
    return send(res, status, "application/json", bytes);
  }

  /**
   * Sends an HTML page (UTF-8) with its status, Content-Type {@code text/html} and Content-Length,
   * as a gateway does.
   */
  static Mono<Void> html(HttpServerResponse res, int status, String page) {
    return send(res, status, "text/html", page.getBytes(StandardCharsets.UTF_8));
  }

  private static Mono<Void> send(
      HttpServerResponse res, int status, String contentType, byte[] bytes) {
    return res.status(status)
        .header(HttpHeaderNames.CONTENT_TYPE, contentType)
        .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(bytes.length))
        .sendByteArray(Mono.just(bytes))
        .then();
  }
}
