package dev.editstream.pipeline.flow;

/**
 * A token bucket of requests per second. Pure and not thread-safe (callers hold a lock); time is
 * passed in as a monotonic nanosecond reading.
 */
public final class RateLimiter {
  private final double perSecond;
  private final double burst;
  private double tokens;
  private long lastNanos;
  private boolean started;

  /**
   * @param perSecond tokens added per second, &gt; 0
   * @param burst most tokens held at once (requests allowed back to back), &gt;= 1; the bucket
   *     starts full
   * @throws IllegalArgumentException naming the argument that breaks its rule
   */
  public RateLimiter(double perSecond, double burst) {
    if (!(perSecond > 0)) {
      throw new IllegalArgumentException("perSecond must be > 0, was " + perSecond);
    }
    if (!(burst >= 1)) {
      throw new IllegalArgumentException("burst must be >= 1, was " + burst);
    }
    this.perSecond = perSecond;
    this.burst = burst;
    this.tokens = burst;
  }

  /**
   * Takes one token if there is one.
   *
   * @param nowNanos monotonic time, ns
   * @return 0 when a token was taken, else ns until one is available (nothing taken)
   */
  public long tryTake(long nowNanos) {
    refill(nowNanos);
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    return Math.max(1, (long) Math.ceil((1 - tokens) / perSecond * 1e9));
  }

  private void refill(long nowNanos) {
    if (!started) {
      started = true;
      lastNanos = nowNanos;
      return;
    }
    if (nowNanos > lastNanos) {
      tokens = Math.min(burst, tokens + (nowNanos - lastNanos) / 1e9 * perSecond);
      lastNanos = nowNanos;
    }
  }
}
