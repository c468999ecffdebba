package dev.editstream.core;

import dev.editstream.core.error.ExitClass;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Decides whether a failed attempt goes round again and when. Pure: time and randomness are passed
 * in.
 *
 * <p>Classes 69 (upstream 5xx) and 75 (timeout, 429) are retried until {@code maxAttempts} attempts
 * were made; every other class fails at once (source: RunComfy's CLI exit-code contract and its
 * error-code docs, "Implement retries with exponential backoff" for 500001).
 *
 * @param maxAttempts attempts per stage before giving up, &gt;= 1
 * @param backoff the delay schedule
 */
public record RetryPolicy(int maxAttempts, Backoff backoff) {

  /**
   * @throws IllegalArgumentException if maxAttempts &lt; 1
   */
  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
    }
  }

  /**
   * The decision for one failed attempt.
   *
   * @param retry whether to retry
   * @param due when the retry becomes due (null when not retried)
   * @param delay the chosen delay (zero when not retried)
   * @param pastDeadline whether a retry was due, but after the job's deadline (so it is not
   *     retried: the job fails with reason {@code deadline})
   * @param askedDelay the server's Retry-After when it was longer than the delay applied (capped at
   *     the backoff's {@code maxMs}); {@code null} otherwise
   */
  public record Decision(
      boolean retry, Instant due, Duration delay, boolean pastDeadline, Duration askedDelay) {
    /** A decision within the deadline whose Retry-After, if any, was honoured in full. */
    public Decision(boolean retry, Instant due, Duration delay) {
      this(retry, due, delay, false, null);
    }

    /** Whether the server asked for a longer delay than the one applied. */
    public boolean capped() {
      return askedDelay != null;
    }
  }

  /**
   * @param attempt the 1-based attempt that just failed
   * @param exitClass its class
   * @param retryAfter the server's Retry-After, if any
   * @param now the current time
   * @param random a uniform draw in [0, 1)
   */
  public Decision decide(
      int attempt, ExitClass exitClass, Optional<Duration> retryAfter, Instant now, double random) {
    return decide(attempt, exitClass, retryAfter, now, random, null);
  }

  /**
   * As {@link #decide(int, ExitClass, Optional, Instant, double)}, bounded by the job's deadline:
   * the delay honours the server's Retry-After only up to the backoff's {@code maxMs} (a longer one
   * is reported in {@link Decision#askedDelay()}), and a retry due after {@code deadline} is not
   * made ({@link Decision#pastDeadline()}).
   *
   * @param deadline the job's deadline, or {@code null} for none
   */
  public Decision decide(
      int attempt,
      ExitClass exitClass,
      Optional<Duration> retryAfter,
      Instant now,
      double random,
      Instant deadline) {
    if (!exitClass.retryable() || attempt >= maxAttempts) {
      return new Decision(false, null, Duration.ZERO);
    }
    long asked = retryAfter.map(RetryPolicy::millis).orElse(-1L);
    long ms = backoff.delayMs(attempt, random, asked);
    Duration d = Duration.ofMillis(ms);
    Duration askedDelay = asked > backoff.maxMs() ? retryAfter.get() : null;
    Instant due = now.plus(d);
    if (deadline != null && due.isAfter(deadline)) {
      return new Decision(false, null, Duration.ZERO, true, askedDelay);
    }
    return new Decision(true, due, d, false, askedDelay);
  }

  /**
   * The number of failures in a row that a failed attempt counts as, the {@code attempt} to decide
   * with: the attempt's own number, or 1 when it made progress before it failed (the provider
   * answered it). Only failures in a row count towards {@code maxAttempts}: a poller following one
   * request for hours meets transient faults now and then, and each one it recovered from must not
   * bring the job closer to failing.
   *
   * @param attempt the 1-based attempt that just failed
   * @param madeProgress whether it made progress before failing
   * @return {@code attempt}, or 1 after progress
   * @throws IllegalArgumentException if {@code attempt} &lt; 1
   */
  public static int attemptFailed(int attempt, boolean madeProgress) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be >= 1, was " + attempt);
    }
    return madeProgress ? 1 : attempt;
  }

  /** Milliseconds of a duration, saturating instead of overflowing (a Retry-After of 10^15 s). */
  private static long millis(Duration d) {
    try {
      return d.toMillis();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }
}
