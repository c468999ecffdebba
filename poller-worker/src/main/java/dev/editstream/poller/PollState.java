package dev.editstream.poller;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What the poller knows about one RunComfy request between two checks, and the decisions that
 * follow from it alone. Immutable and pure: {@code now} is passed in.
 *
 * <p>Rules ({@code runcomfy-live-contract.md} §3 and §4, {@code runcomfy-model-api.md} "Polling"):
 *
 * <ul>
 *   <li>An unrecognised status word ({@link dev.editstream.runcomfy.RequestPhase#UNKNOWN}) is
 *       tolerated {@value #MAX_UNKNOWN_IN_A_ROW} times in a row less one: the {@value
 *       #MAX_UNKNOWN_IN_A_ROW}th consecutive one ends the job (RunComfy's CLI: "stopping instead of
 *       polling forever"); any recognised answer resets the count. RunComfy's clients disagree on
 *       the words, so one new word must not end a paid job at once.
 *   <li>Past the deadline ({@code submission + deadline}) the request is cancelled once. A cancel
 *       answered {@code not_cancellable} means it is running and RunComfy will finish and bill it:
 *       it is then followed to its end ({@link #followingPastDeadline()}) without further cancels,
 *       but not beyond the second deadline ({@code submission + 2 × deadline}).
 * </ul>
 *
 * @param checksDone status checks made so far for this request in this attempt (0 before the first)
 * @param queuePosition the last status's {@code queue_position}, or {@code null}
 * @param unknownInARow consecutive answers with an unrecognised status, 0 after a recognised one
 * @param followingPastDeadline whether the deadline passed and the cancel was answered {@code
 *     not_cancellable}
 */
public record PollState(
    int checksDone,
    @Nullable Integer queuePosition,
    int unknownInARow,
    boolean followingPastDeadline) {

  /**
   * The consecutive answers with an unrecognised status that end the job (the last one included).
   */
  public static final int MAX_UNKNOWN_IN_A_ROW = 3;

  /** What to do at a check, as far as the deadline is concerned. */
  public enum DeadlineStep {
    /** Within the deadline, or following a not-cancellable request within the second one: check. */
    CHECK,
    /** The deadline has passed and no cancel was answered {@code not_cancellable} yet: cancel. */
    CANCEL,
    /** Following a not-cancellable request and the second deadline has passed too: give up. */
    GIVE_UP
  }

  /** What the answer to the cancel sent past the deadline leads to. */
  public enum CancelStep {
    /**
     * Cancelled, or the cancel failed or answered nothing usable: the job fails (75, {@code
     * deadline}).
     */
    FAIL,
    /**
     * Not cancellable (it is running; RunComfy will finish and bill it): follow it to its end,
     * checking at once.
     */
    FOLLOW,
    /**
     * Not cancellable, and the second deadline has passed too: stop following (75, {@code
     * deadline_not_cancellable}).
     */
    GIVE_UP
  }

  /** Before the first check. */
  public static PollState start() {
    return new PollState(0, null, 0, false);
  }

  /**
   * After a check whose answer had a recognised status (queued, running, or a result not ready).
   */
  public PollState afterKnown(@Nullable Integer position) {
    return new PollState(checksDone + 1, position, 0, followingPastDeadline);
  }

  /** After a check whose answer had an unrecognised or missing status. */
  public PollState afterUnknown() {
    return new PollState(checksDone + 1, null, unknownInARow + 1, followingPastDeadline);
  }

  /** Once the cancel sent past the deadline was answered {@code not_cancellable}. */
  public PollState followPastDeadline() {
    return new PollState(checksDone, queuePosition, unknownInARow, true);
  }

  /**
   * Whether the provider answered a check in this attempt (recognised or not): a failure after that
   * is marked {@link dev.editstream.core.error.StageException#afterProgress()}, and counts as the
   * first of a new run of failures.
   */
  public boolean answered() {
    return checksDone > 0;
  }

  /** Whether unrecognised answers came {@value #MAX_UNKNOWN_IN_A_ROW} times in a row: stop. */
  public boolean tooManyUnknown() {
    return unknownInARow >= MAX_UNKNOWN_IN_A_ROW;
  }

  /**
   * The deadline decision at a check.
   *
   * @param now the time of the check
   * @param submittedAt when the request was submitted
   * @param deadline the longest time from submission to a terminal status, positive
   * @return {@link DeadlineStep#CANCEL} after {@code submittedAt + deadline} unless already
   *     following; {@link DeadlineStep#GIVE_UP} when following after {@code submittedAt + 2 ×
   *     deadline}; else {@link DeadlineStep#CHECK} (a check exactly at a deadline is still made)
   */
  public DeadlineStep deadlineStep(Instant now, Instant submittedAt, Duration deadline) {
    Objects.requireNonNull(now, "now");
    if (!followingPastDeadline) {
      return now.isAfter(deadlineAt(submittedAt, deadline))
          ? DeadlineStep.CANCEL
          : DeadlineStep.CHECK;
    }
    return now.isAfter(followCapAt(submittedAt, deadline))
        ? DeadlineStep.GIVE_UP
        : DeadlineStep.CHECK;
  }

  /**
   * The decision on the answer to the cancel sent past the deadline.
   *
   * @param notCancellable whether the cancel was answered {@code not_cancellable} (a failed cancel
   *     call, an empty answer and any other outcome are not)
   * @param now the time the answer came
   * @param submittedAt when the request was submitted
   * @param deadline the longest time from submission to a terminal status, positive
   * @return {@link CancelStep#FAIL} unless not cancellable; then {@link CancelStep#GIVE_UP} after
   *     {@code submittedAt + 2 × deadline}, else {@link CancelStep#FOLLOW}
   */
  public CancelStep afterCancel(
      boolean notCancellable, Instant now, Instant submittedAt, Duration deadline) {
    if (!notCancellable) {
      return CancelStep.FAIL;
    }
    return followPastDeadline().deadlineStep(now, submittedAt, deadline) == DeadlineStep.GIVE_UP
        ? CancelStep.GIVE_UP
        : CancelStep.FOLLOW;
  }

  /** {@code submittedAt + deadline}: when an unfinished request is cancelled. */
  public static Instant deadlineAt(Instant submittedAt, Duration deadline) {
    return submittedAt.plus(deadline);
  }

  /** {@code submittedAt + 2 × deadline}: how long a not-cancellable request is followed. */
  public static Instant followCapAt(Instant submittedAt, Duration deadline) {
    return submittedAt.plus(deadline.multipliedBy(2));
  }
}
