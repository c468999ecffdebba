package dev.editstream.emulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * The JSON bodies the emulator answers, shaped as RunComfy documents them ({@code
 * ../shared/runcomfy-examples/*.json}: submit-response, status-*, result-*, cancel-*, error-*,
 * model-catalog-entry; runcomfy-live-contract.md §3 for the catalog, categories, balance, cost and
 * 400005). Pure: builds Jackson trees, no HTTP types. Timestamps are ISO-8601 UTC instants in
 * milliseconds (RunComfy's format is not documented); {@code status} is spelled by {@link
 * StatusWords}.
 */
public final class ApiResponses {
  /** {@code error_code} of a result asked for before completion (runcomfy-live-contract.md §3). */
  public static final int RESULT_NOT_READY = 400005;

  /**
   * {@code error_code} of a submit refused for lack of balance (docs: 400002
   * InsufficientResources).
   */
  public static final int NO_BALANCE = 400002;

  /** The body of the 504 gateway page of an accepted-then-504 submit (Content-Type text/html). */
  public static final String GATEWAY_TIMEOUT_HTML =
      "<html><body><h1>504 Gateway Time-out</h1></body></html>";

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final String baseUrl;
  private final StatusWords words;

  /**
   * Answers with the documented status words.
   *
   * @param baseUrl the API base, e.g. {@code http://127.0.0.1:8080/v1}, no trailing slash
   */
  public ApiResponses(String baseUrl) {
    this(baseUrl, StatusWords.DOCUMENTED);
  }

  /**
   * @param baseUrl the API base, e.g. {@code http://127.0.0.1:8080/v1}, no trailing slash
   * @param words how {@code status} values are spelled
   */
  public ApiResponses(String baseUrl, StatusWords words) {
    this.baseUrl = baseUrl;
    this.words = words;
  }

  /** {@code {request_id, status_url, result_url, cancel_url}}: the answer to a submit. */
  public ObjectNode submitted(String requestId) {
    ObjectNode o = F.objectNode();
    o.put("request_id", requestId);
    o.put("status_url", requestUrl(requestId, "status"));
    o.put("result_url", requestUrl(requestId, "result"));
    o.put("cancel_url", requestUrl(requestId, "cancel"));
    return o;
  }

  /** {@code {request_id, status, queue_position?, status_url, result_url}}. */
  public ObjectNode status(JobBook.Entry job, OptionalInt queuePosition) {
    ObjectNode o = F.objectNode();
    o.put("request_id", job.requestId());
    o.put("status", spell(job));
    queuePosition.ifPresent(p -> o.put("queue_position", p));
    o.put("status_url", requestUrl(job.requestId(), "status"));
    o.put("result_url", requestUrl(job.requestId(), "result"));
    return o;
  }

  /**
   * {@code {request_id, status, output, created_at, finished_at, error}} for a terminal job, else
   * the current state {@code {request_id, status}} (the {@link ResultBeforeCompletion#STATE}
   * answer). {@code error} is {@code {"message": ...}} or null.
   *
   * @param includeCost adds {@code cost} (USD, 6 decimals) to a terminal job's answer: the job's
   *     cost when completed, {@code 0} when failed or cancelled (neither is billed)
   */
  public ObjectNode result(JobBook.Entry job, boolean includeCost) {
    ObjectNode o = F.objectNode();
    o.put("request_id", job.requestId());
    o.put("status", spell(job));
    if (!job.state().terminal()) {
      return o;
    }
    o.set("output", job.output() == null ? F.nullNode() : job.output().deepCopy());
    o.put("created_at", time(job.createdAt()));
    o.put("finished_at", time(job.finishedAt()));
    if (job.error() == null) {
      o.putNull("error");
    } else {
      o.putObject("error").put("message", job.error());
    }
    if (includeCost) {
      o.put("cost", job.costUsd() == null ? 0.0 : job.costUsd());
    }
    return o;
  }

  /** As {@link #result(JobBook.Entry, boolean)} without cost. */
  public ObjectNode result(JobBook.Entry job) {
    return result(job, false);
  }

  /** {@code {request_id, status, outcome}}, outcome "cancelled" or "not_cancellable". */
  public ObjectNode cancel(JobBook.CancelResult r) {
    ObjectNode o = F.objectNode();
    o.put("request_id", r.entry().requestId());
    o.put("status", spell(r.entry()));
    o.put("outcome", r.cancelled() ? "cancelled" : "not_cancellable");
    return o;
  }

  /**
   * A catalog entry: {@code {model_id, display_name, description?, categories: [...], kind, inputs:
   * [...], required_inputs: [...], base_price_usd, price_unit, pricing_mode, pricing_note,
   * model_url, input_schema?}} (runcomfy-live-contract.md §3); {@code input_schema} in RunComfy's
   * dialect, as the fixture has it.
   */
  public static ObjectNode model(EmulatorModel m, boolean withSchema, boolean withDescription) {
    ObjectNode o = F.objectNode();
    o.put("model_id", m.modelId());
    o.put("display_name", m.displayName());
    if (withDescription) {
      o.put("description", m.description());
    }
    ArrayNode categories = o.putArray("categories");
    m.categories().forEach(categories::add);
    o.put("kind", m.kind());
    ArrayNode inputs = o.putArray("inputs");
    m.inputs().forEach(inputs::add);
    ArrayNode required = o.putArray("required_inputs");
    m.requiredInputs().forEach(required::add);
    o.put("base_price_usd", m.basePriceUsd());
    o.put("price_unit", m.priceUnit());
    o.put("pricing_mode", m.pricingMode());
    o.put("pricing_note", m.pricingNote());
    o.put("model_url", m.modelUrl());
    if (withSchema) {
      o.set("input_schema", m.inputSchema().deepCopy());
    }
    return o;
  }

  /** {@code {models: [entry...], total}}; {@code total} counts every match, not only this page. */
  public static ObjectNode models(List<EmulatorModel> page, int total, boolean withSchema) {
    ObjectNode o = F.objectNode();
    ArrayNode a = o.putArray("models");
    page.forEach(m -> a.add(model(m, withSchema, false)));
    o.put("total", total);
    return o;
  }

  /**
   * {@code {categories: ["text-to-image", ...]}}: the answer of {@code GET /v1/models/categories}.
   */
  public static ObjectNode categories(List<String> categories) {
    ObjectNode o = F.objectNode();
    ArrayNode a = o.putArray("categories");
    categories.forEach(a::add);
    return o;
  }

  /**
   * {@code {balance_usd, balance_microdollars, currency: "USD"}}: the answer of {@code GET
   * /prod/v2/balance} (runcomfy-live-contract.md §3).
   *
   * @param micros the balance, microdollars (may be negative)
   */
  public static ObjectNode balance(long micros) {
    ObjectNode o = F.objectNode();
    o.put("balance_usd", Pricing.usd(micros));
    o.put("balance_microdollars", micros);
    o.put("currency", "USD");
    return o;
  }

  /** {@code {error_code, error_message}}; {@code errorCode} null leaves the code out. */
  public static ObjectNode error(@Nullable Integer errorCode, String message) {
    ObjectNode o = F.objectNode();
    if (errorCode != null) {
      o.put("error_code", errorCode);
    }
    o.put("error_message", message);
    return o;
  }

  /**
   * 422001 Validation Error with {@code detail: [{loc: [where, field...], msg, type:
   * "value_error"}]}.
   */
  public static ObjectNode validation(String where, List<Violation> violations) {
    ObjectNode o = error(422001, "Validation Error");
    ArrayNode detail = o.putArray("detail");
    for (Violation v : violations) {
      ObjectNode d = detail.addObject();
      ArrayNode loc = d.putArray("loc").add(where);
      if (!"$".equals(v.field())) {
        loc.add(v.field());
      }
      d.put("msg", v.rule());
      d.put("type", "value_error");
    }
    return o;
  }

  private String spell(JobBook.Entry job) {
    return words.spell(job.state(), job.requestId());
  }

  private String requestUrl(String requestId, String what) {
    return baseUrl + "/requests/" + requestId + "/" + what;
  }

  private static @Nullable String time(@Nullable Instant t) {
    return t == null ? null : t.truncatedTo(ChronoUnit.MILLIS).toString();
  }
}
