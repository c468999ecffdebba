package dev.editstream.core;

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * the delay before attempt {@code n} (1 = first retry) is uniform in {@code [0, min(max, base *
 * multiplier^(n-1))]}, raised to the server's Retry-After when one was given, but never above
 * {@code maxMs}: a hostile or broken server's {@code Retry-After: 999999} (11.6 days) must not park
 * a job for longer than the stage's own longest delay. Pure: the random draw is passed in.
 *
 * @param baseMs the first ceiling, ms, &gt; 0
 * @param maxMs the largest ceiling, ms, &gt;= baseMs
 * @param multiplier growth per attempt, &gt;= 1
 * @param minMs the smallest delay ever returned, ms, &gt;= 0 (keeps a retry from being instant)
 */
public record Backoff(long baseMs, long maxMs, double multiplier, long minMs) {

  /**
   * @throws IllegalArgumentException naming the field that breaks its rule
   */
  public Backoff {
    if (baseMs <= 0) {
      throw new IllegalArgumentException("baseMs must be > 0, was " + baseMs);
    }
    if (maxMs < baseMs) {
      throw new IllegalArgumentException("maxMs must be >= baseMs, was " + maxMs);
    }
    if (!(multiplier >= 1.0)) {
      throw new IllegalArgumentException("multiplier must be >= 1, was " + multiplier);
    }
    if (minMs < 0 || minMs > maxMs) {
      throw new IllegalArgumentException("minMs must be in 0..maxMs, was " + minMs);
    }
  }

  /** The ceiling of the jitter window before retry {@code attempt} (1-based), ms. */
  public long ceilingMs(int attempt) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be >= 1, was " + attempt);
    }
    double c = baseMs * Math.pow(multiplier, attempt - 1);
    return c >= maxMs ? maxMs : (long) c;
  }

  /**
   * The delay before retry {@code attempt}, ms.
   *
   * @param attempt 1-based retry number
   * @param random a uniform draw in [0, 1)
   * @param retryAfterMs the server's Retry-After in ms, or a negative number when none was given
   * @return a delay in {@code [max(minMs, r), max(ceiling, r)]} where {@code r = min(retryAfterMs,
   *     maxMs)}; never above {@code maxMs}
   */
  public long delayMs(int attempt, double random, long retryAfterMs) {
    if (!(random >= 0.0 && random < 1.0)) {
      throw new IllegalArgumentException("random must be in [0,1), was " + random);
    }
    long jittered = Math.max(minMs, (long) (ceilingMs(attempt) * random));
    return Math.max(jittered, capRetryAfterMs(retryAfterMs));
  }

  /**
   * The part of a server's Retry-After this schedule honours: {@code min(retryAfterMs, maxMs)}.
   *
   * @param retryAfterMs the server's Retry-After in ms, negative when none was given
   * @return the capped value, ms; negative (unchanged) when none was given
   */
  public long capRetryAfterMs(long retryAfterMs) {
    return Math.min(retryAfterMs, maxMs);
  }
}
