package dev.editstream.emulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.core.model.ModelSpec;
import dev.editstream.core.model.SchemaViolation;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiFunction;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The HTTP adapter of the emulator: counts the call ({@link Endpoint}), authenticates the account
 * ({@link Accounts}), applies its rate limit (429), draws the call's fault ({@link FaultPlan}), and
 * answers each {@link Route} of the RunComfy Model API from the {@link JobBook} and {@link
 * ModelCatalog}; a submit over the account's provider cap is answered 429. File downloads need no
 * token but a valid signature (else 403) and are delegated to {@link FileSender}; {@code
 * /_emulator/*} goes to {@link ControlHandler}. Nothing here blocks the event loop.
 */
final class ApiHandler implements BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> {
  /** {@code error_message} of a 429 for the provider cap (the cap itself is not told). */
  static final String CAP_MESSAGE = "concurrency limit reached";

  private final EmulatorConfig config;
  private final ModelCatalog catalog;
  private final JobBook book;
  private final JobRunner runner;
  private final FaultPlan faults;
  private final EmulatorStats stats;
  private final Mono<ApiResponses> responses;
  private final FileSender files;
  private final ControlHandler control;
  private final Accounts accounts;
  private final UrlSigner signer;
  private final Clock clock;

  /** Wires the handler; {@code responses} emits once the bound port (hence the base URL) is known. */
  ApiHandler(EmulatorConfig config, ModelCatalog catalog, JobBook book, JobRunner runner, FaultPlan faults,
      EmulatorStats stats, Mono<ApiResponses> responses, FileSender files, ControlHandler control, Accounts accounts,
      UrlSigner signer, Clock clock) {
    this.config = config;
    this.catalog = catalog;
    this.book = book;
    this.runner = runner;
    this.faults = faults;
    this.stats = stats;
    this.responses = responses;
    this.files = files;
    this.control = control;
    this.accounts = accounts;
    this.signer = signer;
    this.clock = clock;
  }

  /** Answers one HTTP exchange: count, route, authenticate, rate-limit, draw the fault, then dispatch. */
  @Override
  public Publisher<Void> apply(HttpServerRequest req, HttpServerResponse res) {
    QueryStringDecoder query = new QueryStringDecoder(req.uri());
    Route route = Route.of(req.method().name(), query.path());
    stats.received(Endpoint.of(route));
    if (!route.needsAuth()) {
      return unauthenticated(route, query, res);
    }
    Optional<String> account = accounts.authenticate(req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION));
    if (account.isEmpty()) {
      return json(res, 401, ApiResponses.error(401001, "Unauthorized"));
    }
    long wait = accounts.takeCall(account.get());
    if (wait > 0) {
      stats.rateLimitRejected();
      res.header(HttpHeaderNames.RETRY_AFTER, Long.toString(TokenBucket.retryAfterSeconds(wait)));
      return json(res, 429, ApiResponses.error(null, "rate limited"));
    }
    FaultPlan.CallFault fault = faults.nextCall();
    if (fault.outcome() == FaultPlan.Outcome.HANG) {
      return Mono.never();
    }
    Mono<Void> answer = Mono.defer(() -> switch (fault.outcome()) {
      case RATE_LIMITED -> {
        stats.rateLimitedSent();
        res.header(HttpHeaderNames.RETRY_AFTER, "1");
        yield json(res, 429, ApiResponses.error(null, "rate limited"));
      }
      case UNAVAILABLE -> {
        stats.unavailableSent();
        yield json(res, 503, ApiResponses.error(500001, "Internal Error"));
      }
      default -> responses.flatMap(r -> answer(route, account.get(), req, res, query.parameters(), r));
    });
    return fault.delayMs() > 0 ? Mono.delay(Duration.ofMillis(fault.delayMs())).then(answer) : answer;
  }

  private Mono<Void> unauthenticated(Route route, QueryStringDecoder query, HttpServerResponse res) {
    if (route instanceof Route.OutputFile f) {
      return signer.verify("/files/" + f.requestId() + "/" + f.name(), query.parameters())
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

  private Mono<Void> answer(Route route, String account, HttpServerRequest req, HttpServerResponse res,
      Map<String, List<String>> params, ApiResponses r) {
    if (route instanceof Route.Submit s) {
      return req.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0])
          .flatMap(body -> submit(s.modelId(), account, body, res, r));
    }
    if (route instanceof Route.GetModel g) {
      return catalog.find(g.modelId())
          .map(m -> json(res, 200, r.model(m, true, true)))
          .orElseGet(() -> invalidModel(res, g.modelId()));
    }
    if (route instanceof Route.ListModels) {
      return listModels(res, params, r);
    }
    if (route instanceof Route.Status s) {
      stats.statusCall();
      return book.find(s.requestId())
          .map(e -> json(res, 200, r.status(e, book.queuePosition(e.requestId()))))
          .orElseGet(() -> unknownRequest(res));
    }
    if (route instanceof Route.Result s) {
      stats.resultCall();
      return book.find(s.requestId()).map(e -> json(res, 200, r.result(e))).orElseGet(() -> unknownRequest(res));
    }
    Route.Cancel c = (Route.Cancel) route;
    return book.cancel(c.requestId(), clock.instant())
        .map(result -> {
          stats.cancel();
          if (result.cancelled()) {
            stats.terminal();
          }
          return json(res, 202, r.cancel(result));
        })
        .orElseGet(() -> unknownRequest(res));
  }

  private Mono<Void> submit(String modelId, String account, byte[] raw, HttpServerResponse res, ApiResponses r) {
    if (catalog.find(modelId).isEmpty()) {
      return invalidModel(res, modelId);
    }
    JsonNode body;
    try {
      body = Json.mapper().readTree(raw);
    } catch (IOException e) {
      body = null;
    }
    if (body == null || !body.isObject()) {
      return json(res, 400, ApiResponses.error(null, "request body must be a JSON object"));
    }
    List<SchemaViolation> violations = catalog.check(modelId, body);
    if (!violations.isEmpty()) {
      return json(res, 422, ApiResponses.validation("body", violations));
    }
    String id = UUID.randomUUID().toString();
    String hash = EmulatorStats.bodyHash(body);
    // Counted inside the book's lock, before the job is visible, so it is never seen finishing first.
    Optional<JobBook.Entry> entry = book.admit(id, account, modelId, body, () -> {
      stats.submitted(modelId, hash);
      return faults.nextJob(modelId);
    }, config.providerCap(), clock.instant());
    if (entry.isEmpty()) {
      stats.capRejected();
      res.header(HttpHeaderNames.RETRY_AFTER, Long.toString(config.capRetryAfterS()));
      return json(res, 429, ApiResponses.error(null, CAP_MESSAGE));
    }
    runner.pump();
    return json(res, 200, r.submitted(id));
  }

  private Mono<Void> listModels(HttpServerResponse res, Map<String, List<String>> params, ApiResponses r) {
    CatalogQuery q;
    try {
      q = CatalogQuery.parse(params);
    } catch (IllegalArgumentException e) {
      String field = e.getMessage().substring(0, e.getMessage().indexOf(':'));
      String rule = e.getMessage().substring(e.getMessage().indexOf(':') + 2);
      return json(res, 422, ApiResponses.validation("query", List.of(new SchemaViolation(field, rule))));
    }
    List<ModelSpec> matching = q.filter(catalog.all());
    return json(res, 200, r.models(q.page(matching), matching.size(), q.includeSchema()));
  }

  private static Mono<Void> invalidModel(HttpServerResponse res, String modelId) {
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
    return res.status(status)
        .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
        .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(bytes.length))
        .sendByteArray(Mono.just(bytes))
        .then();
  }
}
