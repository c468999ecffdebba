package dev.editstream.emulator;

import java.util.function.LongSupplier;

/**
 * A token bucket: {@code ratePerSecond} tokens are added per second, continuously, up to {@code
 * capacity}; each call takes one. Pure apart from the injected clock ({@code nanoTime}, e.g. {@code
 * System::nanoTime}). Thread-safe (synchronized). The bucket starts full.
 *
 * <p>The emulator keeps one per account to play a provider's request-rate limit; RunComfy does not
 * document its limits, only that it answers 429 with a {@code Retry-After} header.
 */
public final class TokenBucket {
  private static final double NANOS_PER_SECOND = 1_000_000_000.0;

  private final double ratePerSecond;
  private final double capacity;
  private final LongSupplier nanoTime;
  private double tokens;
  private long last;

  /**
   * A full bucket.
   *
   * @param ratePerSecond tokens added per second, finite and {@code > 0}
   * @param capacity most tokens held (the burst), {@code >= 1}
   * @param nanoTime a monotonic clock in ns
   * @throws IllegalArgumentException if the rate or capacity is out of range
   */
  public TokenBucket(double ratePerSecond, double capacity, LongSupplier nanoTime) {
    if (!(ratePerSecond > 0) || !Double.isFinite(ratePerSecond)) {
      throw new IllegalArgumentException("ratePerSecond must be > 0, was " + ratePerSecond);
    }
    if (!(capacity >= 1) || !Double.isFinite(capacity)) {
      throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
    }
    this.ratePerSecond = ratePerSecond;
    this.capacity = capacity;
    this.nanoTime = nanoTime;
    this.tokens = capacity;
    this.last = nanoTime.getAsLong();
  }

  /** The usual burst for a rate: one second's worth of tokens, at least 1. */
  public static double defaultCapacity(double ratePerSecond) {
    return Math.max(1.0, Math.ceil(ratePerSecond));
  }

  /**
   * Takes a token if one is there.
   *
   * @return {@code 0} when a token was taken; otherwise the time until the next token, ns ({@code >
   *     0})
   */
  public synchronized long tryAcquire() {
    long now = nanoTime.getAsLong();
    tokens = Math.min(capacity, tokens + (now - last) / NANOS_PER_SECOND * ratePerSecond);
    last = now;
    if (tokens >= 1.0) {
      tokens -= 1.0;
      return 0L;
    }
    return Math.max(1L, (long) Math.ceil((1.0 - tokens) / ratePerSecond * NANOS_PER_SECOND));
  }

  /** A {@code Retry-After} value for a wait: whole seconds, rounded up, at least 1. */
  public static long retryAfterSeconds(long waitNanos) {
    return Math.max(1L, (waitNanos + 999_999_999L) / 1_000_000_000L);
  }
}
