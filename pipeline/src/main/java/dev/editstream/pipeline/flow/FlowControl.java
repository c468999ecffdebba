package dev.editstream.pipeline.flow;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

/**
 * A non-blocking permit gate for remote jobs, shared by every stage of one process: at most {@link
 * Settings#perModelLimit()} (or a model's own limit) permits out per model, at most the account
 * limit in all (adaptive: an {@link AdaptiveLimit} that finds the provider's cap from 429s), and
 * optionally at most {@link Settings#requestsPerSecond()} acquisitions per second.
 *
 * <p>{@link #acquire(String)} returns a {@code Mono<Permit>} that completes when a permit is free;
 * waiters are served first come first served among those whose model has room, and no thread is
 * blocked while waiting. Backpressure follows: a stage that acquires inside its {@code flatMap}
 * keeps its concurrency slots busy while waiting, so it requests no more records and the Kafka
 * consumer behind it pauses. A permit is released once, by {@link Permit#success()} (the job
 * reached a terminal status; grows the adaptive limit), {@link Permit#rejected(Duration)} (the
 * provider answered 429; shrinks it and pauses for the {@code Retry-After}) or {@link
 * Permit#release()} (any other end; no signal). Cancelling a waiting acquisition gives its place
 * up; a permit granted to a cancelled acquisition is released at once.
 *
 * <p>A permit may outlive the call that took it: {@link #holdUntilTerminal(String, Permit)} parks
 * it under a request_id and {@link #terminal(String, boolean)} releases it when another stage (the
 * poller) sees the request's terminal status.
 *
 * <p>Speculation ({@link Settings#speculation()} &gt; 0): a held job's slot frees at the provider
 * when the job ends, but here only when a status check sees the end, so while acquisitions wait at
 * the limit some of the provider's slots are idle. From the run times of the jobs seen to end (per
 * model) and, for each held job, its age and the last check that found it running ({@link
 * #running(String)}), a {@link SlotForecast} gives the probability that at least {@code s + 1} held
 * jobs have ended unseen, {@code s} being the permits out above the limit; when that probability
 * reaches the confidence, one more permit is granted (a speculative permit). The provider answers
 * the rare wrong guess with a 429: {@link Permit#rejected} of a speculative permit pauses
 * speculation for {@value #SPECULATION_BACKOFF_MS} ms and touches neither the limit nor the other
 * submissions (no {@code Retry-After} pause: the 429 answered a guess, not a rate), and the refused
 * job waits again with {@link #acquireFirm}, for a slot seen free. An adaptive limit takes a
 * refused guess as the finding of a probe above it ({@link AdaptiveLimit#onGuessRefused}): it stops
 * growing for a round trip instead of growing until a firm permit's 429 lowers it by 10% and pauses
 * every submission for the {@code Retry-After}. While acquisitions wait and nothing is granted the
 * forecast is re-read every {@value #SPECULATION_TICK_MS} ms.
 *
 * <p>Thread-safe. Timers (a token-bucket wait, a {@code Retry-After} pause) run on {@code timer},
 * whose clock is also the gate's clock (so tests run in virtual time).
 */
public final class FlowControl {
  private static final Logger log = LoggerFactory.getLogger(FlowControl.class);

