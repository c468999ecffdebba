package dev.editstream.poller;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The account's latest sign, read from the {@code submitted} events this poller receives, that the
 * router's submissions wait for provider slots ({@link
 * dev.editstream.core.event.Submission#slotBound()}), and a wake-up for the jobs that poll on their
 * normal schedule when that sign appears.
 *
 * <p>Why: the router sets {@code slot_bound} on a job when other submissions waited for a slot at
 * the moment RunComfy accepted its POST (or did within the last 5 s). At a batch's start the first
 * jobs are accepted before any submission reaches the gate, so the whole first wave carried {@code
 * false}, kept the smart schedule's sparse checks and held its slots for seconds after its ends
 * (bench (a): ~40 jobs seen 1-2.9 s late). A later event that says {@code true} tells this poller
 * that the same account's slots bind now, so every job it follows counts as slot-bound for {@link
 * #linger} after the latest such acceptance, and the ones sleeping on the normal schedule are woken
 * to ask again. Only topics carry the sign: the same in one process as in many.
 *
 * <p>Thread-safe. Times are wall-clock instants of the handler's clock (the acceptance times in the
 * events are the router's).
 */
final class SlotBoundSignal {
  private final Duration linger;
  private @Nullable Instant last;
  private Sinks.Empty<Void> wake = Sinks.empty();

  /**
   * @param linger how long after the latest slot-bound acceptance the account counts as bound,
   *     &gt;= 0
   * @throws IllegalArgumentException if {@code linger} is negative
   */
  SlotBoundSignal(Duration linger) {
    if (Objects.requireNonNull(linger, "linger").isNegative()) {
      throw new IllegalArgumentException("linger must be >= 0, was " + linger);
    }
    this.linger = linger;
  }

  /**
   * Notes one {@code submitted} event's flag. A {@code true} accepted later than the latest one
   * seen moves the sign forward; if the account was not bound at {@code now} before this event, the
   * jobs waiting on {@link #turnsBound()} are woken.
   *
   * @param slotBound the event's {@code slot_bound}
   * @param acceptedAt when RunComfy accepted the POST (the event's {@code submitted_at}), or {@code
   *     null} when unknown (then the event is ignored)
   * @param now the time of the decision
   */
  void seen(boolean slotBound, @Nullable Instant acceptedAt, Instant now) {
    if (!slotBound || acceptedAt == null) {
      return;
    }
    Sinks.Empty<Void> toWake = null;
    synchronized (this) {
      boolean before = boundAt(now);
      if (last == null || acceptedAt.isAfter(last)) {
        last = acceptedAt;
      }
      if (!before && boundAt(now)) {
        toWake = wake;
        wake = Sinks.empty();
      }
    }
    if (toWake != null) {
      toWake.tryEmitEmpty();
    }
  }

  /**
   * Whether a job counts as slot-bound at {@code now}: its own flag, or a slot-bound acceptance at
   * most {@link #linger} before {@code now}. Pure over the sign seen so far.
   */
  synchronized boolean boundAt(boolean own, Instant now) {
    return own || boundAt(now);
  }

  private boolean boundAt(Instant now) {
    Instant l = last;
    return l != null && !now.isAfter(l.plus(linger));
  }

  /** Completes (empty) the next time the account turns bound (see {@link #seen}). */
  synchronized Mono<Void> turnsBound() {
    return wake.asMono();
  }
}
