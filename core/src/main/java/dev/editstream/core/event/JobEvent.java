package dev.editstream.core.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.editstream.core.job.Job;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The versioned JSON envelope of every state change of a job. Each event carries the whole job
 * and everything learnt so far, so a stage needs nothing but its input record.
 *
 * <p>Secrets: only {@code requested} events (and their retries on the router's delay topic) carry
 * the job's input URLs whole, because the router needs them to submit. Every later event ({@code
 * submitted}, {@code completed}, {@code done}, {@code failed} and their retries) is built from
 * {@link Job#redacted()} and a {@link dev.editstream.core.Redact#urls redacted} body, so the query
 * strings of pre-signed URLs (their signatures) are never copied downstream. A {@link
 * #replayed(Instant) replay} of such a job therefore has no signatures: it says so in its history
 * (reason {@value #INPUTS_REDACTED}); jobs with pre-signed inputs are replayed by producing their
 * line again.
 *
 * <p>Wire shape (snake_case): {@code {"v":1, "type":"submitted", "job_id", "at", "job":{...},
 * "route":{...}, "submission":{...}, "outputs":[...], "files":[...], "failure":{...},
 * "attempt":1, "due_at", "history":[...]}}; absent parts are omitted.
 *
 * @param v envelope version, {@link #VERSION}
 * @param type which state change
 * @param jobId the job's id (also the Kafka record key)
 * @param at when the event was made
 * @param job the job
 * @param route the routing decision (from {@code submitted} on)
 * @param body the request body sent to RunComfy (from {@code submitted} on)
 * @param submission RunComfy's request (from {@code submitted} on)
 * @param outputs output URLs found in the result's {@code output} (from {@code completed} on)
 * @param files downloaded files ({@code done})
 * @param failure why the job failed ({@code failed})
 * @param attempt the 1-based attempt of the stage that consumes this event; &gt; 1 on a delay topic
 * @param dueAt when a record on a delay topic becomes due, or {@code null}
 * @param history earlier failed attempts, oldest first
 * @param createdAt when the producer accepted the job (the per-job deadline counts from here)
 * @param replays how many times the job was replayed from the failure topic ({@code editstream
 *     replay}); 0 for the first run
 * @param parts when the job was split into several RunComfy requests (a Nano Banana batch over
 *     20 images), every request in order ({@code submission} is the first); else {@code null}
 * @param remote the actual cost and deadline facts of the finished request(s) (from {@code
 *     completed} on), or {@code null}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobEvent(
    int v,
    EventType type,
    String jobId,
    Instant at,
    Job job,
    RouteDecision route,
    java.util.Map<String, Object> body,
    Submission submission,
    List<String> outputs,
    List<OutputFile> files,
    Failure failure,
    int attempt,
    Instant dueAt,
    List<Attempt> history,
    Instant createdAt,
    int replays,
    List<Submission> parts,
    RemoteRun remote) {

  /** The envelope version this code writes and reads. */
  public static final int VERSION = 1;

  /** The history reason of a replay whose inputs lost their query strings (pre-signed URLs). */
  public static final String INPUTS_REDACTED = "inputs_redacted";

  /**
   * @throws NullPointerException naming {@code type}, {@code job_id} or {@code at} when absent
   */
  public JobEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(jobId, "job_id");
    Objects.requireNonNull(at, "at");
    history = history == null ? List.of() : List.copyOf(history);
    attempt = Math.max(1, attempt);
    createdAt = createdAt == null ? at : createdAt;
    replays = Math.max(0, replays);
    parts = parts == null || parts.isEmpty() ? null : List.copyOf(parts);
  }

  /** Every RunComfy request of the job: the parts of a split batch, else the one submission. */
  public List<Submission> requests() {
    if (parts != null) {
      return parts;
    }
    return submission == null ? List.of() : List.of(submission);
  }

  /**
   * The same event under the id {@code <job id>.part-<k>}: the key of one request of a split batch
   * in the submission ledger (never published as a job of its own).
   */
  public JobEvent asPart(int k) {
    return new JobEvent(v, type, jobId + ".part-" + k, at, job, route, body, submission, outputs, files, failure, attempt, dueAt, history,
        createdAt, replays, parts, remote);
  }

  /** A copy whose requests are {@code all} (the first one becomes {@code submission}). */
  public JobEvent withParts(List<Submission> all) {
    return new JobEvent(v, type, jobId, at, job, route, body, all.get(0), outputs, files, failure, attempt, dueAt, history, createdAt,
        replays, all.size() > 1 ? all : null, remote);
  }

  /** A new job accepted by the producer. */
  public static JobEvent requested(Job job, Instant now) {
    return requested(job, now, 0);
  }

  /**
   * A job accepted by the producer for run {@code replays} of its id: 0 the first time, the
   * previous run's count + 1 for an explicit re-run ({@code editstream run --rerun}).
   *
   * @throws IllegalArgumentException when {@code replays} is negative
   */
  public static JobEvent requested(Job job, Instant now, int replays) {
    if (replays < 0) {
      throw new IllegalArgumentException("replays must be >= 0, was " + replays);
    }
    return new JobEvent(VERSION, EventType.REQUESTED, job.id(), now, job, null, null, null, null, null, null, 1, null, List.of(), now, replays,
        null, null);
  }

  /** The router submitted the job. */
  public JobEvent submitted(RouteDecision r, java.util.Map<String, Object> sentBody, Submission s, Instant now) {
    return new JobEvent(VERSION, EventType.SUBMITTED, jobId, now, safe(job), r, dev.editstream.core.Redact.urlsIn(sentBody), s, null, null, null, 1,
        null, history, createdAt, replays, parts, null);
  }

  /** RunComfy finished the request with these output URLs. */
  public JobEvent completed(List<String> outputUrls, Instant now) {
    return completed(outputUrls, null, now);
  }

  /** RunComfy finished the request with these output URLs, at this cost (or {@code null}). */
  public JobEvent completed(List<String> outputUrls, RemoteRun run, Instant now) {
    return new JobEvent(VERSION, EventType.COMPLETED, jobId, now, safe(job), route, dev.editstream.core.Redact.urlsIn(body), submission,
        List.copyOf(outputUrls), null, null, 1, null, history, createdAt, replays, parts, run);
  }

  /** Every output is on disk. */
  public JobEvent done(List<OutputFile> downloaded, Instant now) {
    return new JobEvent(VERSION, EventType.DONE, jobId, now, safe(job), route, dev.editstream.core.Redact.urlsIn(body), submission, outputs,
        List.copyOf(downloaded), null, 1, null, history, createdAt, replays, parts, remote);
  }

  /** The job failed for good. */
  public JobEvent failed(Failure f, Instant now) {
    return new JobEvent(VERSION, EventType.FAILED, jobId, now, safe(job), route, dev.editstream.core.Redact.urlsIn(body), submission, outputs,
        files, f, attempt, null, history, createdAt, replays, parts, remote);
  }

  /**
   * The job again as a fresh {@code requested} event for a replay from the failure topic: history
   * kept, attempts reset, {@code replays} + 1.
   */
  public JobEvent replayed(Instant now) {
    List<Attempt> h = history;
    if (job != null && job.hasRedactedInputs()) {
      h = new ArrayList<>(history);
      h.add(new Attempt(Stage.PRODUCER, 65, INPUTS_REDACTED, "replay " + (replays + 1) + ": the job's input URLs lost their query strings"
          + " (pre-signed URL signatures are never kept after the submit); produce the job line again to run it with signed inputs", now));
    }
    return new JobEvent(VERSION, EventType.REQUESTED, jobId, now, job, null, null, null, null, null, null, 1, null, h, now, replays + 1, null, null);
  }

  /** This event again, for the next attempt of its consuming stage, due at {@code due}. */
  public JobEvent retry(Attempt failedAttempt, Instant due) {
    return retry(failedAttempt, due, attempt + 1);
  }

  /**
   * This event again, due at {@code due}, as attempt {@code nextAttempt} of its consuming stage
   * (2 after an attempt that made progress before it failed: see {@code RetryPolicy.attemptFailed}).
   *
   * @throws IllegalArgumentException if {@code nextAttempt} &lt; 2
   */
  public JobEvent retry(Attempt failedAttempt, Instant due, int nextAttempt) {
    if (nextAttempt < 2) {
      throw new IllegalArgumentException("a retry is attempt 2 or later, was " + nextAttempt);
    }
    List<Attempt> h = new ArrayList<>(history);
    h.add(failedAttempt);
    boolean keep = type == EventType.REQUESTED; // the router needs the signed inputs to submit
    return new JobEvent(VERSION, type, jobId, at, keep ? job : safe(job), route, keep ? body : dev.editstream.core.Redact.urlsIn(body), submission,
        outputs, files, failure, nextAttempt, due, h, createdAt, replays, parts, remote);
  }

  /** The job as every event after {@code requested} carries it. */
  private static Job safe(Job j) {
    return j == null ? null : j.redacted();
  }
}