  /**
   * @param perModelLimit permits per model when the model has no own limit, &gt;= 1
   * @param modelLimits per model_id limits, each &gt;= 1
   * @param accountMax the most permits in all, &gt;= 1 (the adaptive limit's ceiling)
   * @param adaptive whether the account limit adapts to 429s (starting at {@code
   *     min(accountInitial, accountMax)}); when {@code false} it is {@code accountMax}
   * @param accountInitial first adaptive account limit, &gt;= 1
   * @param requestsPerSecond acquisitions per second ({@code 0} = unlimited), burst one second's
   *     worth (at least 1)
   * @param speculation {@code 0} for none, else the confidence in {@code (0, 1)} at which a permit
   *     is granted above the account limit (fixed or adaptive) because held jobs have likely ended
   *     unseen ({@link FlowControl#running}, {@link SlotForecast})
   */
  public record Settings(
      int perModelLimit,
      Map<String, Integer> modelLimits,
      int accountMax,
      boolean adaptive,
      int accountInitial,
      double requestsPerSecond,
      double speculation) {
    /**
     * @throws IllegalArgumentException naming the setting that breaks its rule
     */
    public Settings {
      if (perModelLimit < 1 || accountMax < 1 || accountInitial < 1) {
        throw new IllegalArgumentException(
            "perModelLimit, accountMax and accountInitial must be >= 1");
      }
      modelLimits = Map.copyOf(modelLimits);
      modelLimits.forEach(
          (m, v) -> {
            if (v < 1) {
              throw new IllegalArgumentException("limit of model " + m + " must be >= 1, was " + v);
            }
          });
      if (!(requestsPerSecond >= 0)) {
        throw new IllegalArgumentException(
            "requestsPerSecond must be >= 0, was " + requestsPerSecond);
      }
      requireSpeculation(speculation, "speculation");
    }

    /**
     * Checks a speculation confidence, the one rule for every place that reads one.
     *
     * @param value 0 (never) or a confidence in {@code (0, 1)}
     * @param name what the value is called where it was given (a setting or an option)
     * @return {@code value}
     * @throws IllegalArgumentException naming {@code name} and the rule when it breaks it
     */
    public static double requireSpeculation(double value, String name) {
      if (!(value >= 0 && value < 1)) {
        throw new IllegalArgumentException(
            name + " must be 0 (never) or a confidence in (0, 1), was " + value);
      }
      return value;
    }

    /** Settings as before speculation existed: none. */
    public Settings(
        int perModelLimit,
        Map<String, Integer> modelLimits,
        int accountMax,
        boolean adaptive,
        int accountInitial,
        double requestsPerSecond) {
      this(perModelLimit, modelLimits, accountMax, adaptive, accountInitial, requestsPerSecond, 0);
    }

    /** A fixed account limit, the same limit per model, no rate limit. */
    public static Settings fixed(int accountLimit, int perModelLimit) {
      return new Settings(perModelLimit, Map.of(), accountLimit, false, accountLimit, 0);
    }

    /**
     * An adaptive account limit up to {@code accountMax} starting at 10, no model or rate limit.
     */
    public static Settings adaptive(int accountMax) {
      return new Settings(accountMax, Map.of(), accountMax, true, Math.min(10, accountMax), 0);
    }

    /** A copy with a requests-per-second limit. */
    public Settings withRequestsPerSecond(double rps) {
      return new Settings(
          perModelLimit, modelLimits, accountMax, adaptive, accountInitial, rps, speculation);
    }

    /**
     * A copy that grants permits above the account limit when held jobs have ended unseen with at
     * least this confidence.
     *
     * @param confidence in {@code (0, 1)}, or 0 for none
     * @throws IllegalArgumentException if out of range
     */
    public Settings withSpeculation(double confidence) {
      return new Settings(
          perModelLimit,
          modelLimits,
          accountMax,
          adaptive,
          accountInitial,
          requestsPerSecond,
          confidence);
    }

    /** A copy with a limit for one model. */
    public Settings withModelLimit(String modelId, int limit) {
      Map<String, Integer> m = new HashMap<>(modelLimits);
      m.put(modelId, limit);
      return new Settings(
          perModelLimit, m, accountMax, adaptive, accountInitial, requestsPerSecond, speculation);
    }
  }

  /** Run times a model needs on record before its held jobs count in a forecast. */
  public static final int SPECULATION_MIN_SAMPLES = 50;

  /** How often the forecast is re-read while acquisitions wait at the limit, ms. */
  public static final long SPECULATION_TICK_MS = 10;

