package dev.editstream.core;

/**
 * How often and how late a failed attempt goes round again: the settings of the {@link
 * RetryDecision}, which applies them.
 *
 * <p>Classes 69 (upstream 5xx) and 75 (timeout, 429) are retried until {@code maxAttempts} failures
 * in a row; every other class fails at once (source: RunComfy's CLI exit-code contract and its
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
}
