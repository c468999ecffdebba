package dev.editstream.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Answers {@code POST /v1/models/{model_id}} once the call is authenticated and has met no call
 * fault. In order:
 *
 * <ol>
 *   <li>an unknown model_id: 400 {@code {error_code: 400001, error_message: "Invalid model_id:
 *       ..."}};
 *   <li>a body that is not a JSON object: 400;
 *   <li>a body that breaks the model's schema ({@link EmulatorCatalog#check}): 422, error_code
 *       422001 with {@code detail: [{loc: ["body", field], msg, type}]};
 *   <li>an account without balance ({@link Billing#exhausted}): 402 {@code {error_code: 400002,
 *       error_message: "no remaining balance"}} (runcomfy-live-contract.md §3: HTTP 402 =
 *       insufficient balance);
 *   <li>an account at its provider cap: 429 with {@code Retry-After};
 *   <li>else the job is created (counted as a submit) and answered 200 {@code {request_id,
 *       status_url, result_url, cancel_url}}, or, when {@link FaultPlan#nextAcceptedThen504()}
 *       fires, 504 with an HTML gateway page (runcomfy-live-contract.md §4: a 502/504 after the
 *       body was sent may mean the request was created): the job runs and is billed all the same.
 * </ol>
 */
final class Submitter {
  /** {@code error_message} of a 429 for the provider cap (the cap itself is not told). */
  static final String CAP_MESSAGE = "concurrency limit reached";

  /**
   * A received submit body.
   *
   * @param json the parsed JSON, or {@code null} when it is not JSON
   * @param hash {@link EmulatorStats#bodyHash(JsonNode)} of the JSON, else {@link
   *     EmulatorStats#rawHash(byte[])} of the bytes
   */
  record Body(@Nullable JsonNode json, String hash) {
    /** Parses and hashes raw bytes. */
    static Body of(byte[] raw) {
      JsonNode json;
      try {
        json = raw.length == 0 ? null : Json.mapper().readTree(raw);
      } catch (IOException e) {
        json = null;
      }
      return new Body(
          json, json == null ? EmulatorStats.rawHash(raw) : EmulatorStats.bodyHash(json));
    }
  }

  private final EmulatorConfig config;
  private final EmulatorCatalog catalog;
  private final JobBook book;
  private final JobRunner runner;
  private final FaultPlan faults;
  private final EmulatorStats stats;
  private final Billing billing;
  private final Clock clock;

  Submitter(
      EmulatorConfig config,
      EmulatorCatalog catalog,
      JobBook book,
      JobRunner runner,
      FaultPlan faults,
      EmulatorStats stats,
      Billing billing,
      Clock clock) {
    this.config = config;
    this.catalog = catalog;
    this.book = book;
    this.runner = runner;
    this.faults = faults;
    this.stats = stats;
    this.billing = billing;
    this.clock = clock;
  }

  /** Answers one submit of {@code account}. */
  Mono<Void> submit(
      String modelId, String account, @Nullable Body body, HttpServerResponse res, ApiResponses r) {
    if (catalog.find(modelId).isEmpty()) {
      return ApiHandler.invalidModel(res, modelId);
    }
    if (body == null || body.json() == null || !body.json().isObject()) {
      return ApiHandler.json(
          res, 400, ApiResponses.error(null, "request body must be a JSON object"));
    }
    List<Violation> violations = catalog.check(modelId, body.json());
    if (!violations.isEmpty()) {
      return ApiHandler.json(res, 422, ApiResponses.validation("body", violations));
    }
    if (billing.exhausted(account)) {
      return ApiHandler.json(
          res, 402, ApiResponses.error(ApiResponses.NO_BALANCE, "no remaining balance"));
    }
    String id = UUID.randomUUID().toString();
    // Counted inside the book's lock, before the job is visible, so it is never seen finishing
    // first.
    Optional<JobBook.Entry> entry =
        book.admit(
            id,
            account,
            modelId,
            body.json(),
            () -> {
              stats.submitted(modelId, body.hash());
              return faults.nextJob(modelId);
            },
            config.providerCap(),
            clock.instant());
    if (entry.isEmpty()) {
      stats.capRejected();
      res.header(HttpHeaderNames.RETRY_AFTER, Long.toString(config.capRetryAfterS()));
      return ApiHandler.json(res, 429, ApiResponses.error(null, CAP_MESSAGE));
    }
    boolean gateway = faults.nextAcceptedThen504();
    runner.pump();
    if (gateway) {
      stats.acceptedThen504Sent();
      return ApiHandler.html(res, 504, ApiResponses.GATEWAY_TIMEOUT_HTML);
    }
    return ApiHandler.json(res, 200, r.submitted(id));
  }
}