  /** How long a speculative permit refused with a 429 pauses speculation, ms. */
  public static final long SPECULATION_BACKOFF_MS = 25;

  private final Map<String, SlotForecast> forecasts = new HashMap<>();
  private long speculationPausedUntilNanos = Long.MIN_VALUE;
  private long speculativeGrants;
  private long speculativeRejects;
  private long lastSaturatedNanos;
  private boolean everSaturated;

  /** Whether the latest grant left acquisitions waiting (the limits or a pause held them). */
  private boolean backlog;

  private final Settings settings;
  private final Scheduler timer;
  private final AdaptiveLimit account;
  private final @Nullable RateLimiter rate;
  private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
  private final Map<String, Integer> modelInFlight = new HashMap<>();
  private final Map<String, Held> held = new ConcurrentHashMap<>();
  private volatile @Nullable Duration maxHold;

  /** A permit parked under a request_id, with the timer that gives it back if nobody does. */
  private record Held(Permit permit, @Nullable Disposable expiry) {}

  private final AtomicInteger wip = new AtomicInteger();
  private int inFlight;
  private long wakeAtNanos = Long.MAX_VALUE;
  private @Nullable Disposable wake;

  /**
   * @param settings the limits
   * @param timer runs waits for tokens and pauses; its {@code now} is the gate's clock
   */
  public FlowControl(Settings settings, Scheduler timer) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.timer = Objects.requireNonNull(timer, "timer");
    int max = settings.accountMax();
    this.account =
        settings.adaptive()
            ? new AdaptiveLimit(
                Math.min(settings.accountInitial(), max), 1, max, 0.9, Duration.ofMillis(100))
            : new AdaptiveLimit(max, max, max, 0.9, Duration.ZERO);
    this.rate =
        settings.requestsPerSecond() > 0
            ? new RateLimiter(
                settings.requestsPerSecond(), Math.max(1, settings.requestsPerSecond()))
            : null;
  }

  /**
   * A permit for one remote job of {@code modelId}, when the limits allow. Lazy: nothing is queued
   * until subscribed.
   *
   * @param modelId the model the job runs on (its per-model limit applies)
   */
  public Mono<Permit> acquire(String modelId) {
    return acquire(modelId, false);
  }

  /**
   * A permit for a job whose speculative permit the provider refused with a 429: first in line, and
   * granted only within the limits (never speculatively), so the job goes on as soon as a held job
   * is seen to end. Lazy, as {@link #acquire}.
   *
   * @param modelId the model the job runs on
   */
  public Mono<Permit> acquireFirm(String modelId) {
    return acquire(modelId, true);
  }

  private Mono<Permit> acquire(String modelId, boolean firm) {
    Objects.requireNonNull(modelId, "modelId");
    return Mono.create(
        sink -> {
          Waiter w = new Waiter(modelId, sink, firm);
          synchronized (this) {
            if (firm) {
              queue.addFirst(w);
            } else {
              queue.addLast(w);
            }
          }
          sink.onCancel(() -> cancelled(w));
          drain();
        });
  }

  /**
   * Notes that a status check found the request {@code requestId} queued or running now (its
   * permit's job has not ended before this moment): the {@linkplain Settings#speculation()
   * forecast} counts only the time since. No effect on a request with no parked permit.
   *
   * @param requestId RunComfy request_id
   */
  public void running(String requestId) {
    Held h = held.get(requestId);
    if (h != null) {
      h.permit().runningAtNanos = timer.now(TimeUnit.NANOSECONDS);
    }
  }

  /** How many times a 429 lowered the adaptive account limit, since start (0 for a fixed one). */
  public synchronized long limitDecreases() {
    return settings.adaptive() ? account.decreases() : 0;
  }

  /** Permits granted above the limit on the forecast, since start. */
  public synchronized long speculativeGrants() {
    return speculativeGrants;
  }

  /** Speculative permits the provider refused with a 429, since start. */
  public synchronized long speculativeRejects() {
    return speculativeRejects;
  }

  /**
   * A permit for one more remote job of {@code modelId} at once, over the limits if need be: for a
   * caller that already holds a permit it cannot give back until this job goes on (the second
   * request of a split batch, whose first request ends only after the whole job is submitted).
   * Waiting at the gate while holding a permit would deadlock once the limit falls to what the
   * caller holds; this overdraft is bounded by the requests of the split jobs being submitted. The
   * permit counts as in flight like any other, so other jobs wait for it.
   *
   * @param modelId the model the job runs on
   * @return a granted permit, released as any other
   */
  public Permit acquireNow(String modelId) {
    Objects.requireNonNull(modelId, "modelId");
    synchronized (this) {
      long now = timer.now(TimeUnit.NANOSECONDS);
      inFlight++;
      modelInFlight.merge(modelId, 1, Integer::sum);
      return new Permit(modelId, now, inFlight, false);
    }
  }

  /** Permits out now. */
  public synchronized int inFlight() {
    return inFlight;
  }

  /** Permits out now for one model. */
  public synchronized int inFlight(String modelId) {
    return modelInFlight.getOrDefault(modelId, 0);
  }

  /** Acquisitions waiting. */
  public synchronized int waiting() {
    return queue.size();
  }

  /**
   * Whether acquisitions the limits left waiting wait now, or were left waiting by a grant at most
   * {@code window} ago: the limits bind, or did until a moment ago (the last jobs of a batch that
   * queued for permits are still in flight, and the batch ends when they are seen to end). An
   * acquisition queued but not yet looked at by a grant does not count: under a limit that is never
   * reached, a burst of acquisitions racing the grant that serves them would otherwise read as
   * bound (bench p: every job polled as slot-bound for seconds, 3-6 status calls per job more).
   */
  public synchronized boolean saturatedWithin(Duration window) {
    if (backlog && !queue.isEmpty()) {
      return true;
    }
    return everSaturated
        && timer.now(TimeUnit.NANOSECONDS) - lastSaturatedNanos <= window.toNanos();
  }

  /** The account limit now (adaptive or fixed). */
  public synchronized int accountLimit() {
    return account.limit();
  }

  /**
   * Bounds how long a parked permit waits for {@link #terminal}: after {@code max} it is released
   * anyway (no signal to the adaptive limit) and a warning is logged. A safety net for whatever
   * keeps the terminal status from being seen in this process (the request polled by another
   * process of the same group, a split batch failed by the router after its first part): set it
   * just past the job deadline, when the poller has cancelled the request anyway.
   *
   * @param max the longest hold, positive, or {@code null} for no bound (the default)
   * @return this gate
   * @throws IllegalArgumentException if {@code max} is zero or negative
   */
  public FlowControl withMaxHold(@Nullable Duration max) {
    if (max != null && (max.isZero() || max.isNegative())) {
      throw new IllegalArgumentException("maxHold must be positive, was " + max);
    }
    this.maxHold = max;
    return this;
  }

  /**
   * Caps the pause one {@code Retry-After} of a 429 causes (default {@link
   * AdaptiveLimit#DEFAULT_MAX_PAUSE}, 60 s); set it to the stages' max backoff. A longer {@code
   * Retry-After} is logged once, at WARN, with the asked and the applied delay.
   *
   * @param max positive
   * @return this gate
   * @throws IllegalArgumentException if {@code max} is null, zero or negative
   */
  public FlowControl withMaxPause(Duration max) {
    synchronized (this) {
      account.maxPause(max);
    }
    return this;
  }

  /** The longest pause one {@code Retry-After} causes. */
  public synchronized Duration maxPause() {
    return account.maxPause();
  }

  /**
   * Parks a permit until {@link #terminal(String, boolean)} is called for {@code requestId} (or the
   * {@link #withMaxHold max hold} passes). Called when the provider accepted the job: an adaptive
   * limit in slow start grows on it ({@link AdaptiveLimit#onAccepted}).
   *
   * @param requestId RunComfy request_id of the submitted job
   */
  public void holdUntilTerminal(String requestId, Permit permit) {
    if (settings.adaptive()) {
      boolean grew;
      synchronized (this) {
        grew = account.onAccepted(inFlight);
      }
      if (grew) {
        drain(); // a slow start's growth may let a waiter go
      }
    }
    Duration max = maxHold;
    Disposable expiry =
        max == null
            ? null
            : timer.schedule(() -> expire(requestId), max.toNanos(), TimeUnit.NANOSECONDS);
    Held previous = held.put(requestId, new Held(permit, expiry));
    if (previous != null && previous.expiry() != null) {
      previous.expiry().dispose();
    }
  }

  /** Permits parked under a request_id now. */
  public int heldCount() {
    return held.size();
  }

  private void expire(String requestId) {
    Held h = held.remove(requestId);
    if (h != null) {
      log.warn(
          "flow control: the permit of request {} was released after {} s without its terminal status seen in this process",
          requestId,
          maxHold == null ? "?" : maxHold.toSeconds());
      h.permit().release();
    }
  }

  /**
   * Releases the permit parked under {@code requestId}, if any.
   *
   * @param ok whether the job ended accepted by the provider (grows the adaptive limit) or not
   * @return whether a permit was parked under it (false after a restart: the job was taken before)
   */
  public boolean terminal(String requestId, boolean ok) {
    Held h = held.remove(requestId);
    if (h == null) {
      return false;
    }
    if (h.expiry() != null) {
      h.expiry().dispose();
    }
    Permit p = h.permit();
    if (ok && settings.speculation() > 0) {
      long now = timer.now(TimeUnit.NANOSECONDS);
      long running = p.runningAtNanos;
      // the end lies between the last check that found the job running and now; a job never seen
      // running is recorded with its whole time (its first check may come well after its end)
      long end = running > p.acquiredNanos ? running + (now - running) / 2 : now;
      synchronized (this) {
        forecasts.computeIfAbsent(p.modelId, m -> new SlotForecast()).record(end - p.acquiredNanos);
      }
    }
    if (ok) {
      p.success();
    } else {
      p.release();
    }
    return true;
  }

  private void cancelled(Waiter w) {
    Permit granted;
    synchronized (this) {
      if (queue.remove(w)) {
        return;
      }
      granted = w.permit;
    }
    if (granted != null) {
      granted.release();
    }
  }

  private void drain() {
    if (wip.getAndIncrement() != 0) {
      return;
    }
    do {
      List<Waiter> grants = grantWhatFits();
      for (Waiter w : grants) {
        w.sink.success(w.permit);
      }
    } while (wip.decrementAndGet() != 0);
  }

  private synchronized List<Waiter> grantWhatFits() {
    List<Waiter> grants = new ArrayList<>();
    long now = timer.now(TimeUnit.NANOSECONDS);
    long pause = account.pauseRemainingNanos(now);
    if (pause > 0) {
      backlog = !queue.isEmpty();
      if (backlog) {
        wakeIn(now, pause);
      }
      return grants;
    }
    boolean rateBound = false;
    Iterator<Waiter> it = queue.iterator();
    while (it.hasNext() && inFlight < account.limit()) {
      Waiter w = it.next();
      int m = modelInFlight.getOrDefault(w.modelId, 0);
      if (m >= settings.modelLimits().getOrDefault(w.modelId, settings.perModelLimit())) {
        continue;
      }
      if (rate != null) {
        long wait = rate.tryTake(now);
        if (wait > 0) {
          wakeIn(now, wait);
          rateBound = true;
          break;
        }
      }
      it.remove();
      inFlight++;
      modelInFlight.put(w.modelId, m + 1);
      w.permit = new Permit(w.modelId, now, inFlight, false);
      grants.add(w);
    }
    if (settings.speculation() > 0 && !rateBound && !queue.isEmpty()) {
      speculate(now, grants);
    }
    backlog = !queue.isEmpty();
    if (backlog) {
      lastSaturatedNanos = now;
      everSaturated = true;
    }
    return grants;
  }

  /**
   * Grants permits above the account limit while the forecast says that enough held jobs have ended
   * unseen (see the class comment). Called with the lock held, after the grants within the limits.
   */
  private void speculate(long now, List<Waiter> grants) {
    int limit = account.limit();
    if (inFlight < limit) {
      return; // the waiters left are held back by their models' limits, not the account's
    }
    if (now < speculationPausedUntilNanos) {
      wakeIn(now, speculationPausedUntilNanos - now);
      return;
    }
    double[] ended = null;
    while (inFlight - limit < limit) {
      Waiter w = firstSpeculable();
      if (w == null) {
        return;
      }
      if (ended == null) {
        ended = endedUnseen(now);
      }
      if (SlotForecast.atLeast(inFlight - limit + 1, ended) < settings.speculation()) {
        wakeIn(now, TimeUnit.MILLISECONDS.toNanos(SPECULATION_TICK_MS));
        return;
      }
      if (rate != null) {
        long wait = rate.tryTake(now);
        if (wait > 0) {
          wakeIn(now, wait);
          return;
        }
      }
      queue.remove(w);
      inFlight++;
      modelInFlight.merge(w.modelId, 1, Integer::sum);
      w.permit = new Permit(w.modelId, now, inFlight, true);
      grants.add(w);
      speculativeGrants++;
    }
  }

  /**
   * The first waiter that may take a speculative permit: not {@linkplain #acquireFirm firm}, and
   * its model below its own limit unless that limit is no lower than the account's (then the
   * account limit is the one the provider enforces).
   */
  private @Nullable Waiter firstSpeculable() {
    for (Waiter w : queue) {
      int modelLimit = settings.modelLimits().getOrDefault(w.modelId, settings.perModelLimit());
      if (!w.firm
          && (modelInFlight.getOrDefault(w.modelId, 0) < modelLimit
              || modelLimit >= settings.accountMax())) {
        return w;
      }
    }
    return null;
  }

  /**
   * For each parked permit, the probability that its job has ended since the last check that found
   * it running; 0 for a model with fewer than {@link #SPECULATION_MIN_SAMPLES} run times on record.
   */
  private double[] endedUnseen(long now) {
    List<Permit> permits = new ArrayList<>(held.size());
    for (Held h : held.values()) {
      permits.add(h.permit());
    }
    double[] p = new double[permits.size()];
    for (int i = 0; i < p.length; i++) {
      Permit permit = permits.get(i);
      SlotForecast f = forecasts.get(permit.modelId);
      if (f != null && f.samples() >= SPECULATION_MIN_SAMPLES) {
        p[i] =
            f.endedSince(permit.runningAtNanos - permit.acquiredNanos, now - permit.acquiredNanos);
      }
    }
    return p;
  }

  private void wakeIn(long now, long delayNanos) {
    long at = now + delayNanos;
    if (wake != null && !wake.isDisposed() && wakeAtNanos <= at) {
      return;
    }
    if (wake != null) {
      wake.dispose();
    }
    wakeAtNanos = at;
    wake =
        timer.schedule(
            () -> {
              synchronized (this) {
                wakeAtNanos = Long.MAX_VALUE;
              }
              drain();
            },
            delayNanos,
            TimeUnit.NANOSECONDS);
  }

  /** How a {@link Permit} ended, which decides what its release tells the adaptive limit. */
  enum ReleaseKind {
    /** The job ended without a 429: may grow the limit. */
    SUCCESS,
    /** The provider answered 429: shrinks the limit and pauses acquisitions. */
    REJECTED,
    /** Any other end: no signal to the limit. */
    NEUTRAL
  }

  private void onRelease(Permit p, ReleaseKind kind, @Nullable Duration retryAfter) {
    synchronized (this) {
      long now = timer.now(TimeUnit.NANOSECONDS);
      int before = inFlight;
      inFlight--;
      modelInFlight.merge(p.modelId, -1, (a, b) -> a + b == 0 ? null : a + b);
      if (kind == ReleaseKind.REJECTED && p.speculative) {
        // a guess the provider refused: pause the guessing only (see the class comment)
        speculativeRejects++;
        speculationPausedUntilNanos = now + TimeUnit.MILLISECONDS.toNanos(SPECULATION_BACKOFF_MS);
        account.onGuessRefused(now);
      } else if (kind == ReleaseKind.SUCCESS) {
        account.onSuccess(now, now - p.acquiredNanos, Math.max(before, p.inFlightAtGrant));
      } else if (kind == ReleaseKind.REJECTED) {
        long applied = account.onRejected(now, before - 1, retryAfter);
        if (retryAfter != null && applied > 0 && applied < nanos(retryAfter)) {
          log.warn(
              "flow control: the provider asked to pause for {} ms (Retry-After); pausing {} ms, the longest pause allowed",
              millis(retryAfter),
              TimeUnit.NANOSECONDS.toMillis(applied));
        }
      }
    }
    drain();
  }

  private static long nanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  private static long millis(Duration d) {
    try {
      return d.toMillis();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  private static final class Waiter {
    final String modelId;
    final MonoSink<Permit> sink;
    final boolean firm;
    @Nullable Permit permit;

    Waiter(String modelId, MonoSink<Permit> sink, boolean firm) {
      this.modelId = modelId;
      this.sink = sink;
      this.firm = firm;
    }
  }

  /** One granted slot. Released exactly once; later releases are ignored. */
  public final class Permit {
    private final String modelId;
    private final long acquiredNanos;
    private final int inFlightAtGrant;
    private final boolean speculative;
    private final AtomicBoolean released = new AtomicBoolean();

    /** When a status check last found this permit's job queued or running (gate clock, ns). */
    private volatile long runningAtNanos;

    private Permit(String modelId, long acquiredNanos, int inFlightAtGrant, boolean speculative) {
      this.modelId = modelId;
      this.acquiredNanos = acquiredNanos;
      this.inFlightAtGrant = inFlightAtGrant;
      this.speculative = speculative;
      this.runningAtNanos = acquiredNanos;
    }

    /**
     * Whether this permit was granted above the account limit on the forecast ({@link
     * Settings#speculation()}): its 429 is a refused guess, and the job should wait again with
     * {@link FlowControl#acquireFirm}.
     */
    public boolean speculative() {
      return speculative;
    }

    /** The model this permit counts against. */
    public String modelId() {
      return modelId;
    }

    /** Whether it was released. */
    public boolean released() {
      return released.get();
    }

    /** The job ended without a 429 (a terminal status, or a call answered): may grow the limit. */
    public void success() {
      if (released.compareAndSet(false, true)) {
        onRelease(this, ReleaseKind.SUCCESS, null);
      }
    }

    /**
     * The provider refused the job with a 429: shrinks the adaptive limit and pauses acquisitions
     * (a {@linkplain #speculative() speculative} permit pauses only the speculation).
     *
     * @param retryAfter the answer's {@code Retry-After}, or {@code null} when absent
     */
    public void rejected(@Nullable Duration retryAfter) {
      if (released.compareAndSet(false, true)) {
        onRelease(this, ReleaseKind.REJECTED, retryAfter);
      }
    }

    /** Any other end (an error, a cancel, a submit never sent): no signal to the limit. */
    public void release() {
      if (released.compareAndSet(false, true)) {
        onRelease(this, ReleaseKind.NEUTRAL, null);
      }
    }
  }
}
