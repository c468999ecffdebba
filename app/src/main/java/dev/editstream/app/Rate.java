package dev.editstream.app;

import java.util.ArrayList;
import java.util.List;

/**
 * Jobs finished per second over a sliding window of samples: an immutable value, fed {@code
 * (elapsedMs, finished)} samples by {@link #sample(long, int)}, which returns a new {@code Rate}.
 * No clock, no I/O: tests drive it with explicit times.
 *
 * <p>The rate is the slope between the newest sample and the anchor sample: the newest sample that
 * is at least one window older than the newest one, or the oldest sample kept when the run is
 * younger than the window. It is unknown ({@link #known()} false) until two samples are at least
 * {@link #MIN_SPAN_MS} apart.
 *
 * <p>A resumed batch: {@code finishedAtStart} is the number of jobs (done + failed) already
 * finished before this run started. A sample's {@code finished} is the batch's total count and only
 * the part above that baseline counts ({@code max(0, finished - finishedAtStart)}), so a tracker
 * that catches up on earlier runs' events does not inflate the rate.
 *
 * <p>Samples closer together than {@code windowMs / 120} replace the newest one instead of being
 * appended, so the number of samples kept stays bounded (at most about 240) however often it is
 * fed.
 */
public final class Rate {
  /** Default window: 30 000 ms. */
  public static final long DEFAULT_WINDOW_MS = 30_000;

  /** Shortest span between anchor and newest sample that gives a known rate: 1 000 ms. */
  public static final long MIN_SPAN_MS = 1_000;

  private final long windowMs;
  private final int finishedAtStart;
  private final long[] times;
  private final int[] counts;

  private Rate(long windowMs, int finishedAtStart, long[] times, int[] counts) {
    this.windowMs = windowMs;
    this.finishedAtStart = finishedAtStart;
    this.times = times;
    this.counts = counts;
  }

  /**
   * An empty rate with the {@link #DEFAULT_WINDOW_MS default window}.
   *
   * @param finishedAtStart jobs (done + failed) finished before this run started; 0 for a new batch
   * @return a rate with no samples (unknown)
   */
  public static Rate start(int finishedAtStart) {
    return start(DEFAULT_WINDOW_MS, finishedAtStart);
  }

  /**
   * An empty rate.
   *
   * @param windowMs length of the sliding window in ms, at least {@link #MIN_SPAN_MS}
   * @param finishedAtStart jobs (done + failed) finished before this run started, at least 0
   * @return a rate with no samples (unknown)
   * @throws IllegalArgumentException when {@code windowMs < MIN_SPAN_MS} or {@code finishedAtStart
   *     < 0}
   */
  public static Rate start(long windowMs, int finishedAtStart) {
    if (windowMs < MIN_SPAN_MS) {
      throw new IllegalArgumentException(
          "windowMs must be at least " + MIN_SPAN_MS + ": " + windowMs);
    }
    if (finishedAtStart < 0) {
      throw new IllegalArgumentException(
          "finishedAtStart must not be negative: " + finishedAtStart);
    }
    return new Rate(windowMs, finishedAtStart, new long[0], new int[0]);
  }

  /**
   * This rate with one more sample. A sample older than the newest one is ignored (this rate is
   * returned unchanged), so a late caller cannot break the window.
   *
   * @param elapsedMs time of the sample in ms since any fixed origin (normally the run's start)
   * @param finished jobs done + failed of the whole batch at that time, those finished before this
   *     run included (the baseline is subtracted here)
   * @return a new rate; this one is unchanged
   */
  public Rate sample(long elapsedMs, int finished) {
    int n = times.length;
    if (n > 0 && elapsedMs < times[n - 1]) {
      return this;
    }
    int thisRun = Math.max(0, finished - finishedAtStart);
    long cutoff = elapsedMs - windowMs;
    // Keep the newest sample at or before the cutoff (the anchor) and everything after it.
    int first = 0;
    for (int i = 0; i < n; i++) {
      if (times[i] <= cutoff) {
        first = i;
      }
    }
    List<long[]> kept = new ArrayList<>(n - first + 1);
    for (int i = first; i < n; i++) {
      kept.add(new long[] {times[i], counts[i]});
    }
    long granularity = windowMs / 120;
    int size = kept.size();
    boolean replaceNewest = size >= 2 && elapsedMs - kept.get(size - 2)[0] < granularity;
    if (replaceNewest) {
      kept.set(size - 1, new long[] {elapsedMs, thisRun});
    } else {
      kept.add(new long[] {elapsedMs, thisRun});
    }
    long[] t = new long[kept.size()];
    int[] c = new int[kept.size()];
    for (int i = 0; i < t.length; i++) {
      t[i] = kept.get(i)[0];
      c[i] = (int) kept.get(i)[1];
    }
    return new Rate(windowMs, finishedAtStart, t, c);
  }

  /** Whether the rate is known: two samples at least {@link #MIN_SPAN_MS} apart. */
  public boolean known() {
    return times.length >= 2 && times[times.length - 1] - anchorTime() >= MIN_SPAN_MS;
  }

  /**
   * Jobs finished per second over the window, never negative.
   *
   * @return jobs/s, or {@link Double#NaN} when not {@link #known()}
   */
  public double jobsPerSecond() {
    if (!known()) {
      return Double.NaN;
    }
    int last = times.length - 1;
    double seconds = (times[last] - anchorTime()) / 1000.0;
    return Math.max(0, counts[last] - counts[0]) / seconds;
  }

  /** Jobs finished during this run at the newest sample (above the baseline); 0 without samples. */
  public int finishedThisRun() {
    return counts.length == 0 ? 0 : counts[counts.length - 1];
  }

  /** The baseline: jobs finished before this run started. */
  public int finishedAtStart() {
    return finishedAtStart;
  }

  /** Length of the sliding window in ms. */
  public long windowMs() {
    return windowMs;
  }

  /** Number of samples kept (for tests: bounded by about 240). */
  int samples() {
    return times.length;
  }

  private long anchorTime() {
    return times[0];
  }

  @Override
  public String toString() {
    return "Rate["
        + (known()
            ? String.format(java.util.Locale.ROOT, "%.2f jobs/s", jobsPerSecond())
            : "unknown")
        + ", window "
        + windowMs
        + " ms, baseline "
        + finishedAtStart
        + ", "
        + times.length
        + " samples]";
  }
}
