package dev.editstream.emulator;

import java.util.Arrays;

/**
 * Tracks how many jobs are in flight (accepted and not yet terminal) over time: the current and
 * peak count and the exact time integral of the count, checkpointed at every multiple of a fixed
 * interval so that "sustained in-flight" can be measured afterwards. Pure: time is passed in, in ns
 * of a monotonic clock, and must not go backwards. Thread-safe (synchronized).
 *
 * <p>Between two checkpoints the count is known only through its integral, so {@link
 * #averageBetween(long, long, long)} interpolates linearly inside an interval: exact on interval
 * boundaries, within one interval's worth of error elsewhere.
 */
final class InFlightTracker {
  private final long startNanos;
  private final long intervalNanos;
  private long current;
  private long peak;
  private long lastNanos;

  /** Integral of the count from start to lastNanos, job·ns. */
  private double area;

  /** {@code checkpoints[i]}: the integral from start to {@code start + i * interval}. */
  private double[] checkpoints = new double[64];

  private int checkpointCount = 1;

  /**
   * @param startNanos time of the first checkpoint (count 0), ns
   * @param intervalNanos checkpoint spacing, ns, {@code > 0}
   */
  InFlightTracker(long startNanos, long intervalNanos) {
    if (intervalNanos <= 0) {
      throw new IllegalArgumentException("intervalNanos must be > 0, was " + intervalNanos);
    }
    this.startNanos = startNanos;
    this.intervalNanos = intervalNanos;
    this.lastNanos = startNanos;
  }

  /** Adds {@code delta} (+1 accepted, -1 terminal) to the count at {@code nowNanos}. */
  synchronized void change(int delta, long nowNanos) {
    advance(nowNanos);
    current += delta;
    peak = Math.max(peak, current);
  }

  /** Jobs in flight now. */
  synchronized long current() {
    return current;
  }

  /** Most jobs in flight at any time so far. */
  synchronized long peak() {
    return peak;
  }

  /** The checkpoint spacing, ns. */
  long intervalNanos() {
    return intervalNanos;
  }

  /**
   * The time-weighted average count over each whole interval elapsed by {@code nowNanos}, oldest
   * first: element {@code i} covers {@code [start + i*interval, start + (i+1)*interval)}.
   */
  synchronized double[] intervalAverages(long nowNanos) {
    advance(nowNanos);
    double[] out = new double[checkpointCount - 1];
    for (int i = 0; i < out.length; i++) {
      out[i] = (checkpoints[i + 1] - checkpoints[i]) / intervalNanos;
    }
    return out;
  }

  /**
   * The time-weighted average count between two instants, ns; instants before the start count as
   * the start, after {@code nowNanos} as now.
   *
   * @throws IllegalArgumentException if {@code toNanos <= fromNanos}
   */
  synchronized double averageBetween(long fromNanos, long toNanos, long nowNanos) {
    if (toNanos <= fromNanos) {
      throw new IllegalArgumentException("the window must have a positive length");
    }
    advance(nowNanos);
    long from = clamp(fromNanos);
    long to = clamp(toNanos);
    return to == from ? current : (integralAt(to) - integralAt(from)) / (to - from);
  }

  private long clamp(long t) {
    return Math.max(startNanos, Math.min(lastNanos, t));
  }

  private double integralAt(long t) {
    long offset = t - startNanos;
    int i = (int) (offset / intervalNanos);
    if (i >= checkpointCount - 1) {
      long cpTime = startNanos + (long) (checkpointCount - 1) * intervalNanos;
      double cp = checkpoints[checkpointCount - 1];
      return lastNanos == cpTime
          ? cp
          : cp + (area - cp) * (t - cpTime) / (double) (lastNanos - cpTime);
    }
    double frac = (offset - (long) i * intervalNanos) / (double) intervalNanos;
    return checkpoints[i] + (checkpoints[i + 1] - checkpoints[i]) * frac;
  }

  private void advance(long nowNanos) {
    long now = Math.max(nowNanos, lastNanos);
    long nextCp = startNanos + (long) checkpointCount * intervalNanos;
    while (nextCp <= now) {
      area += current * (double) (nextCp - lastNanos);
      lastNanos = nextCp;
      if (checkpointCount == checkpoints.length) {
        checkpoints = Arrays.copyOf(checkpoints, checkpoints.length * 2);
      }
      checkpoints[checkpointCount++] = area;
      nextCp += intervalNanos;
    }
    area += current * (double) (now - lastNanos);
    lastNanos = now;
  }
}
