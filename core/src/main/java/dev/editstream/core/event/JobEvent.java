package dev.editstream.core.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.editstream.core.job.Job;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The versioned JSON envelope of every state change of a job. Each event carries the whole job and
 * everything learnt so far, so a stage needs nothing but its input record.
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
 * <p>Wire shape (snake_case): {@code {"v":2, "type":"submitted", "job_id", "at", "job":{...},
 * "route":{...}, "submission":{...}, "outputs":[...], "files":[...], "failure":{...}, "attempt":1,
 * "due_at", "history":[...]}}; absent parts are omitted.
 *
 * @param v envelope version, {@link #VERSION}
 * @param type which state change
 * @param jobId the job's id (also the Kafka record key)
 * @param at when the event was made
 * @param job the job
 * @param route the routing decision (from {@code submitted} on)
 * @param body the request body sent to RunComfy (from {@code submitted} on)
 * @param submission RunComfy's request (from {@code submitted} on)
 * @param outputs output URLs found in the result's {@code "output"} (from {@code completed} on)
 * @param files downloaded files ({@code done})
 * @param failure why the job failed ({@code failed})
 * @param attempt the 1-based attempt of the stage that consumes this event; &gt; 1 on a delay topic
 * @param dueAt when a record on a delay topic becomes due, or {@code null}
 * @param history earlier failed attempts, oldest first
 * @param createdAt when the producer accepted the job (the per-job deadline counts from here)
 * @param replays how many times the job was replayed from the failure topic ({@code editstream
 *     replay}); 0 for the first run
 * @param parts when the job was split into several RunComfy requests (a Nano Banana batch over 20
 *     images), every request in order ({@code submission} is the first); else {@code null}
 * @param remote the actual cost and deadline facts of the finished request(s) (from {@code
 *     completed} on), or {@code null}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobEvent(
    int v,
    EventType type,
    String jobId,
    Instant at,
    @Nullable Job job,
    @Nullable RouteDecision route,
    @Nullable Map<String, Object> body,
    @Nullable Submission submission,
    @Nullable List<String> outputs,
    @Nullable List<OutputFile> files,
    @Nullable Failure failure,
    int attempt,
    @Nullable Instant dueAt,
    List<Attempt> history,
    Instant createdAt,
    int replays,
    @Nullable List<Submission> parts,
    @Nullable RemoteRun remote) {

  /**
   * The envelope version this code writes: 2, where a failure's and an attempt's {@code exit_class}
   * is the {@link dev.editstream.core.error.ExitClass} name ({@code "TEMPFAIL"}).
   */
  public static final int VERSION = 2;

  /**
   * The oldest envelope version this code reads: 1, where {@code exit_class} is the numeric code
   * ({@code 75}).
   */
  public static final int MIN_VERSION = 1;

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
    return toBuilder().jobId(jobId + ".part-" + k).build();
  }

  /** A copy whose requests are {@code all} (the first one becomes {@code submission}). */
  public JobEvent withParts(List<Submission> all) {
    return toBuilder().submission(all.get(0)).parts(all.size() > 1 ? all : null).build();
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
    return builder(EventType.REQUESTED, job.id(), now)
        .job(job)
        .createdAt(now)
        .replays(replays)
        .build();
  }

  /** The router submitted the job. */
  public JobEvent submitted(
      RouteDecision r, Map<String, Object> sentBody, Submission s, Instant now) {
    return builder(EventType.SUBMITTED, jobId, now)
        .job(safe(job))
        .route(r)
        .body(dev.editstream.core.Redact.urlsIn(sentBody))
        .submission(s)
        .history(history)
        .createdAt(createdAt)
        .replays(replays)
        .parts(parts)
        .build();
  }

  /** RunComfy finished the request with these output URLs. */
  public JobEvent completed(List<String> outputUrls, Instant now) {
    return completed(outputUrls, null, now);
  }

  /** RunComfy finished the request with these output URLs, at this cost (or {@code null}). */
  public JobEvent completed(List<String> outputUrls, @Nullable RemoteRun run, Instant now) {
    return builder(EventType.COMPLETED, jobId, now)
        .job(safe(job))
        .route(route)
        .body(dev.editstream.core.Redact.urlsIn(body))
        .submission(submission)
        .outputs(List.copyOf(outputUrls))
        .history(history)
        .createdAt(createdAt)
        .replays(replays)
        .parts(parts)
        .remote(run)
        .build();
  }

  /** Every output is on disk. */
  public JobEvent done(List<OutputFile> downloaded, Instant now) {
    return builder(EventType.DONE, jobId, now)
        .job(safe(job))
        .route(route)
        .body(dev.editstream.core.Redact.urlsIn(body))
        .submission(submission)
        .outputs(outputs)
        .files(List.copyOf(downloaded))
        .history(history)
        .createdAt(createdAt)
        .replays(replays)
        .parts(parts)
        .remote(remote)
        .build();
  }

  /** The job failed for good. */
  public JobEvent failed(Failure f, Instant now) {
    return toBuilder()
        .v(VERSION)
        .type(EventType.FAILED)
        .at(now)
        .job(safe(job))
        .body(dev.editstream.core.Redact.urlsIn(body))
        .failure(f)
        .dueAt(null)
        .build();
  }

  /**
   * The job again as a fresh {@code requested} event for a replay from the failure topic: history
   * kept, attempts reset, {@code replays} + 1.
   */
  public JobEvent replayed(Instant now) {
    List<Attempt> h = history;
    if (job != null && job.hasRedactedInputs()) {
      h = new ArrayList<>(history);
      h.add(
          new Attempt(
              Stage.PRODUCER,
              FailureReason.INPUTS_REDACTED.exitClass(),
              FailureReason.INPUTS_REDACTED,
              "replay "
                  + (replays + 1)
                  + ": the job's input URLs lost their query strings (pre-signed URL signatures are never kept after the submit);"
                  + " produce the job line again to run it with signed inputs",
              now));
    }
    return builder(EventType.REQUESTED, jobId, now)
        .job(job)
        .history(h)
        .createdAt(now)
        .replays(replays + 1)
        .build();
  }

  /** This event again, for the next attempt of its consuming stage, due at {@code due}. */
  public JobEvent retry(Attempt failedAttempt, Instant due) {
    return retry(failedAttempt, due, attempt + 1);
  }

  /**
   * This event again, due at {@code due}, as attempt {@code nextAttempt} of its consuming stage (2
   * after an attempt that made progress before it failed: see {@code RetryPolicy.attemptFailed}).
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
    return toBuilder()
        .v(VERSION)
        .job(keep ? job : safe(job))
        .body(keep ? body : dev.editstream.core.Redact.urlsIn(body))
        .attempt(nextAttempt)
        .dueAt(due)
        .history(h)
        .build();
  }

  /** A builder holding every field of this event, to copy it with some fields changed. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * A builder of a new event of version {@link #VERSION}: attempt 1, replays 0, every optional part
   * absent.
   *
   * @param type which state change
   * @param jobId the job's id
   * @param at when the event is made
   */
  public static Builder builder(EventType type, String jobId, Instant at) {
    return new Builder().v(VERSION).type(type).jobId(jobId).at(at).attempt(1);
  }

  /**
   * Builds a {@link JobEvent} field by field; each setter is named as the record component. {@link
   * #build()} applies the record's rules (and throws {@link NullPointerException} naming {@code
   * type}, {@code job_id} or {@code at} when absent).
   */
  public static final class Builder {
    private int v;
    private @Nullable EventType type;
    private @Nullable String jobId;
    private @Nullable Instant at;
    private @Nullable Job job;
    private @Nullable RouteDecision route;
    private @Nullable Map<String, Object> body;
    private @Nullable Submission submission;
    private @Nullable List<String> outputs;
    private @Nullable List<OutputFile> files;
    private @Nullable Failure failure;
    private int attempt;
    private @Nullable Instant dueAt;
    private @Nullable List<Attempt> history;
    private @Nullable Instant createdAt;
    private int replays;
    private @Nullable List<Submission> parts;
    private @Nullable RemoteRun remote;

    private Builder() {}

    private Builder(JobEvent e) {
      this.v = e.v;
      this.type = e.type;
      this.jobId = e.jobId;
      this.at = e.at;
      this.job = e.job;
      this.route = e.route;
      this.body = e.body;
      this.submission = e.submission;
      this.outputs = e.outputs;
      this.files = e.files;
      this.failure = e.failure;
      this.attempt = e.attempt;
      this.dueAt = e.dueAt;
      this.history = e.history;
      this.createdAt = e.createdAt;
      this.replays = e.replays;
      this.parts = e.parts;
      this.remote = e.remote;
    }

    /** Sets {@code v}. */
    public Builder v(int value) {
      this.v = value;
      return this;
    }

    /** Sets {@code type}. */
    public Builder type(EventType value) {
      this.type = value;
      return this;
    }

    /** Sets {@code jobId}. */
    public Builder jobId(String value) {
      this.jobId = value;
      return this;
    }

    /** Sets {@code at}. */
    public Builder at(Instant value) {
      this.at = value;
      return this;
    }

    /** Sets {@code job}. */
    public Builder job(@Nullable Job value) {
      this.job = value;
      return this;
    }

    /** Sets {@code route}. */
    public Builder route(@Nullable RouteDecision value) {
      this.route = value;
      return this;
    }

    /** Sets {@code body}. */
    public Builder body(@Nullable Map<String, Object> value) {
      this.body = value;
      return this;
    }

    /** Sets {@code submission}. */
    public Builder submission(@Nullable Submission value) {
      this.submission = value;
      return this;
    }

    /** Sets {@code outputs}. */
    public Builder outputs(@Nullable List<String> value) {
      this.outputs = value;
      return this;
    }

    /** Sets {@code files}. */
    public Builder files(@Nullable List<OutputFile> value) {
      this.files = value;
      return this;
    }

    /** Sets {@code failure}. */
    public Builder failure(@Nullable Failure value) {
      this.failure = value;
      return this;
    }

    /** Sets {@code attempt}. */
    public Builder attempt(int value) {
      this.attempt = value;
      return this;
    }

    /** Sets {@code dueAt}. */
    public Builder dueAt(@Nullable Instant value) {
      this.dueAt = value;
      return this;
    }

    /** Sets {@code history}. */
    public Builder history(List<Attempt> value) {
      this.history = value;
      return this;
    }

    /** Sets {@code createdAt}. */
    public Builder createdAt(Instant value) {
      this.createdAt = value;
      return this;
    }

    /** Sets {@code replays}. */
    public Builder replays(int value) {
      this.replays = value;
      return this;
    }

    /** Sets {@code parts}. */
    public Builder parts(@Nullable List<Submission> value) {
      this.parts = value;
      return this;
    }

    /** Sets {@code remote}. */
    public Builder remote(@Nullable RemoteRun value) {
      this.remote = value;
      return this;
    }

    /** The event. */
    public JobEvent build() {
      // the record's own checks and defaults, made here where the fields may still be unset
      EventType t = Objects.requireNonNull(type, "type");
      String id = Objects.requireNonNull(jobId, "job_id");
      Instant when = Objects.requireNonNull(at, "at");
      return new JobEvent(
          v,
          t,
          id,
          when,
          job,
          route,
          body,
          submission,
          outputs,
          files,
          failure,
          attempt,
          dueAt,
          history == null ? List.of() : history,
          createdAt == null ? when : createdAt,
          replays,
          parts,
          remote);
    }
  }

  /** The job as every event after {@code requested} carries it. */
  private static @Nullable Job safe(@Nullable Job j) {
    return j == null ? null : j.redacted();
  }
}
