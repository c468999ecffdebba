package dev.editstream.poller;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

/**
 * The thin Reactor side of a {@link StatusCallBudget}: a due check {@link #acquire acquires} a call
 * and goes on when the budget grants it. Nothing blocks: a check the budget cannot grant yet waits
 * in it, and one task on the timer hands out the next calls when the bucket holds them. Time is the
 * timer's ({@link Scheduler#now}), so virtual time drives it in tests.
 */
final class StatusCallGate {
  /** Shortest wait between two hand-outs: the timer's clock may tell whole milliseconds only. */
  static final long MIN_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final StatusCallBudget<Waiter> budget;
  private final Scheduler timer;
  private final Object lock = new Object();
  private @Nullable Disposable pending;
  private long pendingAt = Long.MAX_VALUE;

  /** A check waiting for its call, known by identity. */
  private static final class Waiter {
    final MonoSink<Void> sink;

    Waiter(MonoSink<Void> sink) {
      this.sink = sink;
    }
  }

  StatusCallGate(StatusCallBudget.Settings settings, Scheduler timer) {
    this.timer = timer;
    this.budget = new StatusCallBudget<>(settings, now());
  }

  /** The time on the budget's line, ns (the timer's clock). */
  long now() {
    return timer.now(TimeUnit.NANOSECONDS);
  }

  /** The budget (for its rate and counts). */
  StatusCallBudget<?> budget() {
    return budget;
  }

  /** A job of the account started to be followed (raises the rate's floor). */
  void jobStarted() {
    budget.jobStarted(now());
  }

  /** A job of the account stopped being followed. */
  void jobEnded() {
    budget.jobEnded(now());
  }

  /**
   * Completes (empty) when the budget grants this check a call; cancelling it withdraws the check.
   *
   * @param likelihood the check's worth over time (see {@link StatusCallBudget.Likelihood})
   */
  Mono<Void> acquire(StatusCallBudget.Likelihood likelihood) {
    return Mono.create(
        sink -> {
          Waiter w = new Waiter(sink);
          sink.onCancel(
              () -> {
                synchronized (lock) {
                  budget.withdraw(w);
                }
              });
          List<Waiter> go;
          synchronized (lock) {
            long now = now();
            budget.offer(w, likelihood, now);
            go = budget.grant(now);
            arm(now);
          }
          release(go);
        });
  }

  private void drain() {
    List<Waiter> go;
    synchronized (lock) {
      pending = null;
      pendingAt = Long.MAX_VALUE;
      long now = now();
      go = budget.grant(now);
      arm(now);
    }
    release(go);
  }

  /** Schedules the next hand-out while checks wait (under the lock). */
  private void arm(long now) {
    long at = budget.nextGrantNanos(now);
    if (at == Long.MAX_VALUE) {
      return;
    }
    at = Math.max(at, now + MIN_WAIT_NANOS);
    if (pending != null && pendingAt <= at) {
      return;
    }
    if (pending != null) {
      pending.dispose();
    }
    pendingAt = at;
    pending = timer.schedule(this::drain, at - now, TimeUnit.NANOSECONDS);
  }

  private static void release(List<Waiter> go) {
    for (Waiter w : go) {
      w.sink.success();
    }
  }
}
