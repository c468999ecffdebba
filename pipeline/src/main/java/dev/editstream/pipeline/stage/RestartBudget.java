package dev.editstream.pipeline.stage;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;

/**
 * When a stage chain that ended in error is started again, and when the process should give up and
 * exit so that its supervisor (systemd, Kubernetes, compose's restart policy) starts a fresh one.
 * Pure and single-threaded: the caller passes the time and serializes calls.
 *
 * <p>Rule: the {@code n}-th failure within {@code window} (counting itself) is answered with a
 * restart after {@code min(maxDelay, baseDelay * 2^(n-1))}; the failure that would be the {@code
 * (maxRestarts + 1)}-th within the window is answered with give-up. Failures older than the window
 * are forgotten, so a chain that fails once a day restarts for ever.
 *
 * @param maxRestarts restarts allowed within {@code window}, &gt;= 0 (0: give up at the first
 *     failure)
 * @param window the sliding window the restarts are counted in, &gt; 0
 * @param baseDelay the delay before the first restart in a window, &gt; 0
 * @param maxDelay the longest delay, &gt;= baseDelay
 */
public record RestartBudget(
    int maxRestarts, Duration window, Duration baseDelay, Duration maxDelay) {
  /** The defaults: 5 restarts in 5 minutes, 1 s doubling up to 30 s. */
  public static final RestartBudget DEFAULT =
      new RestartBudget(5, Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofSeconds(30));

  /**
   * @throws IllegalArgumentException naming the field that breaks its rule
   */
  public RestartBudget {
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(baseDelay, "baseDelay");
    Objects.requireNonNull(maxDelay, "maxDelay");
    if (maxRestarts < 0) {
      throw new IllegalArgumentException("maxRestarts must be >= 0, was " + maxRestarts);
    }
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("window must be > 0, was " + window);
    }
    if (baseDelay.isNegative() || baseDelay.isZero()) {
      throw new IllegalArgumentException("baseDelay must be > 0, was " + baseDelay);
    }
    if (maxDelay.compareTo(baseDelay) < 0) {
      throw new IllegalArgumentException("maxDelay must be >= baseDelay, was " + maxDelay);
    }
  }

  /**
   * What to do after a failure.
   *
   * @param restart true: start the chain again after {@code delay}; false: give up (exit)
   * @param delay the wait before the restart; zero when giving up
   * @param inWindow failures within the window, this one included
   */
  public record Decision(boolean restart, Duration delay, int inWindow) {}

  /**
   * The failures of one chain within the window: the state a {@link RestartBudget} decides over.
   */
  public static final class Tracker {
    private final RestartBudget budget;
    private final Deque<Instant> failures = new ArrayDeque<>();

    /**
     * @param budget the rule
     */
    public Tracker(RestartBudget budget) {
      this.budget = Objects.requireNonNull(budget, "budget");
    }

    /**
     * Records a failure at {@code now} and decides.
     *
     * @param now the time of the failure (non-decreasing across calls)
     * @return restart after a delay, or give up
     */
    public Decision failed(Instant now) {
      Instant horizon = now.minus(budget.window());
      while (!failures.isEmpty() && !failures.peekFirst().isAfter(horizon)) {
        failures.pollFirst();
      }
      failures.addLast(now);
      int n = failures.size();
      if (n > budget.maxRestarts()) {
        return new Decision(false, Duration.ZERO, n);
      }
      return new Decision(true, budget.delay(n), n);
    }
  }

  /**
   * The delay before the {@code n}-th restart within a window (1-based): {@code min(maxDelay,
   * baseDelay * 2^(n-1))}.
   */
  public Duration delay(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1, was " + n);
    }
    int shift = Math.min(n - 1, 40);
    long ms = baseDelay.toMillis();
    long d = ms > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : ms << shift;
    return d >= maxDelay.toMillis() ? maxDelay : Duration.ofMillis(d);
  }
}
