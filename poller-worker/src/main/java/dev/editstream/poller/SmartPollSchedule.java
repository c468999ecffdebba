package dev.editstream.poller;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * A status-check schedule that learns each model's latency (submit to terminal) and polls rarely
 * while a job cannot be done yet and steadily around when it is expected to be. Pure (no I/O);
 * thread-safe (one sketch per model, each guarded by its own lock).
 *
 * <p>Latencies are learnt from the jobs that ended and from the jobs still running: a job checked
 * at age {@code t} and found running says its latency is more than {@code t}. The quantiles come
 * from the Kaplan-Meier estimate over both, so a batch whose jobs all started together is not
 * mistaken for a fast model by its first few completions (the naive quantiles of the ended jobs
 * alone would be those of the fastest jobs). A quantile the estimate has not reached yet is
 * unknown.
 *
 * <p>Rule, with {@code q(p)} the model's estimated latency quantile:
 *
 * <ul>
 *   <li>The first check is at once (as RunComfy's CLI does after submit).
 *   <li>Cold start, until {@code known.share} of the model's jobs were seen to end ({@link
 *       #known(String)} is false): <em>scout</em> jobs follow the fallback {@link PollSchedule},
 *       never waiting longer than {@code budget}, so that the first completions are seen soon; the
 *       other jobs wait {@code maxInterval}, and a caller that can should wake them as soon as the
 *       model becomes known and ask again ({@link PollerHandler} does). Scouts: the first {@code
 *       scouting.first} jobs of a model tracked at once, and one in {@code scouting.every} of the
 *       others (by request id), at most {@code scouting.max} tracked at once. The share is the
 *       scouts' (the others are not seen after their first check): waking the others at the first
 *       scout's end would make the batch's cold start hinge on that one job's luck.
 *   <li>Known model: the first check after the one at once is at {@code q(early) + budget}, then
 *       one every {@code budget} up to {@code q(1 - tail)} (for ever while that quantile is
 *       unknown), then at intervals growing by {@code tailGrowth} per step past it (the few jobs
 *       that late may wait longer), never longer than {@code maxInterval}. A job finishing in the
 *       body of the distribution is seen at most {@code budget} after it ends.
 *   <li>A job still {@code in_queue} (queue_position &gt; 0) has not started, so it cannot end
 *       sooner than {@code q(early)} from now: the next check is at least that far off.
 *   <li>No wait is shorter than {@code minInterval}.
 * </ul>
 *
 * Jobs are tracked by request id when the caller gives one ({@link #next(String, String, Duration,
 * Integer, int)}); the caller then reports each job's end ({@link #observe(String, String,
 * Duration)} or {@link #forget(String, String)}). Untracked jobs are scouts and add no censoring
 * information.
 *
 * <p>RunComfy documents {@code queue_position} in the status answer while {@code in_queue}; it does
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
  private final Settings.Known known;
  private final Settings.Scouting scouting;
  private final Map<String, LatencySketch> sketches = new ConcurrentHashMap<>();

  /**
   * The tuning of a {@link SmartPollSchedule}, named: start from {@link #defaults()} and change
   * what differs, e.g. {@code
   * Settings.defaults().withBudget(Duration.ofMillis(300)).withScouting(1, Integer.MAX_VALUE, 1)}.
   * Checked when the schedule is made.
   *
   * @param fallback the schedule of scout jobs while a model's latency is unknown
   * @param budget the interval around the expected completion (the delay a job ending there may see
   *     at most), &gt; 0
   * @param minInterval shortest wait between two checks, &gt;= 0 and &lt;= budget
   * @param maxInterval longest wait between two checks, &gt;= budget
   * @param early quantile before which a job is taken as not done yet, in {@code [0, 0.5]}
   * @param tail share of jobs beyond which intervals grow, in {@code [0, 0.5]}
   * @param tailGrowth growth of the interval per check in the tail, &gt;= 1
   * @param known when a model's estimate is used
   * @param scouting which jobs are scouts while a model is not known
   */
  public record Settings(
      PollSchedule fallback,
      Duration budget,
      Duration minInterval,
      Duration maxInterval,
      double early,
      double tail,
      double tailGrowth,
      Known known,
      Scouting scouting) {

    /**
     * When a model's estimate is used.
     *
     * @param minSamples ended jobs of the model needed, &gt;= 1
     * @param share share of the model's jobs the Kaplan-Meier estimate must have seen end, in
     *     {@code [0, 0.5]}
     */
    public record Known(int minSamples, double share) {}

    /**
     * Which jobs are scouts while a model is not known.
     *
     * @param first how many of a model's tracked jobs are scouts whatever their id, &gt;= 1
     * @param every one in this many other tracked jobs is a scout, &gt;= 1
     * @param max most scouts of a model tracked at once, &gt;= 1 (a batch of 10,000 jobs sent at
     *     once would otherwise have 1,266 of them polling while the model is unknown)
     */
    public record Scouting(int first, int every, int max) {}

    /** editstream's defaults (see {@link SmartPollSchedule#defaults()}). */
    public static Settings defaults() {
      return new Settings(
          PollSchedule.defaults(),
          Duration.ofMillis(DEFAULT_BUDGET_MS),
          Duration.ofMillis(250),
          Duration.ofSeconds(30),
          0.03,
          0.02,
          1.5,
          new Known(1, 0.015),
          new Scouting(16, 8, 256));
    }

    /** These settings with another fallback schedule. */
    public Settings withFallback(PollSchedule f) {
      return new Settings(
          f, budget, minInterval, maxInterval, early, tail, tailGrowth, known, scouting);
    }

    /** These settings with another budget. */
    public Settings withBudget(Duration b) {
      return new Settings(
          fallback, b, minInterval, maxInterval, early, tail, tailGrowth, known, scouting);
    }

    /** These settings with other shortest and longest waits between two checks. */
    public Settings withIntervals(Duration min, Duration max) {
      return new Settings(fallback, budget, min, max, early, tail, tailGrowth, known, scouting);
    }

    /** These settings with another early quantile, tail share and tail growth. */
    public Settings withShape(double earlyQuantile, double tailShare, double growth) {
      return new Settings(
          fallback,
          budget,
          minInterval,
          maxInterval,
          earlyQuantile,
          tailShare,
          growth,
          known,
          scouting);
    }

    /**
     * These settings with another rule for when a model's estimate is used: at least {@code n} of
     * its jobs ended and the Kaplan-Meier estimate has seen {@code share} of its jobs end.
     */
    public Settings withKnownFrom(int n, double share) {
      return new Settings(
          fallback,
          budget,
          minInterval,
          maxInterval,
          early,
          tail,
          tailGrowth,
          new Known(n, share),
          scouting);
    }

    /**
     * These settings with another scouting: the first {@code first} jobs of a model, then one in
     * {@code every}, at most {@code max} tracked at once.
     */
    public Settings withScouting(int first, int every, int max) {
      return new Settings(
          fallback,
          budget,
          minInterval,
          maxInterval,
          early,
          tail,
          tailGrowth,
          known,
          new Scouting(first, every, max));
    }
  }

  /**
   * @param settings the tuning
   * @throws IllegalArgumentException naming the setting that breaks its rule
   * @throws NullPointerException when {@code settings} or its fallback, known or scouting is {@code
   *     null}
   */
  public SmartPollSchedule(Settings settings) {
    this.fallback = Objects.requireNonNull(settings.fallback(), "fallback");
    Duration budget = settings.budget();
    Duration minInterval = settings.minInterval();
    Duration maxInterval = settings.maxInterval();
    double early = settings.early();
    double tail = settings.tail();
    double tailGrowth = settings.tailGrowth();
    Settings.Known known = Objects.requireNonNull(settings.known(), "known");
    Settings.Scouting scouting = Objects.requireNonNull(settings.scouting(), "scouting");
    int minSamples = known.minSamples();
    double knownShare = known.share();
    int scouts = scouting.first();
    int scoutEvery = scouting.every();
    int maxScouts = scouting.max();
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
      throw new IllegalArgumentException(
          "early and tail must be in [0, 0.5], were " + early + ", " + tail);
    }
    if (!(tailGrowth >= 1)) {
      throw new IllegalArgumentException("tailGrowth must be >= 1, was " + tailGrowth);
    }
    if (minSamples < 1) {
      throw new IllegalArgumentException("known.minSamples must be >= 1, was " + minSamples);
    }
    if (!(knownShare >= 0 && knownShare <= 0.5)) {
      throw new IllegalArgumentException("known.share must be in [0, 0.5], was " + knownShare);
    }
    if (scouts < 1) {
      throw new IllegalArgumentException("scouting.first must be >= 1, was " + scouts);
    }
    if (scoutEvery < 1) {
      throw new IllegalArgumentException("scouting.every must be >= 1, was " + scoutEvery);
    }
    if (maxScouts < 1) {
      throw new IllegalArgumentException("scouting.max must be >= 1, was " + maxScouts);
    }
    this.budget = budget;
    this.minInterval = minInterval;
    this.maxInterval = maxInterval;
    this.early = early;
    this.tail = tail;
    this.tailGrowth = tailGrowth;
    this.known = known;
    this.scouting = scouting;
  }

  /**
   * The default budget, ms: a job ending in the body of its model's distribution is seen at most
   * this long after it ends. 2.9 s keeps the p95 completion delay within 1 s of a fixed 2 s
   * schedule's (about 1.9 s) while spacing checks as far as that allows (bench {@code p}).
   */
  public static final long DEFAULT_BUDGET_MS = 2900;

  /**
   * editstream's defaults: budget {@value #DEFAULT_BUDGET_MS} ms (RunComfy's CLI polls every 2 s,
   * so its detection delay has a p95 of 1.9 s; a job ending in the body here is seen at most 2.9 s
   * after it ends, which leaves room for the jobs outside the body), min 250 ms, max 30 s, early
   * 3%, tail 2% (the jobs that may wait longer than the budget: few enough for the p95 delay to
   * stay within it), growth 1.5, known once 1.5% of the jobs were seen to end (at least one), so
   * before the early 3% have, scouts: the first 16 jobs of a model and one in 8 after (enough for a
   * share of 1.5% to be a few ends, not one) and at most 256 at once, falling back to {@link
   * PollSchedule#defaults()}. Tuned in {@code SmartPollScheduleTest}'s simulations against issue
   * 5's bar (at most half the fixed 2 s schedule's calls at a p95 delay at most 1 s worse).
   */
  public static SmartPollSchedule defaults() {
    return new SmartPollSchedule(Settings.defaults());
  }

  /**
   * Records the latency of an untracked job that ended with outputs.
   *
   * @param modelId the job's model
   * @param latency its latency, &gt;= 0 (negative values are ignored)
   */
  public void observe(String modelId, Duration latency) {
    observe(modelId, null, latency);
  }

  /**
   * Records the latency of a job that ended with outputs (submit to terminal; the provider's own
   * {@code finished_at - created_at} when known) and stops tracking it.
   *
   * @param modelId the job's model
   * @param requestId the request id it was tracked under, or {@code null}
   * @param latency its latency, &gt;= 0 (a negative or null value only stops the tracking)
   */
  public void observe(String modelId, @Nullable String requestId, @Nullable Duration latency) {
    LatencySketch s = sketches.computeIfAbsent(modelId, m -> new LatencySketch());
    s.end(requestId, latency == null || latency.isNegative() ? -1 : latency.toMillis());
  }

  /**
   * Stops tracking a job that ended without a latency worth learning (failed, cancelled, past its
   * deadline).
   *
   * @param modelId the job's model
   * @param requestId its request id; unknown ids are ignored
   */
  public void forget(String modelId, String requestId) {
    LatencySketch s = sketches.get(modelId);
    if (s != null && requestId != null) {
      s.end(requestId, -1);
    }
  }

  /** Latencies observed for a model so far (after any halving of old counts). */
  public long samples(String modelId) {
    LatencySketch s = sketches.get(modelId);
    return s == null ? 0 : s.count();
  }

  /** Jobs of a model tracked now (asked about, not ended). */
  public int tracked(String modelId) {
    LatencySketch s = sketches.get(modelId);
    return s == null ? 0 : s.live();
  }

  /**
   * Whether the model's latency is known: at least {@code known.minSamples} of its jobs ended, and
   * the Kaplan-Meier estimate over ended and running jobs says at least {@code known.share} of them
   * did (each running job counted at risk until its next check is due, at most {@code budget} after
   * it was last seen running). Once true it stays true.
   */
  public boolean known(String modelId) {
    LatencySketch s = sketches.get(modelId);
    return s != null && knownIn(s);
  }

  /** Whether the model of sketch {@code s} is known (see {@link #known(String)}). */
  private boolean knownIn(LatencySketch s) {
    return s.known(known.minSamples(), known.share(), budget.toMillis());
  }

  /** As {@link #next(String, String, Duration, Integer, int)} for an untracked job (a scout). */
  public Duration next(
      String modelId, Duration sinceSubmit, Integer queuePosition, int checksDone) {
    return next(modelId, null, sinceSubmit, queuePosition, checksDone);
  }

  /**
   * The wait before the next status check of a job; also records that the job, checked at {@code
   * sinceSubmit}, had not ended.
   *
   * @param modelId the job's model
   * @param requestId the job's request id to track it under, or {@code null} (untracked)
   * @param sinceSubmit time from submission to now (the check just made), &gt;= 0
   * @param queuePosition the last status's {@code queue_position}, or {@code null}
   * @param checksDone status checks made so far (0 before the first)
   * @return zero before the first check, else a wait in {@code [minInterval, maxInterval]}
   */
  public Duration next(
      String modelId,
      @Nullable String requestId,
      Duration sinceSubmit,
      @Nullable Integer queuePosition,
      int checksDone) {
    long t = Math.max(0, sinceSubmit.toMillis());
    LatencySketch s = sketches.computeIfAbsent(modelId, m -> new LatencySketch());
    boolean scout = s.alive(requestId, checksDone <= 0 ? 0 : t, scouting);
    if (checksDone <= 0) {
      return Duration.ZERO;
    }
    long b = budget.toMillis();
    long[] q = knownIn(s) ? s.quantiles(early, 1 - tail) : null;
    if (q == null) {
      long wait =
          scout ? Math.min(b, fallback.next(checksDone).toMillis()) : maxInterval.toMillis();
      return Duration.ofMillis(Math.max(minInterval.toMillis(), wait));
    }
    long q0 = q[0];
    long qTail = q[1];
    long grid = q0 + b;
    long wait;
    if (t < grid) {
      wait = grid - t;
    } else if (t < qTail) {
      // every budget from the last check: the phase does not matter, and a grid tied to q(early)
      // would make extra short waits each time the estimate of q(early) moves
      wait = b;
    } else {
      // beyond the body: the interval grows from budget by tailGrowth per step past qTail
      long step = b;
      long at = Math.max(grid, qTail);
      while (at + step <= t) {
        at += step;
        step = (long) Math.min((double) maxInterval.toMillis(), (double) step * tailGrowth);
      }
      wait = step;
    }
    if (queuePosition != null && queuePosition > 0) {
      wait = Math.max(wait, q0);
    }
    wait = Math.max(minInterval.toMillis(), Math.min(maxInterval.toMillis(), wait));
    return Duration.ofMillis(wait);
  }

  /** Whether a request id is a scout by its hash (one in {@code every}). */
  static boolean scoutById(String requestId, int every) {
    return Math.floorMod(requestId.hashCode() * 0x9E3779B1, every) == 0;
  }

  /**
   * The earliest a job of {@code modelId} is expected to end, from submission: the low edge of the
   * model's {@code early} latency quantile (RunComfy documents no latencies: they are learned);
   * zero while the model is not {@link #known(String) known}.
   */
  public Duration earliestEnd(String modelId) {
    LatencySketch s = sketches.get(modelId);
    long[] q = s == null || !knownIn(s) ? null : s.quantiles(early, 1 - tail);
    return q == null ? Duration.ZERO : Duration.ofMillis(q[0]);
  }

  /**
   * The worth of checking a job's status now, for the account's {@link StatusCallBudget}: the
   * expected time, s, that the job has been ended without being seen. That is the chance that it
   * ended since its last check (from the model's Kaplan-Meier latency estimate: {@code (F(age) -
   * F(last)) / (1 - F(last))}, at least 1%) times half the time since its last check or since the
   * model's earliest end, whichever is later (the expected time since such an end, taking the ends
   * as even over that span). A model not known yet counts as an even chance. A job whose chance is
   * highest, and which has gone unchecked longest, goes first: the checks of jobs past their
   * expected run time before those of jobs that have just started.
   *
   * @param modelId the job's model, or {@code null} (an even chance)
   * @param lastCheckAge the job's age at its last check, zero before the first
   * @param age the job's age (time since submission) at {@code nowNanos}
   * @param nowNanos the time of {@code age} on the budget's time line
   * @return the worth, s, at any later time on that line
   */
  public StatusCallBudget.Likelihood likelihood(
      @Nullable String modelId, Duration lastCheckAge, Duration age, long nowNanos) {
    LatencySketch s = modelId == null ? null : sketches.get(modelId);
    double[] cdf = s == null || !knownIn(s) ? null : s.cdf();
    return likelihood(cdf, Math.max(0, lastCheckAge.toMillis()), age.toMillis(), nowNanos);
  }

  /** The chance counted for a job whose model is not known yet. */
  static final double EVEN_CHANCE = 0.5;

  /** The least chance counted for a known model's job (its estimate may have ended short). */
  static final double MIN_CHANCE = 0.01;

  /**
   * {@link #likelihood(String, Duration, Duration, long)} over a latency CDF ({@link
   * LatencySketch#cdf()}, or {@code null} when unknown); ages in ms.
   */
  static StatusCallBudget.Likelihood likelihood(
      double @Nullable [] cdf, long lastCheckMs, long ageMs, long atNanos) {
    if (cdf == null) {
      return now -> {
        double a = ageMs + (now - atNanos) / 1e6;
        return EVEN_CHANCE * Math.max(0, a - lastCheckMs) / 2000.0;
      };
    }
    double fLast = cdfAt(cdf, (double) lastCheckMs);
    double from = (double) Math.max(lastCheckMs, firstEnd(cdf));
    return now -> {
      double a = ageMs + (now - atNanos) / 1e6;
      if (a <= from) {
        return 0;
      }
      double p = fLast >= 1 ? 1 : (cdfAt(cdf, a) - fLast) / (1 - fLast);
      return Math.max(MIN_CHANCE, Math.min(1, p)) * (a - from) / 2000.0;
    };
  }

  /** F(ms) of a bucketed CDF, linear within a bucket. */
  static double cdfAt(double[] cdf, double ms) {
    if (ms <= 0) {
      return 0;
    }
    int b = LatencySketch.bucket((long) Math.ceil(ms));
    double lo = b == 0 ? 0 : LatencySketch.upper(b - 1);
    double hi = LatencySketch.upper(b);
    double fLo = b == 0 ? 0 : cdf[b - 1];
    double x = hi <= lo ? 1 : Math.min(1, Math.max(0, (ms - lo) / (hi - lo)));
    return fLo + (cdf[b] - fLo) * x;
  }

  /** The lower edge, ms, of the first bucket in which jobs ended (0 if none). */
  static long firstEnd(double[] cdf) {
    for (int i = 0; i < cdf.length; i++) {
      if (cdf[i] > 0) {
        return i == 0 ? 0 : LatencySketch.upper(i - 1);
      }
    }
    return 0;
  }

  /**
   * A streaming latency histogram: log-spaced buckets 5% wide from 1 ms to about 12 days, so a
   * quantile is within 5% of the truth; counts of ended jobs halve when they pass 100,000 so recent
   * latencies weigh more. Running jobs are kept by request id with the age they were last seen
   * running at (right-censored latencies).
   */
  static final class LatencySketch {
    private static final double RATIO = 1.05;
    private static final int BUCKETS = 420;
    private static final long HALVE_AT = 100_000;

    /** Most running jobs tracked per model; beyond, new jobs go untracked (scouts). */
    static final int MAX_LIVE = 200_000;

    private final long[] counts = new long[BUCKETS];
    private final long[] running = new long[BUCKETS];
    private final Map<String, Live> live = new HashMap<>();
    private long total;
    private long everTracked;
    private boolean known;
    private int liveScouts;

    private static final class Live {
      int bucket;
      final boolean scout;

      Live(int bucket, boolean scout) {
        this.bucket = bucket;
        this.scout = scout;
      }
    }

    /** Adds an ended job's latency, ms. */
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

    /**
     * Records that a job was running at age {@code ms} (starting to track it if new).
     *
     * @return whether the job is a scout
     */
    synchronized boolean alive(@Nullable String requestId, long ms, Settings.Scouting scouting) {
      if (requestId == null) {
        return true;
      }
      Live l = live.get(requestId);
      int b = bucket(ms);
      if (l == null) {
        if (live.size() >= MAX_LIVE) {
          return true;
        }
        boolean chosen = everTracked++ < scouting.first() || scoutById(requestId, scouting.every());
        l = new Live(b, chosen && liveScouts < scouting.max());
        if (l.scout) {
          liveScouts++;
        }
        live.put(requestId, l);
        running[b]++;
      } else if (b > l.bucket) {
        running[l.bucket]--;
        running[b]++;
        l.bucket = b;
      }
      return l.scout;
    }

    /** A job ended: stops tracking it and adds its latency, ms, unless negative. */
    synchronized void end(@Nullable String requestId, long ms) {
      Live l = requestId == null ? null : live.remove(requestId);
      if (l != null) {
        running[l.bucket]--;
        if (l.scout) {
          liveScouts--;
        }
      }
      if (ms >= 0) {
        add(ms);
      }
    }

    synchronized long count() {
      return total;
    }

    /**
     * Whether at least {@code minSamples} jobs ended and the share of jobs ended has reached {@code
     * share}; once true, true for good. The share is the Kaplan-Meier estimate with each running
     * job counted at risk up to {@code lagMs} past the age it was last seen running at (its next
     * check is due by then): an end is placed at its exact latency, but the others were seen last
     * up to a check's interval before, and counting them out from there would thin the jobs at risk
     * at the newest ends and inflate the share there (one end among 139 scouts read as 2%).
     */
    synchronized boolean known(int minSamples, double share, long lagMs) {
      if (!known && total >= minSamples) {
        long[] atRiskUntil = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
          if (running[i] > 0) {
            atRiskUntil[bucket(upper(i) + lagMs)] += running[i];
          }
        }
        known = kaplanMeier(atRiskUntil)[BUCKETS - 1] >= share;
      }
      return known;
    }

    synchronized int live() {
      return live.size();
    }

    /**
     * Kaplan-Meier quantiles over ended jobs (events) and running ones (censored at the age last
     * seen): {@code [q(pLow) as the lower edge of its bucket, q(pHigh) as the upper edge]}, ms. A
     * quantile the estimate does not reach is {@link Long#MAX_VALUE}; {@code q(pLow)} then falls
     * back to the lower edge of the first ended job's bucket. Null when no job ended.
     */
    synchronized long @Nullable [] quantiles(double pLow, double pHigh) {
      if (total == 0) {
        return null;
      }
      double atRisk = total;
      for (long r : running) {
        atRisk += r;
      }
      double survival = 1.0;
      int low = -1;
      int first = -1;
      int high = -1;
      for (int i = 0; i < BUCKETS && high < 0; i++) {
        if (counts[i] > 0 && atRisk > 0) {
          first = first < 0 ? i : first;
          survival *= 1.0 - Math.min(1.0, counts[i] / atRisk);
          double f = 1.0 - survival;
          if (low < 0 && f >= pLow) {
            low = i;
          }
          if (f >= pHigh) {
            high = i;
          }
        }
        atRisk -= counts[i] + running[i];
      }
      int lowBucket = low >= 0 ? low : first;
      return new long[] {
        lowBucket == 0 ? 0 : upper(lowBucket - 1), high < 0 ? Long.MAX_VALUE : upper(high)
      };
    }

    /**
     * The Kaplan-Meier estimate of the latency CDF over ended and running jobs: {@code F} at the
     * upper edge of each bucket, non-decreasing, in {@code [0, 1]} (below 1 past the last end when
     * jobs still run). Null when no job ended.
     */
    synchronized double @Nullable [] cdf() {
      if (total == 0) {
        return null;
      }
      return kaplanMeier(running);
    }

    /**
     * The Kaplan-Meier CDF at the upper edge of each bucket over the ended jobs ({@code counts})
     * and running ones, {@code censored[i]} of which leave those at risk after bucket {@code i}.
     */
    private double[] kaplanMeier(long[] censored) {
      double atRisk = total;
      for (long r : censored) {
        atRisk += r;
      }
      double survival = 1.0;
      double[] f = new double[BUCKETS];
      for (int i = 0; i < BUCKETS; i++) {
        if (counts[i] > 0 && atRisk > 0) {
          survival *= 1.0 - Math.min(1.0, counts[i] / atRisk);
        }
        f[i] = 1.0 - survival;
        atRisk -= counts[i] + censored[i];
      }
      return f;
    }

    /**
     * The latency, ms, below which a share {@code p} of the ended jobs lies (upper bucket edge),
     * ignoring running ones.
     */
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

    static int bucket(long ms) {
      if (ms <= 1) {
        return 0;
      }
      return (int) Math.min(BUCKETS - 1, Math.ceil(Math.log((double) ms) / Math.log(RATIO)));
    }

    static long upper(int bucket) {
      return (long) Math.floor(Math.pow(RATIO, bucket));
    }
  }
}
