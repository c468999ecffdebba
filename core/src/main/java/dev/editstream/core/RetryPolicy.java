package dev.editstream.core;

import dev.editstream.core.error.ExitClass;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Decides whether a failed attempt goes round again and when. Pure: time and randomness are
 * passed in.
 *
 * <p>Classes 69 (upstream 5xx) and 75 (timeout, 429) are retried until {@code maxAttempts}
 * attempts were made; every other class fails at once (source: RunComfy's CLI exit-code contract
 * and its error-code docs, "Implement retries with exponential backoff" for 500001).
 *
 * @param maxAttempts attempts per stage before giving up, &gt;= 1
 * @param backoff the delay schedule
 */
public record RetryPolicy(int maxAttempts, Backoff backoff) {

  /** @throws IllegalArgumentException if maxAttempts &lt; 1 */
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
   */
  public record Decision(boolean retry, Instant due, Duration delay) {}

  /**
   * @param attempt the 1-based attempt that just failed
   * @param exitClass its class
   * @param retryAfter the server's Retry-After, if any
   * @param now the current time
   * @param random a uniform draw in [0, 1)
   */
  public Decision decide(int attempt, ExitClass exitClass, Optional<Duration> retryAfter, Instant now, double random) {
    if (!exitClass.retryable() || attempt >= maxAttempts) {
      return new Decision(false, null, Duration.ZERO);
    }
    long ms = backoff.delayMs(attempt, random, retryAfter.map(Duration::toMillis).orElse(-1L));
    Duration d = Duration.ofMillis(ms);
    return new Decision(true, now.plus(d), d);
  }
}
