package dev.editstream.core.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A request RunComfy accepted. Source: submit response {@code {request_id, status_url, result_url,
 * cancel_url}} (RunComfy docs, "Async queue endpoints").
 *
 * @param requestId RunComfy's request_id
 * @param statusUrl the status URL RunComfy returned, or {@code null}
 * @param resultUrl the result URL RunComfy returned, or {@code null}
 * @param cancelUrl the cancel URL RunComfy returned, or {@code null}
 * @param submittedAt when the submit answer arrived
 * @param slotBound whether other submissions waited for an account slot when RunComfy accepted this
 *     one (JSON {@code slot_bound}, written only when true): the router's hint to the poller that
 *     this job's end frees a slot others wait for, so its end is worth seeing early. Carried in the
 *     event so the poller behaves the same in the router's process or another (issue 18).
 */
public record Submission(
    String requestId,
    @Nullable String statusUrl,
    @Nullable String resultUrl,
    @Nullable String cancelUrl,
    Instant submittedAt,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) @JsonSetter(nulls = Nulls.AS_EMPTY)
        boolean slotBound) {

  /**
   * How long after the last submission stopped waiting for a slot a new submission still counts as
   * slot-bound (the router), and how long after the latest slot-bound acceptance every job counts
   * as slot-bound (the poller): the last jobs of a batch that queued for permits then still run,
   * and the batch's wall time ends when they are seen to end.
   */
  public static final java.time.Duration SLOT_BOUND_LINGER = java.time.Duration.ofSeconds(5);

  /** A submission accepted while no other submission waited for a slot. */
  public Submission(
      String requestId,
      @Nullable String statusUrl,
      @Nullable String resultUrl,
      @Nullable String cancelUrl,
      Instant submittedAt) {
    this(requestId, statusUrl, resultUrl, cancelUrl, submittedAt, false);
  }
}
