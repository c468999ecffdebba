package dev.editstream.app;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.event.EventType;
import dev.editstream.core.event.Failure;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Stage;
import dev.editstream.core.event.Topics;
import dev.editstream.core.job.Job;
import dev.editstream.pipeline.kafka.EventPublisher;
import dev.editstream.runcomfy.CancelOutcome;
import dev.editstream.runcomfy.RunComfyClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Cancels jobs of a batch, as RunComfy allows: a job not submitted yet is withdrawn (a {@code
 * failed} event, reason {@code cancelled}, class 75, stage router: the router's terminal guard then
 * never submits it); a submitted request still queued at RunComfy is cancelled ({@code POST
 * .../cancel}; the poller then ends the job {@code remote_cancelled}); a request already running
 * cannot be cancelled ({@code not_cancellable}: RunComfy finishes and bills it, {@code
 * runcomfy-live-contract.md} §4), so it is reported and left to finish and be downloaded; a job
 * completed or ended is left as it is.
 *
 * <p>Limit: a job the router is submitting at the very moment of the withdrawal may still be
 * submitted; it then ends with both events and reads as failed.
 */
final class BatchCanceller {
  /** The failure reason of a withdrawn job. */
  static final FailureReason REASON = FailureReason.CANCELLED;

  /** What cancelling does to one job, from its fold. Pure. */
  enum Step {
    /** Not submitted: withdrawn. */
    WITHDRAW,
    /** Submitted, not completed: cancel at RunComfy. */
    CANCEL_REMOTE,
    /** Completed, being downloaded, or ended: nothing to do. */
    LEAVE;

    static Step of(JobFold f) {
      if (f == null || f.terminal()) {
        return f == null ? WITHDRAW : LEAVE;
      }
      return switch (f.phase()) {
        case REQUESTED -> WITHDRAW;
        case SUBMITTED -> f.requestId() == null ? WITHDRAW : CANCEL_REMOTE;
        default -> LEAVE;
      };
    }
  }

  /**
   * What was done.
   *
   * @param withdrawn jobs withdrawn before their submit
   * @param cancelled requests cancelled at RunComfy (job id → request_id)
   * @param running requests RunComfy would not cancel: they finish and are billed
   * @param errors job id → why the cancel call failed
   * @param left jobs completed, downloading or ended: nothing done
   */
  record Report(
      List<String> withdrawn,
      Map<String, String> cancelled,
      Map<String, String> running,
      Map<String, String> errors,
      int left) {}

  private BatchCanceller() {}

  /**
   * Cancels {@code jobs}.
   *
   * @param folds the fold of each job id (null when the topics have no event of it)
   * @param client RunComfy, for the cancel calls (its token)
   * @throws IllegalStateException if the broker does not acknowledge a withdrawal within 2 minutes
   */
  static Report cancel(
      Map<String, JobFold> folds,
      EventPublisher publisher,
      Topics topics,
      RunComfyClient client,
      Clock clock) {
    List<String> withdrawn = new ArrayList<>();
    Map<String, String> cancelled = new java.util.TreeMap<>();
    Map<String, String> running = new java.util.TreeMap<>();
    Map<String, String> errors = new java.util.TreeMap<>();
    int left = 0;
    for (Map.Entry<String, JobFold> e : new java.util.TreeMap<>(folds).entrySet()) {
      JobFold f = e.getValue();
      switch (Step.of(f)) {
        case WITHDRAW -> {
          publisher
              .publish(topics.failed(), withdrawal(e.getKey(), f, clock))
              .block(Duration.ofMinutes(2));
          withdrawn.add(e.getKey());
        }
        case CANCEL_REMOTE -> {
          try {
            // CANCEL_REMOTE: the job has a request_id
            String requestId = Objects.requireNonNull(f.requestId(), "requestId");
            CancelOutcome o = client.cancel(requestId).block(Duration.ofMinutes(2));
            if (o != null && o.cancelled()) {
              cancelled.put(e.getKey(), f.requestId());
            } else {
              running.put(e.getKey(), f.requestId());
            }
          } catch (RuntimeException x) {
            errors.put(e.getKey(), dev.editstream.core.Redact.text(String.valueOf(x.getMessage())));
          }
        }
        case LEAVE -> left++;
      }
    }
    return new Report(withdrawn, cancelled, running, errors, left);
  }

  /** The failed event that withdraws a job not submitted yet (for its latest run). */
  static JobEvent withdrawal(String jobId, JobFold f, Clock clock) {
    Job placeholder =
        new Job(jobId, "", List.of(), null, null, null, Map.of(), f == null ? null : f.batch());
    Failure why =
        new Failure(
            ExitClass.TEMPFAIL,
            REASON,
            "cancelled before it was submitted (editstream cancel or Ctrl-C); "
                + "run it again with `editstream run FILE --rerun-failed` or `--rerun "
                + jobId
                + "`",
            Stage.ROUTER,
            1);
    return JobEvent.requested(placeholder, clock.instant(), f == null ? 0 : f.replays())
        .failed(why, clock.instant());
  }

  /**
   * Whether a job is waiting for its submit (the jobs a Ctrl-C "finish" leaves for the next run).
   */
  static boolean queued(@Nullable JobFold f) {
    return f == null || (!f.terminal() && f.phase() == EventType.REQUESTED);
  }
}
