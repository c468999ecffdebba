package dev.editstream.app;

import dev.editstream.core.event.FailureReason;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Stage;
import org.jspecify.annotations.Nullable;

/**
 * Whether a failed job may be replayed. Pure.
 *
 * <p>A job whose POST may have created a paid request (reason {@code may_have_been_submitted}, or
 * {@code deadline_not_cancellable}: RunComfy may still finish and bill it) is replayed only with
 * the operator's explicit consent ({@code --resubmit-uncertain}): RunComfy has no idempotency key,
 * and its own clients never re-send a paid POST after an uncertain answer ({@code
 * runcomfy-live-contract.md} §4).
 */
public final class ReplayRule {
  /** The failure reasons after which a request may exist (and be billed). */
  public static final java.util.Set<FailureReason> UNCERTAIN =
      java.util.Set.of(
          FailureReason.MAY_HAVE_BEEN_SUBMITTED, FailureReason.DEADLINE_NOT_CANCELLABLE);

  private ReplayRule() {}

  /** As {@link #refusal(JobEvent, int, boolean)} without consent to re-submit uncertain jobs. */
  public static @Nullable String refusal(JobEvent failed, int maxReplays) {
    return refusal(failed, maxReplays, false);
  }

  /**
   * @param failed the job's latest failed event
   * @param maxReplays the replay cap, &gt;= 0
   * @param resubmitUncertain the operator's consent to POST again a job that may have been
   *     submitted
   * @return why it must not be replayed, or {@code null} when it may
   */
  public static @Nullable String refusal(
      JobEvent failed, int maxReplays, boolean resubmitUncertain) {
    if (!resubmitUncertain
        && failed.failure() != null
        && UNCERTAIN.contains(failed.failure().reason())) {
      return "it may have been submitted already ("
          + failed.failure().reasonText()
          + "): check your RunComfy requests, and if it did "
          + "not run, replay it with --resubmit-uncertain (a second POST is a second payment)";
    }
    if (failed.failure() != null && failed.failure().stage() == Stage.PRODUCER) {
      return "a refused job-file line: fix the line and produce it again";
    }
    if (failed.replays() >= maxReplays) {
      return "already replayed " + failed.replays() + " times (--max-replays " + maxReplays + ")";
    }
    return null;
  }
}
