package dev.editstream.router.submit;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A spending limit for one router process ({@code --budget-usd}): a job is submitted only while
 * what was spent plus the estimates of the jobs in flight plus its own estimate stay within the
 * limit. The first job that would pass it stops submission for good (for this process): it and
 * every later job are refused, never failed silently, so a batch stops at a clear point and the
 * rest can be replayed with a larger budget. Thread-safe; no I/O.
 *
 * <p>A job's reservation is its estimate until RunComfy's actual cost is seen ({@link #settle},
 * from the {@code done} event's {@code remote.cost_usd}); a POST that created nothing gives it back
 * ({@link #release}); a job that failed after RunComfy accepted it keeps its estimate (it may have
 * been billed).
 */
public final class Budget {
  /** The answer to a reservation. */
  public sealed interface Decision {}

  /** The job may be submitted. */
  public record Reserved() implements Decision {}

  /**
   * The job may not be submitted.
   *
   * @param message what the limit, the spent and in-flight amounts and the job's estimate are
   */
  public record Refused(String message) implements Decision {}

  private final double limitUsd;
  private final Map<String, Double> inFlight = new HashMap<>();
  private double spent;
  private double reserved;
  private @Nullable String stoppedAt;

  /**
   * @param limitUsd the most to spend, USD, &gt; 0
   * @throws IllegalArgumentException naming {@code --budget-usd} when not a positive finite number
   */
  public Budget(double limitUsd) {
    if (!(limitUsd > 0) || Double.isInfinite(limitUsd)) {
      throw new IllegalArgumentException(
          "--budget-usd must be a positive number of USD, was " + limitUsd);
    }
    this.limitUsd = limitUsd;
  }

  /**
   * Reserves {@code estimateUsd} for a job; idempotent for a job that already holds a reservation
   * (a retry of the same job).
   */
  public synchronized Decision reserve(String jobId, double estimateUsd) {
    if (inFlight.containsKey(jobId)) {
      return new Reserved();
    }
    if (stoppedAt == null && spent + reserved + estimateUsd <= limitUsd + 1e-9) {
      inFlight.put(jobId, estimateUsd);
      reserved += estimateUsd;
      return new Reserved();
    }
    if (stoppedAt == null) {
      stoppedAt = jobId;
    }
    return new Refused(
        String.format(
            Locale.ROOT,
            "not submitted: the budget of $%.4f would be passed (spent $%.4f, in flight $%.4f, "
                + "this job ~$%.4f); submission stopped at job %s. Raise --budget-usd and `editstream replay --reason budget`",
            limitUsd,
            spent,
            reserved,
            estimateUsd,
            stoppedAt));
  }

  /** A reservation whose POST created no request: given back. */
  public synchronized void release(String jobId) {
    Double e = inFlight.remove(jobId);
    if (e != null) {
      reserved -= e;
    }
  }

  /**
   * A job ended {@code done}: its reservation becomes its actual cost ({@code null}: the estimate
   * is kept as spent). Unknown jobs (other processes, earlier runs) are ignored.
   */
  public synchronized void settle(String jobId, @Nullable Double actualUsd) {
    Double e = inFlight.remove(jobId);
    if (e == null) {
      return;
    }
    reserved -= e;
    spent += actualUsd == null ? e : actualUsd;
  }

  /** USD settled so far. */
  public synchronized double spent() {
    return spent;
  }

  /** USD reserved by jobs in flight. */
  public synchronized double inFlight() {
    return reserved;
  }

  /** The job at which submission stopped, or {@code null} while within budget. */
  public synchronized @Nullable String stoppedAt() {
    return stoppedAt;
  }

  /** The limit, USD. */
  public double limitUsd() {
    return limitUsd;
  }
}
