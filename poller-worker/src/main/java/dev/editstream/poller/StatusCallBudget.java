package dev.editstream.poller;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * One account's budget of status calls, shared by every job the poller follows for that account
 * (one API token and base URL), and the decision of which waiting checks spend it. Pure: no I/O, no
 * scheduler, no clock; every method takes the time as {@code nowNanos} (any monotonic origin, the
 * same for every call). Thread-safe (every method holds this object's lock).
 *
 * <p>A token bucket: it holds at most {@link Settings#burst()} calls and fills at {@link #rate()}
 * calls/s, which is {@link Settings#callsPerSecond()}, raised to {@link
 * Settings#perJobCallsPerSecond()} × the jobs in flight when that is more (by default one call per
 * job every 2 s, RunComfy's own CLI's cadence: a budget below that would make every job slower to
 * see than RunComfy's own client would). A check that is due is {@link #offer offered}; {@link
 * #grant} hands out the whole tokens there are, to the waiting checks in this order:
 *
 * <ol>
 *   <li>checks that have waited {@link Settings#maxDeferral()} or longer, the longest waiting first
 *       (fairness: no job waits for ever behind likelier ones);
 *   <li>then the others by their {@link Likelihood} at {@code nowNanos}, highest first (a job past
 *       its model's expected run time before one that has just started); ties by the longest
 *       waiting.
 * </ol>
 *
 * A check that is not granted stays waiting (deferred, never dropped) until it is granted or {@link
 * #withdraw withdrawn}. Once a check has waited {@code maxDeferral}, only the checks that waited
 * longer still go before it, so it is granted at most {@code maxDeferral + (waiting checks older
 * than it + 1) / rate} after it was offered.
 *
 * @param <T> what a waiting check is known by (compared by identity)
 */
public final class StatusCallBudget<T> {

  /**
   * The budget's settings.
   *
   * @param callsPerSecond status calls per second for the account, &gt; 0 and finite ({@code
   *     --status-calls-per-second})
   * @param perJobCallsPerSecond the budget is never below this many calls/s per job in flight,
   *     &gt;= 0 and finite (0.5: one call per job every 2 s, as RunComfy's CLI)
   * @param burst most calls the bucket holds (spent at once after a quiet spell), &gt;= 1
   * @param maxDeferral how long a check may wait before it goes before likelier ones, &gt; 0
   */
  public record Settings(
      double callsPerSecond, double perJobCallsPerSecond, int burst, Duration maxDeferral) {

    /**
     * The default budget, calls/s: scenario (a) (2,000 jobs of 2 s ± 50% at a provider cap of 50,
     * about 21 jobs/s) then spends 3.8 status calls per job (4.0 at 90 calls/s).
     */
    public static final double DEFAULT_CALLS_PER_SECOND = 85;

    /** The default floor per job in flight, calls/s: one call every 2 s, RunComfy's CLI's. */
    public static final double DEFAULT_PER_JOB_CALLS_PER_SECOND = 0.5;

    /** The default burst, calls. */
    public static final int DEFAULT_BURST = 10;

    /** The default longest deferral before a check goes first: 5 s. */
    public static final Duration DEFAULT_MAX_DEFERRAL = Duration.ofSeconds(5);

    /**
     * @throws IllegalArgumentException naming the setting that breaks its rule ({@code
     *     --status-calls-per-second} for {@code callsPerSecond})
     */
    public Settings {
      if (!(callsPerSecond > 0) || Double.isInfinite(callsPerSecond)) {
        throw new IllegalArgumentException(
            "--status-calls-per-second must be > 0 and finite, was " + callsPerSecond);
      }
      if (!(perJobCallsPerSecond >= 0) || Double.isInfinite(perJobCallsPerSecond)) {
        throw new IllegalArgumentException(
            "status calls per job and second must be >= 0 and finite, was " + perJobCallsPerSecond);
      }
      if (burst < 1) {
        throw new IllegalArgumentException("status call burst must be >= 1, was " + burst);
      }
      if (maxDeferral == null || maxDeferral.isZero() || maxDeferral.isNegative()) {
        throw new IllegalArgumentException(
            "status call max deferral must be > 0, was " + maxDeferral);
      }
    }

    /** 85 calls/s, at least 0.5 per job in flight, burst 10, max deferral 5 s. */
    public static Settings defaults() {
      return new Settings(
          DEFAULT_CALLS_PER_SECOND,
          DEFAULT_PER_JOB_CALLS_PER_SECOND,
          DEFAULT_BURST,
          DEFAULT_MAX_DEFERRAL);
    }

    /**
     * These settings with another rate.
     *
     * @param rate calls/s, &gt; 0 and finite
     * @throws IllegalArgumentException naming {@code --status-calls-per-second} otherwise
     */
    public Settings withCallsPerSecond(double rate) {
      return new Settings(rate, perJobCallsPerSecond, burst, maxDeferral);
    }

    /** These settings with another floor per job in flight, calls/s (&gt;= 0). */
    public Settings withPerJobCallsPerSecond(double perJob) {
      return new Settings(callsPerSecond, perJob, burst, maxDeferral);
    }

    /** These settings with another burst, calls (&gt;= 1). */
    public Settings withBurst(int calls) {
      return new Settings(callsPerSecond, perJobCallsPerSecond, calls, maxDeferral);
    }

    /** These settings with another longest deferral (&gt; 0). */
    public Settings withMaxDeferral(Duration d) {
      return new Settings(callsPerSecond, perJobCallsPerSecond, burst, d);
    }
  }

  /**
   * How much a check is worth now: the expected time, s, that the job has been ended without being
   * seen (the chance it ended since its last check × how long ago that could have been). Higher
   * goes first. Must not change the budget.
   */
  @FunctionalInterface
  public interface Likelihood {
    /**
     * @param nowNanos the time of the decision, on the budget's time line
     * @return the check's worth, s, &gt;= 0 (NaN counts as 0)
     */
    double at(long nowNanos);
  }

  private static final class Waiting<T> {
    final T item;
    final Likelihood likelihood;
    final long sinceNanos;
    final long seq;
    double worth;

    Waiting(T item, Likelihood likelihood, long sinceNanos, long seq) {
      this.item = item;
      this.likelihood = likelihood;
      this.sinceNanos = sinceNanos;
      this.seq = seq;
    }
  }

  private final Settings settings;
  private final long maxDeferralNanos;
  private final List<Waiting<T>> waiting = new ArrayList<>();
  private double tokens;
  private long refilledAt;
  private int jobs;
  private long seq;

  /**
   * A full bucket.
   *
   * @param settings the budget's settings
   * @param nowNanos the start of the budget's time line
   * @throws NullPointerException if {@code settings} is null
   */
  public StatusCallBudget(Settings settings, long nowNanos) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.maxDeferralNanos = settings.maxDeferral().toNanos();
    this.tokens = settings.burst();
    this.refilledAt = nowNanos;
  }

  /** The settings. */
  public Settings settings() {
    return settings;
  }

  /** The rate now, calls/s: {@code max(callsPerSecond, perJobCallsPerSecond × jobs in flight)}. */
  public synchronized double rate() {
    return Math.max(settings.callsPerSecond(), settings.perJobCallsPerSecond() * jobs);
  }

  /** Jobs in flight ({@link #jobStarted} less {@link #jobEnded}). */
  public synchronized int jobs() {
    return jobs;
  }

  /** Checks waiting for a call. */
  public synchronized int waiting() {
    return waiting.size();
  }

  /** The calls in the bucket at {@code nowNanos} (whole and part), in {@code [0, burst]}. */
  public synchronized double tokens(long nowNanos) {
    refill(nowNanos);
    return tokens;
  }

  /**
   * A job of the account started to be followed: the floor of the rate rises from {@code nowNanos}.
   */
  public synchronized void jobStarted(long nowNanos) {
    refill(nowNanos);
    jobs++;
  }

  /** A job stopped being followed (never below zero jobs). */
  public synchronized void jobEnded(long nowNanos) {
    refill(nowNanos);
    jobs = Math.max(0, jobs - 1);
  }

  /**
   * A check is due: it waits for a call from {@code nowNanos}.
   *
   * @param item what the check is known by; offering the same item twice makes two checks
   * @param likelihood its worth over time
   * @param nowNanos when it became due
   * @throws NullPointerException if {@code item} or {@code likelihood} is null
   */
  public synchronized void offer(T item, Likelihood likelihood, long nowNanos) {
    Objects.requireNonNull(item, "item");
    Objects.requireNonNull(likelihood, "likelihood");
    waiting.add(new Waiting<>(item, likelihood, nowNanos, seq++));
  }

  /**
   * Takes a waiting check back without spending a call (its job was cancelled).
   *
   * @return whether it was waiting
   */
  public synchronized boolean withdraw(T item) {
    for (int i = 0; i < waiting.size(); i++) {
      if (waiting.get(i).item == item) {
        waiting.remove(i);
        return true;
      }
    }
    return false;
  }

  /**
   * Spends the whole calls in the bucket on the waiting checks, in the budget's order (see the
   * class comment), and removes them from the waiting ones.
   *
   * @param nowNanos the time of the decision
   * @return the checks granted, in order; empty when nothing waits or the bucket holds less than
   *     one call
   */
  public synchronized List<T> grant(long nowNanos) {
    refill(nowNanos);
    int n = (int) Math.min(Math.floor(tokens), waiting.size());
    if (n <= 0) {
      return List.of();
    }
    for (Waiting<T> w : waiting) {
      double v = w.likelihood.at(nowNanos);
      w.worth = v > 0 ? v : 0; // NaN and negatives count as nothing
    }
    List<Waiting<T>> order = new ArrayList<>(waiting);
    order.sort(order(nowNanos));
    List<T> granted = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      granted.add(order.get(i).item);
    }
    waiting.removeAll(order.subList(0, n));
    tokens -= n;
    return granted;
  }

  /**
   * When {@link #grant} can next hand out a call if nothing changes.
   *
   * @return {@code nowNanos} if a call is there and a check waits, the time the next whole call is
   *     in the bucket if a check waits, else {@link Long#MAX_VALUE}
   */
  public synchronized long nextGrantNanos(long nowNanos) {
    if (waiting.isEmpty()) {
      return Long.MAX_VALUE;
    }
    refill(nowNanos);
    if (tokens >= 1) {
      return nowNanos;
    }
    return nowNanos + (long) Math.ceil((1 - tokens) * 1e9 / rate());
  }

  private Comparator<Waiting<T>> order(long nowNanos) {
    return (a, b) -> {
      boolean aLate = nowNanos - a.sinceNanos >= maxDeferralNanos;
      boolean bLate = nowNanos - b.sinceNanos >= maxDeferralNanos;
      if (aLate != bLate) {
        return aLate ? -1 : 1;
      }
      if (!aLate) {
        int byWorth = Double.compare(b.worth, a.worth);
        if (byWorth != 0) {
          return byWorth;
        }
      }
      int bySince = Long.compare(a.sinceNanos, b.sinceNanos);
      return bySince != 0 ? bySince : Long.compare(a.seq, b.seq);
    };
  }

  private void refill(long nowNanos) {
    if (nowNanos <= refilledAt) {
      return; // the same instant, or a clock read out of order: nothing to add
    }
    tokens = Math.min(settings.burst(), tokens + (nowNanos - refilledAt) * rate() / 1e9);
    refilledAt = nowNanos;
  }
}
