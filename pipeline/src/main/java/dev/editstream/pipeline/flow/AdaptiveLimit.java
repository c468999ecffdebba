package dev.editstream.pipeline.flow;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * An adaptive concurrency limit that finds a provider's unknown cap on jobs in flight from its 429
 * answers, and holds just below it. Pure and not thread-safe (callers hold a lock); time is passed
 * in as a monotonic nanosecond reading.
 *
 * <p>The rule is AIMD with a slow start, as TCP's congestion window:
 *
 * <ul>
 *   <li>Slow start: until the first 429, every success and every accepted submission while the
 *       limit is in use (in flight &gt;= limit − 1) raises the limit by 1, so it doubles per round
 *       trip of a POST (tens of ms), not of a job (seconds): a provider's acceptance is the direct
 *       proof that it had room, and a job's end comes too late to fill the first seconds.
 *   <li>Additive increase: afterwards each such success raises it by {@code 1 / limit}, one permit
 *       per round trip, and four times slower once the limit is back at the cap estimated at the
 *       last 429 (a plateau as in TCP CUBIC: probing above the cap costs a 429 and a {@code
 *       Retry-After} pause, so it is done rarely).
 *   <li>Multiplicative decrease: a 429 sets the limit to {@code backoffRatio ×} the jobs in flight
 *       that the provider had accepted when it refused (the best estimate of its cap), at most once
 *       per cooldown ({@code max(minCooldown, smoothed round trip)}), because the 429s of requests
 *       sent before a decrease took effect say nothing new.
 *   <li>{@code Retry-After}: a 429 with a {@code Retry-After} pauses new acquisitions until then
 *       (RunComfy answers 429 with {@code Retry-After} per its docs; the header's value is the
 *       provider's), but for at most {@link #maxPause()} (default {@link #DEFAULT_MAX_PAUSE}, the
 *       stages' default max backoff): a {@code Retry-After: 999999} must not freeze every
 *       submission for 11.6 days.
 * </ul>
 *
 * The limit never leaves {@code [min, max]}.
 */
public final class AdaptiveLimit {
  private final int min;
  private final int max;
  private final double backoffRatio;
  private final long minCooldownNanos;
  private double limit;
  private boolean slowStart = true;
  private long lastDecreaseNanos = Long.MIN_VALUE;
  private long pausedUntilNanos = Long.MIN_VALUE;
  private double smoothedRttNanos = -1;
  private long decreases;
  private double lastCap = Double.MAX_VALUE;
  private long growthHeldUntilNanos = Long.MIN_VALUE;
  private static final double PROBE_SLOWDOWN = 4.0;

  /**
   * The default longest pause for one {@code Retry-After}: 60 s, the stages' default max backoff.
   */
  public static final Duration DEFAULT_MAX_PAUSE = Duration.ofSeconds(60);

  private long maxPauseNanos = DEFAULT_MAX_PAUSE.toNanos();

  /**
   * @param initial first limit, clamped to {@code [min, max]}
   * @param min lowest limit, &gt;= 1
   * @param max highest limit, &gt;= min
   * @param backoffRatio multiplier of a decrease, in {@code (0, 1)}; 0.9 keeps the limit within 10%
   *     of the cap
   * @param minCooldown shortest time between two decreases, &gt;= 0
   * @throws IllegalArgumentException naming the argument that breaks its rule
   */
  public AdaptiveLimit(int initial, int min, int max, double backoffRatio, Duration minCooldown) {
    if (min < 1 || max < min) {
      throw new IllegalArgumentException(
          "limits must satisfy 1 <= min <= max, were min " + min + ", max " + max);
    }
    if (!(backoffRatio > 0 && backoffRatio < 1)) {
      throw new IllegalArgumentException("backoffRatio must be in (0, 1), was " + backoffRatio);
    }
    if (minCooldown == null || minCooldown.isNegative()) {
      throw new IllegalArgumentException("minCooldown must be >= 0");
    }
    this.min = min;
    this.max = max;
    this.backoffRatio = backoffRatio;
    this.minCooldownNanos = minCooldown.toNanos();
    this.limit = Math.max(min, Math.min(max, initial));
  }

  /**
   * A limit starting at {@code min(10, max)} within {@code [1, max]}, ratio 0.9, cooldown 100 ms.
   */
  public static AdaptiveLimit upTo(int max) {
    return new AdaptiveLimit(Math.min(10, max), 1, max, 0.9, Duration.ofMillis(100));
  }

  /**
   * Sets the longest pause one {@code Retry-After} may cause.
   *
   * @param max positive
   * @return this limit
   * @throws IllegalArgumentException if {@code max} is null, zero or negative
   */
  public AdaptiveLimit maxPause(Duration max) {
    if (max == null || max.isZero() || max.isNegative()) {
      throw new IllegalArgumentException("maxPause must be positive, was " + max);
    }
    this.maxPauseNanos = nanos(max);
    return this;
  }

  /** The longest pause one {@code Retry-After} may cause. */
  public Duration maxPause() {
    return Duration.ofNanos(maxPauseNanos);
  }

  /**
   * The pause a {@code Retry-After} causes: {@code min(retryAfter, maxPause)}, 0 when absent, zero
   * or negative. Pure.
   *
   * @param retryAfter the answer's {@code Retry-After}, or {@code null}
   * @return ns
   */
  public long pauseFor(@Nullable Duration retryAfter) {
    if (retryAfter == null || retryAfter.isZero() || retryAfter.isNegative()) {
      return 0;
    }
    return Math.min(nanos(retryAfter), maxPauseNanos);
  }

  private static long nanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /** The current limit: how many permits may be out at once, in {@code [min, max]}. */
  public int limit() {
    return (int) limit;
  }

  /** Whether the limit is still in slow start (no 429 seen yet). */
  public boolean inSlowStart() {
    return slowStart;
  }

  /** How many decreases happened so far. */
  public long decreases() {
    return decreases;
  }

  /**
   * A permit ended well (the provider accepted the job and it reached its end, or the call returned
   * without a 429).
   *
   * @param nowNanos monotonic time, ns
   * @param rttNanos how long the permit was held, ns (feeds the cooldown)
   * @param inFlight permits out when it was acquired or now, whichever the caller knows, before
   *     this release
   */
  public void onSuccess(long nowNanos, long rttNanos, int inFlight) {
    if (rttNanos > 0) {
      smoothedRttNanos =
          smoothedRttNanos < 0 ? rttNanos : 0.875 * smoothedRttNanos + 0.125 * rttNanos;
    }
    if (!inUse(inFlight)) {
      return; // the limit was not what held us back: raising it proves nothing
    }
    if (growthHeldUntilNanos != Long.MIN_VALUE && nowNanos < growthHeldUntilNanos) {
      return; // a guess above the limit was refused a moment ago: the provider has no more slots
    }
    double step = slowStart ? 1.0 : 1.0 / limit;
    if (!slowStart && limit >= lastCap) {
      step /=
          PROBE_SLOWDOWN; // at the cap seen last time: probe above it slowly, each probe costs a
      // 429 and a pause
    }
    limit = Math.min(max, limit + step);
  }

  /**
   * The provider accepted a job (its submission answered with a request_id): in slow start, while
   * the limit is in use, the limit grows by 1. No effect afterwards (the additive increase counts
   * ends, {@link #onSuccess}).
   *
   * @param inFlight permits out now, the accepted one included
   * @return whether the limit grew (more permits may be granted now)
   */
  public boolean onAccepted(int inFlight) {
    if (!slowStart || !inUse(inFlight) || limit >= max) {
      return false;
    }
    limit = Math.min(max, limit + 1);
    return true;
  }

  /** Whether the limit is what holds submissions back: in flight &gt;= limit − 1. */
  private boolean inUse(int inFlight) {
    return inFlight >= limit - 1;
  }

  /**
   * The provider answered 429.
   *
   * @param nowNanos monotonic time, ns
   * @param acceptedInFlight jobs the provider had accepted and not yet finished when it refused
   *     (permits out, not counting the refused one)
   * @param retryAfter the answer's {@code Retry-After}, or {@code null}/zero when absent
   * @return the pause applied for it, ns ({@link #pauseFor}); 0 when none
   */
  public long onRejected(long nowNanos, int acceptedInFlight, @Nullable Duration retryAfter) {
    long pause = pauseFor(retryAfter);
    if (pause > 0) {
      pausedUntilNanos = Math.max(pausedUntilNanos, nowNanos + pause);
    }
    long cooldown = Math.max(minCooldownNanos, smoothedRttNanos < 0 ? 0 : (long) smoothedRttNanos);
    if (lastDecreaseNanos != Long.MIN_VALUE && nowNanos - lastDecreaseNanos < cooldown) {
      return pause;
    }
    slowStart = false;
    lastDecreaseNanos = nowNanos;
    decreases++;
    double base = Math.min(limit, Math.max(acceptedInFlight, 1));
    lastCap = base;
    limit = Math.max(min, Math.min(max, Math.floor(base * backoffRatio)));
    return pause;
  }

  /**
   * The provider refused a permit granted <em>above</em> this limit on a forecast (a speculative
   * submit, {@link FlowControl.Settings#speculation()}) with a 429: its slots were all taken at the
   * permits out then. That is what a probe above the limit would have found, learnt without its
   * price (no decrease, no {@code Retry-After} pause for the other submissions): the limit stops
   * growing for one cooldown ({@code max(minCooldown, smoothed round trip)}), and slow start ends
   * at the limit reached, whose later growth is the slow probe at the cap ({@link #onSuccess}). A
   * limit that is above the provider's cap still learns it from the firm permits' 429s ({@link
   * #onRejected}).
   *
   * @param nowNanos monotonic time, ns
   */
  public void onGuessRefused(long nowNanos) {
    long cooldown = Math.max(minCooldownNanos, smoothedRttNanos < 0 ? 0 : (long) smoothedRttNanos);
    growthHeldUntilNanos = nowNanos + cooldown;
    slowStart = false;
    lastCap = Math.min(lastCap, limit);
  }

  /**
   * How long new acquisitions must still wait for a {@code Retry-After}.
   *
   * @param nowNanos monotonic time, ns
   * @return 0 when not paused, else ns left
   */
  public long pauseRemainingNanos(long nowNanos) {
    return pausedUntilNanos == Long.MIN_VALUE || nowNanos >= pausedUntilNanos
        ? 0
        : pausedUntilNanos - nowNanos;
  }
}
