package dev.editstream.emulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The body of {@code GET /_emulator/stats}: an {@link EmulatorStats} snapshot for a benchmark in
 * another process. Pure. Shape (counts are integers, times ISO-8601 UTC):
 *
 * <pre>{@code
 * {"now": "...", "calls": {"submit": n, "status": n, "result": n, "cancel": n, "models": n, "balance": n,
 *   "files": n, "blob": n, "control": n, "other": n},
 *  "submits": n, "submits_per_model": {model_id: n}, "submits_per_body_hash": {sha256: n},
 *  "posts_per_body_hash": {sha256: n},
 *  "status_calls": n, "result_calls": n, "cancels": n, "downloads": n,
 *  "rejections_429": {"fault": n, "cap": n, "rate": n, "total": n}, "errors_5xx": n,
 *  "accepted_then_504": n, "billed_usd": usd,
 *  "in_flight": {"current": n, "peak": n, "samples_start": "...", "sample_interval_ms": 100,
 *                "samples": [avg, ...]}}
 * }</pre>
 *
 * {@code posts_per_body_hash} counts every submit POST whatever its answer, {@code
 * submits_per_body_hash} only those that created a job; {@code errors_5xx} counts the injected 503s
 * (no job), {@code accepted_then_504} the 504 gateway pages sent after a job was created; {@code
 * billed_usd} is the total cost of completed jobs (6 decimals). {@code samples} are time-weighted
 * averages of jobs in flight per interval (3 decimals), oldest first; the average between two
 * instants is the mean of the samples between them.
 */
final class StatsJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private StatsJson() {}

  /** The JSON tree of {@code stats} at {@code now}. */
  static ObjectNode of(EmulatorStats stats, Instant now) {
    ObjectNode o = F.objectNode();
    o.put("now", now.truncatedTo(ChronoUnit.MILLIS).toString());
    ObjectNode calls = o.putObject("calls");
    stats.calls().forEach((k, v) -> calls.put(k.key(), v));
    o.put("submits", stats.submits());
    ObjectNode perModel = o.putObject("submits_per_model");
    stats.submitsPerModel().forEach(perModel::put);
    ObjectNode perBody = o.putObject("submits_per_body_hash");
    stats.submitsPerBodyHash().forEach(perBody::put);
    ObjectNode posts = o.putObject("posts_per_body_hash");
    stats.postsPerBodyHash().forEach(posts::put);
    o.put("status_calls", stats.statusCalls());
    o.put("result_calls", stats.resultCalls());
    o.put("cancels", stats.cancels());
    o.put("downloads", stats.downloads());
    ObjectNode r429 = o.putObject("rejections_429");
    r429.put("fault", stats.faultRateLimited());
    r429.put("cap", stats.capRejections());
    r429.put("rate", stats.rateLimitRejections());
    r429.put("total", stats.rateLimited());
    o.put("errors_5xx", stats.unavailable());
    o.put("accepted_then_504", stats.acceptedThen504());
    o.put("billed_usd", Pricing.usd(stats.billedMicros()));
    ObjectNode inFlight = o.putObject("in_flight");
    inFlight.put("current", stats.inFlight());
    inFlight.put("peak", stats.peakInFlight());
    inFlight.put("samples_start", stats.startedAt().truncatedTo(ChronoUnit.MILLIS).toString());
    inFlight.put("sample_interval_ms", EmulatorStats.SAMPLE_INTERVAL_MS);
    ArrayNode samples = inFlight.putArray("samples");
    for (double d : stats.inFlightAverages()) {
      samples.add(Math.round(d * 1000) / 1000.0);
    }
    return o;
  }
}
