package dev.editstream.poller;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A status-check schedule that learns each model's latency (submit to terminal) and polls rarely
 * while a job cannot be done yet and steadily around when it is expected to be. Pure (no I/O);
 * thread-safe (one sketch per model, each guarded by its own lock).
 *
 * <p>Rule, with {@code q(p)} the model's observed latency quantile:
 * <ul>
 *   <li>The first check is at once (as RunComfy's CLI does after submit).</li>
 *   <li>While fewer than {@code minSamples} latencies of the model were observed, the fallback
 *       {@link PollSchedule} decides.</li>
 *   <li>Otherwise checks lie on a grid: the first at {@code q(early) + budget}, then every {@code
 *       budget} up to {@code q(1 - tail)}, then at intervals growing by {@code tailGrowth} (the
 *       few jobs that late may wait longer), never longer than {@code maxInterval}. A job finishing
 *       in the body of the distribution is seen at most {@code budget} after it ends.</li>
 *   <li>A job still {@code in_queue} (queue_position &gt; 0) has not started, so it cannot end
 *       sooner than {@code q(early)} from now: the next check is at least that far off.</li>
 *   <li>No wait is shorter than {@code minInterval}.</li>
 * </ul>
 * RunComfy documents {@code queue_position} in the status answer while {@code in_queue}; it does
 * not document latencies, hence learning them.
 */
public final class SmartPollSchedule {
  private final PollSchedule fallback;
  private final Duration budget;
  private final Duration minInterval;
  private final Duration maxInterval;
  private final double early;
  private final double tail;
  private final double tailGrowth;
  private final int minSamples;
  private final Map<String, LatencySketch> sketches = new ConcurrentHashMap<>();

  /**
   * @param fallback the schedule used while a model's latency is unknown
   * @param budget the interval around the expected completion (the delay a job ending there may
   *     see at most), &gt; 0
   * @param minInterval shortest wait between two checks, &gt;= 0 and &lt;= budget
   * @param maxInterval longest wait between two checks, &gt;= budget
   * @param early quantile before which a job is taken as not done yet, in {@code [0, 0.5]}
   * @param tail share of jobs beyond which intervals grow, in {@code [0, 0.5]}
   * @param tailGrowth growth of the interval per check in the tail, &gt;= 1
   * @param minSamples latencies needed before the model's sketch is used, &gt;= 1
   * @throws IllegalArgumentException naming the argument that breaks its rule
   */
  public SmartPollSchedule(PollSchedule fallback, Duration budget, Duration minInterval, Duration maxInterval, double early, double tail,
      double tailGrowth, int minSamples) {
    this.fallback = Objects.requireNonNull(fallback, "fallback");
    if (budget == null || budget.isNegative() || budget.isZero()) {
      throw new IllegalArgumentException("budget must be > 0");
    }
    if (minInterval == null || minInterval.isNegative() || minInterval.compareTo(budget) > 0) {
      throw new IllegalArgumentException("minInterval must be in [0, budget]");
    }
    if (maxInterval == null || maxInterval.compareTo(budget) < 0) {
      throw new IllegalArgumentException("maxInterval must be >= budget");
    }
    if (!(early >= 0 && early <= 0.5) || !(tail >= 0 && tail <= 0.5)) {
      throw new IllegalArgumentException("early and tail must be in [0, 0.5], were " + early + ", " + tail);
    }
    if (!(tailGrowth >= 1)) {
      throw new IllegalArgumentException("tailGrowth must be >= 1, was " + tailGrowth);
    }
    if (minSamples < 1) {
      throw new IllegalArgumentException("minSamples must be >= 1, was " + minSamples);
    }
    this.budget = budget;
    this.minInterval = minInterval;
    this.maxInterval = maxInterval;
    this.early = early;
    this.tail = tail;
    this.tailGrowth = tailGrowth;
    this.minSamples = minSamples;
  }

  /**
   * editstream's defaults: budget 2.8 s (RunComfy's CLI polls every 2 s, so a job ending in the
   * body is seen at most 0.8 s later than the CLI's worst case), min 250 ms, max 30 s, early 2%,
   * tail 5%, growth 1.5, 20 samples, falling back to {@link PollSchedule#defaults()}.
   */
  public static SmartPollSchedule defaults() {
    return new SmartPollSchedule(PollSchedule.defaults(), Duration.ofMillis(2800), Duration.ofMillis(250), Duration.ofSeconds(30), 0.02, 0.05,
        1.5, 20);
  }

  /**
   * Records the latency of a job that reached a terminal status (submit to terminal, as seen).
   *
   * @param modelId the job's model
   * @param latency its latency, &gt;= 0 (negative values are ignored)
   */
  public void observe(String modelId, Duration latency) {
    if (latency == null || latency.isNegative()) {
      return;
    }
    sketches.computeIfAbsent(modelId, m -> new LatencySketch()).add(latency.toMillis());
  }

  /** Latencies observed for a model so far (after any halving of old counts). */
  public long samples(String modelId) {
    LatencySketch s = sketches.get(modelId);
    return s == null ? 0 : s.count();
  }

  /**
   * The wait before the next status check of a job.
   *
   * @param modelId the job's model
   * @param sinceSubmit time from submission to now (the check just made), &gt;= 0
   * @param queuePosition the last status's {@code queue_position}, or {@code null}
   * @param checksDone status checks made so far (0 before the first)
   * @return zero before the first check, else a wait in {@code [minInterval, maxInterval]} (or
   *     the fallback's wait while the model is unknown)
   */
  public Duration next(String modelId, Duration sinceSubmit, Integer queuePosition, int checksDone) {
    if (checksDone <= 0) {
      return Duration.ZERO;
    }
    LatencySketch s = sketches.get(modelId);
    if (s == null || s.count() < minSamples) {
      return fallback.next(checksDone);
    }
    long t = Math.max(0, sinceSubmit.toMillis());
    long q0 = s.quantileLow(early);
    long qTail = s.quantile(1 - tail);
    long b = budget.toMillis();
    long at;
    long grid = q0 + b;
    if (t < grid) {
      at = grid;
    } else if (t < qTail) {
      at = grid + ((t - grid) / b + 1) * b;
    } else {
      // beyond the body: intervals grow from budget by tailGrowth per step past qTail
      long step = b;
      at = Math.max(grid, qTail);
      while (at <= t) {
        at += step;
        step = (long) Math.min(maxInterval.toMillis(), step * tailGrowth);
      }
    }
    long wait = at - t;
    if (queuePosition != null && queuePosition > 0) {
      wait = Math.max(wait, q0);
    }
    wait = Math.max(minInterval.toMillis(), Math.min(maxInterval.toMillis(), wait));
    return Duration.ofMillis(wait);
  }

  /**
   * A streaming latency histogram: log-spaced buckets 5% wide from 1 ms to about 12 days, so a
   * quantile is within 5% of the truth; counts halve when they pass 100,000 so recent latencies
   * weigh more.
   */
  /**
   * The earliest a job of {@code modelId} is expected to end, from submission: the low edge of the
   * model's {@code early} latency quantile (RunComfy documents no latencies: they are learned);
   * zero while fewer than {@code minSamples} latencies were observed.
   */
  public Duration earliestEnd(String modelId) {
    LatencySketch s = sketches.get(modelId);
    if (s == null || s.count() < minSamples) {
      return Duration.ZERO;
    }
    return Duration.ofMillis(s.quantileLow(early));
  }

  static final class LatencySketch {
    private static final double RATIO = 1.05;
    private static final int BUCKETS = 420;
    private static final long HALVE_AT = 100_000;
    private final long[] counts = new long[BUCKETS];
    private long total;

    synchronized void add(long ms) {
      counts[bucket(ms)]++;
      if (++total >= HALVE_AT) {
        total = 0;
        for (int i = 0; i < BUCKETS; i++) {
          counts[i] /= 2;
          total += counts[i];
        }
      }
    }

    synchronized long count() {
      return total;
    }

    /** The latency, ms, below which a share {@code p} of the samples lies (upper bucket edge). */
    synchronized long quantile(double p) {
      long rank = (long) Math.ceil(p * total);
      long seen = 0;
      for (int i = 0; i < BUCKETS; i++) {
        seen += counts[i];
        if (seen >= Math.max(1, rank)) {
          return upper(i);
        }
      }
      return upper(BUCKETS - 1);
    }

    /** As {@link #quantile(double)}, but the bucket's lower edge (never over-estimates). */
    synchronized long quantileLow(double p) {
      int i = bucket(quantile(p));
      return i == 0 ? 0 : upper(i - 1);
    }

    static int bucket(long ms) {
      if (ms <= 1) {
        return 0;
      }
      return (int) Math.min(BUCKETS - 1, Math.ceil(Math.log(ms) / Math.log(RATIO)));
    }

    static long upper(int bucket) {
      return (long) Math.floor(Math.pow(RATIO, bucket));
    }
  }
}
