package dev.editstream.app;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import dev.editstream.core.event.EventType;
import dev.editstream.core.event.JobEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What the job topics say about one job, folded from its events in any order (a view reads the
 * partitions of five topics side by side, so a {@code done} may arrive before its {@code
 * submitted}): the latest run ({@code replays}) wins; within a run the furthest phase, the
 * fingerprint of the requested job line, the model, the request_id and every distinct terminal
 * event are kept. {@link #merge} is associative, commutative (up to the order of the terminal
 * events) and idempotent within a run, so the result depends neither on the reading order nor on a
 * record read twice (a view resumed from its last checkpoint). Pure: no Kafka or I/O.
 *
 * @param replays the run the rest describes (0 the first run, +1 per replay or re-run)
 * @param phase the furthest event type seen in that run
 * @param fingerprint {@link dev.editstream.core.job.Job#fingerprint()} of the requested job, or
 *     null
 * @param model the model_id the router chose, or null
 * @param rule the routing rule, or null
 * @param requestId RunComfy's request_id, or null before the submit
 * @param batch the job line's batch label, or null
 * @param done every {@code done} event of the run (one when all went well)
 * @param failed every {@code failed} event of the run
 * @param lastAt the latest event time seen in the run, or null
 */
@JsonAutoDetect(isGetterVisibility = JsonAutoDetect.Visibility.NONE) // isDone() is not a field
public record JobFold(
    int replays,
    EventType phase,
    @Nullable String fingerprint,
    @Nullable String model,
    @Nullable String rule,
    @Nullable String requestId,
    @Nullable String batch,
    List<JobEvent> done,
    List<JobEvent> failed,
    @Nullable Instant lastAt) {

  /** Copies the lists. */
  public JobFold {
    done = List.copyOf(done);
    failed = List.copyOf(failed);
  }

  /** A job's fold from one event's head fields (no terminal event kept). */
  public static JobFold of(
      EventType type,
      int replays,
      @Nullable String model,
      @Nullable String rule,
      @Nullable String requestId,
      @Nullable Instant at) {
    return new JobFold(replays, type, null, model, rule, requestId, null, List.of(), List.of(), at);
  }

  /**
   * A job's fold from one whole event: a requested event gives the fingerprint, a terminal one is
   * kept.
   */
  public static JobFold of(JobEvent e) {
    String model = e.route() == null ? null : e.route().modelId();
    String rule = e.route() == null ? null : e.route().rule();
    String requestId = e.submission() == null ? null : e.submission().requestId();
    String fingerprint =
        e.type() == EventType.REQUESTED && e.job() != null ? e.job().fingerprint() : null;
    String batch = e.job() == null ? null : e.job().batch();
    return new JobFold(
        e.replays(),
        e.type(),
        fingerprint,
        model,
        rule,
        requestId,
        batch,
        e.type() == EventType.DONE ? List.of(e) : List.of(),
        e.type() == EventType.FAILED ? List.of(e) : List.of(),
        e.at());
  }

  /** Folds two views of one job: the later run wins; within a run see the class comment. */
  public static JobFold merge(JobFold a, JobFold b) {
    if (a.replays != b.replays) {
      return a.replays > b.replays ? a : b;
    }
    List<JobEvent> done = union(a.done, b.done);
    List<JobEvent> failed = union(a.failed, b.failed);
    return new JobFold(
        a.replays,
        rank(a.phase) >= rank(b.phase) ? a.phase : b.phase,
        first(a.fingerprint, b.fingerprint),
        first(a.model, b.model),
        first(a.rule, b.rule),
        first(a.requestId, b.requestId),
        first(a.batch, b.batch),
        done,
        failed,
        a.lastAt == null
            ? b.lastAt
            : b.lastAt == null || a.lastAt.isAfter(b.lastAt) ? a.lastAt : b.lastAt);
  }

  /**
   * {@code a} then the events of {@code b} not in it ({@code a} itself when there are none): an
   * event read twice (a view resumed from a checkpoint before it) is kept once.
   */
  private static List<JobEvent> union(List<JobEvent> a, List<JobEvent> b) {
    List<JobEvent> out = null;
    for (JobEvent e : b) {
      if (!a.contains(e) && (out == null || !out.contains(e))) {
        if (out == null) {
          out = new ArrayList<>(a);
        }
        out.add(e);
      }
    }
    return out == null ? a : out;
  }

  /**
   * Order of the phases; done outranks failed, so a run with both reads as done (and {@link
   * #failed} tells).
   */
  static int rank(EventType t) {
    return switch (t) {
      case REQUESTED -> 0;
      case SUBMITTED -> 1;
      case COMPLETED -> 2;
      case FAILED -> 3;
      case DONE -> 4;
    };
  }

  private static @Nullable String first(@Nullable String a, @Nullable String b) {
    return a != null ? a : b;
  }

  /** Whether the run ended (a done or failed event). */
  public boolean terminal() {
    return !done.isEmpty() || !failed.isEmpty();
  }

  /** Whether the run ended done, with no failed event. */
  public boolean isDone() {
    return !done.isEmpty() && failed.isEmpty();
  }

  /** Whether the run ended failed (its latest failure is {@link #lastFailure()}). */
  public boolean isFailed() {
    return !failed.isEmpty();
  }

  /** The latest failed event of the run (by event time), or null. */
  public @Nullable JobEvent lastFailure() {
    JobEvent last = null;
    for (JobEvent f : failed) {
      if (last == null || (f.at() != null && last.at() != null && f.at().isAfter(last.at()))) {
        last = f;
      }
    }
    return last;
  }

  /**
   * RunComfy's actual cost of the run in USD, from its first done event, or null when not known.
   */
  public @Nullable Double costUsd() {
    return done.isEmpty() || done.get(0).remote() == null ? null : done.get(0).remote().costUsd();
  }
}
