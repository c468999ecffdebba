package dev.editstream.poller;

import java.time.Duration;

/**
 * When to check a remote request's status next. Pure.
 *
 * <p>The first check is at once (as RunComfy's CLI does after submit); then the interval grows
 * geometrically from {@code first} by {@code factor} up to {@code max}, so a fast job is seen done
 * quickly and a slow one costs few calls. {@link #fixed(Duration)} gives the CLI's fixed schedule
 * (default 2 s, {@code --poll-secs}) for comparison.
 *
 * @param first the interval after the first check, at least 1 ms (intervals are whole ms: a shorter
 *     one would be rounded to no pause at all)
 * @param factor growth per check, &gt;= 1
 * @param max the longest interval, &gt;= first
 */
public record PollSchedule(Duration first, double factor, Duration max) {

  /**
   * @throws IllegalArgumentException naming the setting ({@code poll.first}, {@code poll.factor},
   *     {@code poll.max}) that breaks its rule
   */
  public PollSchedule {
    if (first == null || first.compareTo(Duration.ofMillis(1)) < 0) {
      throw new IllegalArgumentException("poll.first must be at least 1 ms, was " + first);
    }
    if (!(factor >= 1.0)) {
      throw new IllegalArgumentException("poll.factor must be >= 1, was " + factor);
    }
    if (max == null || max.compareTo(first) < 0) {
      throw new IllegalArgumentException("poll.max must be >= poll.first");
    }
  }

  /** editstream's default: 500 ms growing by 1.5 up to 5 s. */
  public static PollSchedule defaults() {
    return new PollSchedule(Duration.ofMillis(500), 1.5, Duration.ofSeconds(5));
  }

  /** A fixed interval, as RunComfy's CLI ({@code --poll-secs}, default 2, no jitter). */
  public static PollSchedule fixed(Duration every) {
    return new PollSchedule(every, 1.0, every);
  }

  /**
   * The wait before the next check.
   *
   * @param checksDone status checks made so far for this request (0 before the first)
   * @return zero before the first check, else the interval
   */
  public Duration next(int checksDone) {
    if (checksDone <= 0) {
      return Duration.ZERO;
    }
    double ms = first.toMillis() * Math.pow(factor, checksDone - 1);
    return ms >= max.toMillis() ? max : Duration.ofMillis((long) ms);
  }
}
