package dev.editstream.poller;

import java.time.Duration;
import java.util.Objects;

/**
 * The poll wait while the provider's cap binds. Pure (no I/O, no clock).
 *
 * <p>A flow-control slot is freed only when its job's end is seen, so while other submissions wait
 * for a slot every millisecond between a job's remote end and the status check that sees it is a
 * millisecond of the provider's capacity left unused. Then a job that may have ended is checked
 * every {@code dense}; before its earliest plausible end (the model's learned early latency
 * quantile) it is not checked at all. A job still queued at the provider cannot have ended and
 * keeps the schedule's wait, as does every job while no submission waits.
 */
public final class SlotBoundWait {
  private SlotBoundWait() {}

  /**
   * @param scheduled the wait the normal (smart or fixed) schedule asks for
   * @param elapsed time since submission
   * @param earliestEnd the earliest the job is expected to end, from submission ({@link
   *     Duration#ZERO} when unknown)
   * @param slotBound whether other submissions waited for a flow-control slot when the job was
   *     submitted (the event's {@code slot_bound})
   * @param queued whether the last status said the job is queued ({@code queue_position} &gt; 0)
   * @param dense the wait between checks once the job may have ended, &gt; 0
   * @return the wait before the next check: never longer than {@code scheduled}
   * @throws IllegalArgumentException if {@code dense} is not positive
   */
  public static Duration next(
      Duration scheduled,
      Duration elapsed,
      Duration earliestEnd,
      boolean slotBound,
      boolean queued,
      Duration dense) {
    Objects.requireNonNull(scheduled, "scheduled");
    if (dense == null || dense.isZero() || dense.isNegative()) {
      throw new IllegalArgumentException("dense must be > 0");
    }
    if (!slotBound || queued || scheduled.compareTo(dense) <= 0) {
      return scheduled;
    }
    Duration untilEarliest = earliestEnd.minus(elapsed);
    Duration wait = untilEarliest.compareTo(dense) > 0 ? untilEarliest : dense;
    return wait.compareTo(scheduled) < 0 ? wait : scheduled;
  }
}
