package dev.editstream.emulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.model.ModelSpec;
import dev.editstream.core.model.SchemaViolation;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.OptionalInt;

/**
 * The JSON bodies the emulator answers, shaped as RunComfy documents them ({@code
 * ../shared/runcomfy-examples/*.json}: submit-response, status-*, result-*, cancel-*, error-*,
 * model-catalog-entry). Pure: builds Jackson trees, no HTTP types. Timestamps are ISO-8601 UTC
 * instants in milliseconds (RunComfy's format is not documented).
 */
public final class ApiResponses {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final String baseUrl;

  /** @param baseUrl the API base, e.g. {@code http://127.0.0.1:8080/v1}, no trailing slash */
  public ApiResponses(String baseUrl) {
    this.baseUrl = baseUrl;
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
    o.put("status", job.state().wire());
    queuePosition.ifPresent(p -> o.put("queue_position", p));
    o.put("status_url", requestUrl(job.requestId(), "status"));
    o.put("result_url", requestUrl(job.requestId(), "result"));
    return o;
  }

  /**
   * {@code {request_id, status, output, created_at, finished_at, error}} for a terminal job, else
   * the current state {@code {request_id, status}}. {@code error} is {@code {"message": ...}} or
   * null.
   */
  public ObjectNode result(JobBook.Entry job) {
    ObjectNode o = F.objectNode();
    o.put("request_id", job.requestId());
    o.put("status", job.state().wire());
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
    return o;
  }

  /** {@code {request_id, status, outcome}}, outcome "cancelled" or "not_cancellable". */
  public ObjectNode cancel(JobBook.CancelResult r) {
    ObjectNode o = F.objectNode();
    o.put("request_id", r.entry().requestId());
    o.put("status", r.entry().state().wire());
    o.put("outcome", r.cancelled() ? "cancelled" : "not_cancellable");
    return o;
  }

  /** A catalog entry {@code {model_id, display_name, categories, base_price_usd, price_unit, input_schema?, description?}}. */
  public ObjectNode model(ModelSpec m, boolean withSchema, boolean withDescription) {
    ObjectNode o = F.objectNode();
    o.put("model_id", m.modelId());
    o.put("display_name", m.displayName());
    o.putArray("categories").add(m.category());
    o.put("base_price_usd", m.basePriceUsd());
    o.put("price_unit", m.priceUnit());
    if (withSchema) {
      o.set("input_schema", m.inputSchema().deepCopy());
    }
    if (withDescription) {
      o.put("description", m.inputSchema().path("description").asText(m.displayName() + " (emulated by editstream)"));
    }
    return o;
  }

  /** {@code {models: [...], total}}. */
  public ObjectNode models(List<ModelSpec> page, int total, boolean withSchema) {
    ObjectNode o = F.objectNode();
    ArrayNode a = o.putArray("models");
    page.forEach(m -> a.add(model(m, withSchema, false)));
    o.put("total", total);
    return o;
  }

  /** {@code {error_code, error_message}}; {@code errorCode} null leaves the code out. */
  public static ObjectNode error(Integer errorCode, String message) {
    ObjectNode o = F.objectNode();
    if (errorCode != null) {
      o.put("error_code", errorCode);
    }
    o.put("error_message", message);
    return o;
  }

  /** 422001 Validation Error with {@code detail: [{loc: [where, field...], msg, type: "value_error"}]}. */
  public static ObjectNode validation(String where, List<SchemaViolation> violations) {
    ObjectNode o = error(422001, "Validation Error");
    ArrayNode detail = o.putArray("detail");
    for (SchemaViolation v : violations) {
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

  private String requestUrl(String requestId, String what) {
    return baseUrl + "/requests/" + requestId + "/" + what;
  }

  private static String time(Instant t) {
    return t == null ? null : t.truncatedTo(ChronoUnit.MILLIS).toString();
  }
}
