package dev.editstream.pipeline.flow;

import java.util.Arrays;

/**
 * How likely it is that the provider has already freed slots this process has not seen yet. Pure,
 * no clock and no I/O; not thread-safe (its owner, {@link FlowControl}, holds a lock). Times are
 * nanoseconds of any monotonic origin.
 *
 * <p>A job's slot is counted as taken until a status check sees the job end, but at the provider it
 * frees the moment the job ends. From the run times of the jobs seen to end ({@link #record}: from
 * submission to the middle between the last check that found the job running and the check that saw
 * its end), a held job submitted {@code elapsed} ago and last seen running {@code runningFor} after
 * its submission has ended since with probability {@code (F(elapsed) − F(runningFor)) / (1 −
 * F(runningFor))}, F the empirical distribution of the recorded run times. The number of held jobs
 * that have ended is then a sum of independent Bernoulli variables (a Poisson-binomial variable),
 * whose tail {@link #atLeast(int, double[])} gives.
 *
 * <p>Recorded run times include each job's detection delay, so F lags the true distribution and the
 * forecast errs on the side of "not ended yet" (fewer speculative submits, fewer 429s).
 */
public final class SlotForecast {
  /** Run times kept: the most recent ones, in a ring. */
  public static final int CAPACITY = 1024;

  private final long[] ring = new long[CAPACITY];
  private int size;
  private int next;
  private long[] sorted = new long[0];
  private boolean dirty;

  /**
   * Records the run time of one job seen to end successfully: from its submission to the middle of
   * the interval in which it ended (between the last check that found it running, or its
   * submission, and the check that saw its end; the whole time when it was never seen running).
   *
   * @param runNanos &gt;= 0; a negative value is ignored
   */
  public void record(long runNanos) {
    if (runNanos < 0) {
      return;
    }
    ring[next] = runNanos;
    next = (next + 1) % CAPACITY;
    size = Math.min(CAPACITY, size + 1);
    dirty = true;
  }

  /** How many run times are recorded (at most {@link #CAPACITY}). */
  public int samples() {
    return size;
  }

  /**
   * The distribution of the recorded run times at {@code nanos}: the empirical one, with straight
   * lines between neighbouring run times (so that it grows between them, as time does): 0 below the
   * shortest, {@code (i + 1) / n} at the {@code i}-th shortest of {@code n}, 1 from the longest; 0
   * with no samples.
   */
  public double cdf(long nanos) {
    if (size == 0) {
      return 0;
    }
    if (dirty) {
      sorted = Arrays.copyOf(ring, size);
      Arrays.sort(sorted);
      dirty = false;
    }
    // the number of sorted values <= nanos: the first index holding a larger value
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] <= nanos) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (lo == 0 || lo == sorted.length) {
      return (double) lo / sorted.length;
    }
    long below = sorted[lo - 1];
    double frac = (double) (nanos - below) / (sorted[lo] - below);
    return (lo + frac) / sorted.length;
  }

  /**
   * The probability that a job has ended by {@code elapsedNanos} after its submission, given that
   * it was still running {@code runningForNanos} after it (its last status check that found it
   * queued or running; 0 for never checked).
   *
   * @return in [0, 1]; 0 when the recorded run times say no job runs longer than {@code
   *     runningForNanos} (the job outlived every sample: nothing is known, so nothing is assumed)
   */
  public double endedSince(long runningForNanos, long elapsedNanos) {
    double before = cdf(runningForNanos);
    if (before >= 1 || elapsedNanos <= runningForNanos) {
      return 0;
    }
    double p = (cdf(elapsedNanos) - before) / (1 - before);
    return Math.max(0, Math.min(1, p));
  }

  /**
   * The probability that at least {@code k} of independent events with probabilities {@code p}
   * happen (the tail of a Poisson-binomial distribution), by dynamic programming in {@code O(n ×
   * k)}.
   *
   * @param k how many, any int: {@code k <= 0} gives 1, {@code k > p.length} gives 0
   * @param p each event's probability, in [0, 1]
   * @return in [0, 1]
   * @throws IllegalArgumentException if a probability is outside [0, 1] or NaN
   */
  public static double atLeast(int k, double[] p) {
    if (k <= 0) {
      return 1;
    }
    if (k > p.length) {
      return 0;
    }
    // below[j]: probability that exactly j (< k) of the events so far happened
    double[] below = new double[k];
    below[0] = 1;
    for (double q : p) {
      if (!(q >= 0 && q <= 1)) {
        throw new IllegalArgumentException("probability must be in [0, 1], was " + q);
      }
      for (int j = k - 1; j > 0; j--) {
        below[j] = below[j] * (1 - q) + below[j - 1] * q;
      }
      below[0] *= 1 - q;
    }
    double fewer = 0;
    for (double b : below) {
      fewer += b;
    }
    return Math.max(0, Math.min(1, 1 - fewer));
  }
}
