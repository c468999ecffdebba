package dev.editstream.app;

import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Stage;
import dev.editstream.core.job.Job;
import dev.editstream.producer.JobProducer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;

/**
 * What a run does with each valid job of its file, given what the topics say of the job's earlier
 * runs ({@link JobFold}). Pure: no Kafka, no I/O. The rules, in order:
 *
 * <ol>
 *   <li>never seen: {@link Action#PUBLISH}, run 0;
 *   <li>in flight (published, not ended): {@link Action#FOLLOW}: the workers go on with it from
 *       their committed offsets; it is never published again (a job with a request_id is followed,
 *       never POSTed again). {@code --rerun} of it is refused ({@link Action#IN_FLIGHT_RERUN});
 *   <li>refused by the producer in an earlier run (the line was invalid, now it is valid): {@link
 *       Action#RERUN}, it never reached RunComfy;
 *   <li>named by {@code --rerun ID}, or failed and {@code --rerun-failed} given: {@link
 *       Action#RERUN} with the previous run's count + 1, unless it failed in a way that may have
 *       created a paid request and {@code --resubmit-uncertain} is not given ({@link
 *       Action#UNCERTAIN}, see {@link ReplayRule});
 *   <li>ended and its line changed since ({@link Job#fingerprint()}): {@link Action#CHANGED},
 *       reported, not run again (say {@code --rerun ID});
 *   <li>ended done: {@link Action#DONE}; ended failed: {@link Action#FAILED}: both counted as they
 *       ended.
 * </ol>
 *
 * @param actions per job id, in file order
 * @param replays the run count to publish with, per job id of a PUBLISH or RERUN action
 */
public record ResumePlan(Map<String, Action> actions, Map<String, Integer> replays) {

  /** What happens to one job. */
  public enum Action {
    /** First run: published. */
    PUBLISH,
    /** Published again for a new run. */
    RERUN,
    /** In flight from an earlier run: followed, not published. */
    FOLLOW,
    /** Ended done earlier: counted, not run. */
    DONE,
    /** Ended failed earlier: counted, not run. */
    FAILED,
    /** Ended earlier and its line changed since: reported, not run. */
    CHANGED,
    /** A re-run was asked for, but the job may have been paid for already: reported, not run. */
    UNCERTAIN,
    /** A re-run was asked for a job still in flight: reported, followed. */
    IN_FLIGHT_RERUN;

    /** Whether the job is published by this run. */
    public boolean publishes() {
      return this == PUBLISH || this == RERUN;
    }
  }

  /**
   * Plans a run.
   *
   * @param jobs the valid jobs of the file, in file order
   * @param known the fold of each job id the topics know, or null when unknown
   * @param rerun ids named by {@code --rerun}
   * @param rerunFailed {@code --rerun-failed}
   * @param resubmitUncertain {@code --resubmit-uncertain}: consent to POST again a job that may
   *     have been submitted
   */
  public static ResumePlan plan(
      List<Job> jobs,
      Function<String, JobFold> known,
      Set<String> rerun,
      boolean rerunFailed,
      boolean resubmitUncertain) {
    Recorder r = recorder(known, rerun, rerunFailed, resubmitUncertain);
    jobs.forEach(r::replaysFor);
    return r.plan();
  }

  /**
   * The producer's admission that plans as the file is read (one pass): each job is decided when
   * the producer reaches it, against the topics as they are then.
   *
   * @param known the fold of a job id, or null when the topics have no event of it
   */
  public static Recorder recorder(
      Function<String, JobFold> known,
      Set<String> rerun,
      boolean rerunFailed,
      boolean resubmitUncertain) {
    return new Recorder(known, rerun, rerunFailed, resubmitUncertain);
  }

  /**
   * An admission that records each decision; {@link #plan()} gives the plan of the jobs seen so
   * far.
   */
  public static final class Recorder implements JobProducer.Admission {
    private final Function<String, JobFold> known;
    private final Set<String> rerun;
    private final boolean rerunFailed;
    private final boolean resubmitUncertain;
    private final Map<String, Action> actions = new LinkedHashMap<>();
    private final Map<String, Integer> replays = new LinkedHashMap<>();

    private Recorder(
        Function<String, JobFold> known,
        Set<String> rerun,
        boolean rerunFailed,
        boolean resubmitUncertain) {
      this.known = known;
      this.rerun = rerun;
      this.rerunFailed = rerunFailed;
      this.resubmitUncertain = resubmitUncertain;
    }

    @Override
    public synchronized OptionalInt replaysFor(Job job) {
      JobFold f = known.apply(job.id());
      Action a = decide(job, f, rerun.contains(job.id()), rerunFailed, resubmitUncertain);
      actions.put(job.id(), a);
      if (a == Action.PUBLISH) {
        replays.put(job.id(), 0);
      } else if (a == Action.RERUN) {
        replays.put(job.id(), f.replays() + 1);
      }
      return a.publishes()
          ? OptionalInt.of(Objects.requireNonNull(replays.get(job.id()), "put above"))
          : OptionalInt.empty();
    }

    /** The plan of every job decided so far. */
    public synchronized ResumePlan plan() {
      return new ResumePlan(Map.copyOf(actions), Map.copyOf(replays));
    }
  }

  static Action decide(
      Job job, JobFold f, boolean named, boolean rerunFailed, boolean resubmitUncertain) {
    if (f == null) {
      return Action.PUBLISH;
    }
    if (!f.terminal()) {
      return named ? Action.IN_FLIGHT_RERUN : Action.FOLLOW;
    }
    JobEvent failure = f.isDone() ? null : f.lastFailure();
    if (failure != null
        && failure.failure() != null
        && failure.failure().stage() == Stage.PRODUCER) {
      return Action.RERUN;
    }
    if (named || (failure != null && rerunFailed)) {
      boolean uncertain =
          failure != null
              && failure.failure() != null
              && ReplayRule.UNCERTAIN.contains(failure.failure().reason());
      return uncertain && !resubmitUncertain ? Action.UNCERTAIN : Action.RERUN;
    }
    if (f.fingerprint() != null && !f.fingerprint().equals(job.fingerprint())) {
      return Action.CHANGED;
    }
    return f.isDone() ? Action.DONE : Action.FAILED;
  }

  /**
   * The producer's admission: publish PUBLISH and RERUN jobs with their run count, leave the rest.
   */
  public JobProducer.Admission admission() {
    return job ->
        replays.containsKey(job.id()) ? OptionalInt.of(replays.get(job.id())) : OptionalInt.empty();
  }

  /** The job ids with this action, in no particular order. */
  public List<String> ids(Action a) {
    List<String> out = new ArrayList<>();
    actions.forEach(
        (id, x) -> {
          if (x == a) {
            out.add(id);
          }
        });
    out.sort(null);
    return out;
  }

  /** How many jobs have each of {@code these} actions. */
  public int count(Collection<Action> these) {
    return (int) actions.values().stream().filter(these::contains).count();
  }
}
