package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.event.EventType;
import dev.editstream.core.event.Failure;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.OutputFile;
import dev.editstream.core.event.RouteDecision;
import dev.editstream.core.event.Stage;
import dev.editstream.core.event.Submission;
import dev.editstream.core.job.Job;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link JobFold}: the same answer whatever order the topics are read in. */
class JobFoldTest {
  static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");
  static final String NANO = "google/nano-banana-2/edit";

  static Job job(String id, String prompt) {
    return new Job(
        id, prompt, List.of("https://cdn.example.com/a.png"), null, null, null, Map.of(), "b1");
  }

  /**
   * The events of one complete run of a job: requested, submitted, completed, then done or failed.
   */
  static List<JobEvent> run(Job job, int replays, boolean done, int minute) {
    Instant at = T0.plusSeconds(60L * minute);
    JobEvent req = JobEvent.requested(job, at, replays);
    JobEvent sub =
        req.submitted(
            new RouteDecision(NANO, "default", List.of()),
            Map.of("prompt", job.prompt()),
            new Submission("req-" + replays, null, null, null, at),
            at.plusSeconds(1));
    JobEvent comp = sub.completed(List.of("https://cdn.runcomfy.net/o.png"), at.plusSeconds(2));
    JobEvent end =
        done
            ? comp.done(
                List.of(
                    new OutputFile(
                        "x/o.png",
                        1,
                        "ab".repeat(32),
                        "image/png",
                        "https://cdn.runcomfy.net/o.png")),
                at.plusSeconds(3))
            : comp.failed(
                new Failure(ExitClass.UNAVAILABLE, "upstream_error", "boom", Stage.POLLER, 1),
                at.plusSeconds(3));
    return List.of(req, sub, comp, end);
  }

  static JobFold fold(List<JobEvent> events) {
    JobFold f = null;
    for (JobEvent e : events) {
      JobFold one =
          e.type() == EventType.SUBMITTED || e.type() == EventType.COMPLETED
              ? JobFold.of(
                  e.type(),
                  e.replays(),
                  e.route() == null ? null : e.route().modelId(),
                  e.route() == null ? null : e.route().rule(),
                  e.submission() == null ? null : e.submission().requestId(),
                  e.at())
              : JobFold.of(e);
      f = f == null ? one : JobFold.merge(f, one);
    }
    return f;
  }

  @Test
  void shouldFoldACompleteRunIntoItsEnd() {
    Job j = job("a", "p");
    JobFold f = fold(run(j, 0, true, 0));

    assertThat(f.isDone()).isTrue();
    assertThat(f.terminal()).isTrue();
    assertThat(f.phase()).isEqualTo(EventType.DONE);
    assertThat(f.fingerprint()).isEqualTo(j.fingerprint());
    assertThat(f.model()).isEqualTo(NANO);
    assertThat(f.requestId()).isEqualTo("req-0");
    assertThat(f.batch()).isEqualTo("b1");
    assertThat(f.done()).hasSize(1);
    assertThat(f.lastAt()).isEqualTo(T0.plusSeconds(3));
  }

  @Test
  void shouldGiveTheSameFoldForEveryReadingOrderOfTwoRuns() {
    Job first = job("a", "p");
    Job second = job("a", "p2");
    List<JobEvent> all = new ArrayList<>(run(first, 0, false, 0));
    all.addAll(run(second, 1, true, 5));
    JobFold expected = fold(all);
    for (int seed = 0; seed < 200; seed++) {
      List<JobEvent> shuffled = new ArrayList<>(all);
      Collections.shuffle(shuffled, new java.util.Random(seed));

      JobFold f = fold(shuffled);

      assertThat(f.replays()).isEqualTo(1);
      assertThat(f.isDone()).as("seed %d", seed).isTrue();
      assertThat(f.failed()).as("the first run's failure belongs to the old run").isEmpty();
      assertThat(f.fingerprint()).isEqualTo(second.fingerprint());
      assertThat(f.requestId()).isEqualTo("req-1");
      assertThat(f.phase()).isEqualTo(expected.phase());
      assertThat(f.lastAt()).isEqualTo(expected.lastAt());
    }
  }

  @Test
  void shouldStayInFlightUntilATerminalEventOfTheLatestRunArrives() {
    Job j = job("a", "p");
    List<JobEvent> r0 = run(j, 0, true, 0);
    List<JobEvent> r1 = run(j, 1, true, 5);

    JobFold f = fold(List.of(r0.get(0), r0.get(1), r0.get(2), r0.get(3), r1.get(0), r1.get(1)));

    assertThat(f.terminal()).isFalse();
    assertThat(f.phase()).isEqualTo(EventType.SUBMITTED);
    assertThat(f.done()).isEmpty();
  }

  @Test
  void shouldKeepBothTerminalEventsOfOneRunAndReadItAsFailed() {
    Job j = job("a", "p");
    List<JobEvent> ok = run(j, 0, true, 0);
    List<JobEvent> bad = run(j, 0, false, 1);

    JobFold f = fold(List.of(ok.get(3), bad.get(3)));

    assertThat(f.done()).hasSize(1);
    assertThat(f.failed()).hasSize(1);
    assertThat(f.isDone()).isFalse();
    assertThat(f.isFailed()).isTrue();
    assertThat(f.lastFailure()).isEqualTo(bad.get(3));
  }

  @Test
  void shouldRankEveryPhase() {
    assertThat(
            List.of(
                EventType.REQUESTED,
                EventType.SUBMITTED,
                EventType.COMPLETED,
                EventType.FAILED,
                EventType.DONE))
        .extracting(JobFold::rank)
        .containsExactly(0, 1, 2, 3, 4);
  }

  /**
   * What the batch tracker keeps of a done run: what its readers use, not the job line, the body or
   * the output URLs; the model, rule and batch as shared strings; a failed run's events whole.
   */
  @Test
  void shouldKeepOnlyWhatTheTrackersReadersUseOfADoneEvent() {
    List<JobEvent> run = run(job("j1", "make it night"), 0, true, 0);
    JobFold full = run.stream().map(JobFold::of).reduce(JobFold::merge).orElseThrow();
    JobFold kept = BatchTracker.kept(full);

    JobEvent before = full.done().get(0);
    JobEvent after = kept.done().get(0);
    assertThat(before.job()).isNotNull();
    assertThat(before.body()).isNotNull();
    assertThat(before.outputs()).isNotEmpty();
    assertThat(after.job()).isNull();
    assertThat(after.body()).isNull();
    assertThat(after.outputs()).isNull();
    assertThat(after.files()).isEqualTo(before.files());
    assertThat(after.submission()).isEqualTo(before.submission());
    assertThat(after.remote()).isEqualTo(before.remote());
    assertThat(after.history()).isEqualTo(before.history());
    assertThat(after.at()).isEqualTo(before.at());
    assertThat(after.createdAt()).isEqualTo(before.createdAt());
    assertThat(kept).usingRecursiveComparison().ignoringFields("done").isEqualTo(full);
    assertThat(kept.isDone()).isTrue();

    JobFold other =
        BatchTracker.kept(
            run(job("j2", "make it day"), 0, true, 1).stream()
                .map(JobFold::of)
                .reduce(JobFold::merge)
                .orElseThrow());
    assertThat(other.model()).isSameAs(kept.model());
    assertThat(other.batch()).isSameAs(kept.batch());

    JobFold failed =
        run(job("j3", "make it dusk"), 0, false, 2).stream()
            .map(JobFold::of)
            .reduce(JobFold::merge)
            .orElseThrow();
    assertThat(BatchTracker.kept(failed).failed()).isEqualTo(failed.failed());
  }

  @Test
  void shouldFoldAnEventReadTwiceAsOnceWhereverTheSecondReadFalls() {
    // a view resumed from a checkpoint reads again what it read after it: the fold must not change
    Job job = job("j1", "grey paper");
    List<JobEvent> events = new ArrayList<>(run(job, 0, false, 0));
    events.addAll(run(job, 1, true, 5));
    events.add(run(job, 1, false, 6).get(3)); // a second terminal event of run 1
    JobFold once = fold(events);
    for (int i = 0; i < events.size(); i++) {
      for (int at = 0; at <= events.size(); at++) {
        List<JobEvent> twice = new ArrayList<>(events);
        twice.add(at, events.get(i));
        JobFold f = fold(twice);
        assertThat(f.done()).as("event %d read again at %d", i, at).hasSize(1);
        assertThat(f.failed()).as("event %d read again at %d", i, at).hasSize(1);
        assertThat(f.replays()).isEqualTo(once.replays());
        assertThat(f.phase()).isEqualTo(once.phase());
        assertThat(f.requestId()).isEqualTo(once.requestId());
        assertThat(f.lastAt()).isEqualTo(once.lastAt());
      }
    }
    assertThat(JobFold.merge(once, once)).isEqualTo(once);
  }

  @Test
  void shouldRoundTripEveryKindOfKeptFoldThroughTheTrackersStoreCodec() {
    Job job = job("j1", "grey paper");
    List<JobFold> folds = new ArrayList<>();
    for (List<JobEvent> events : List.of(run(job, 0, true, 0), run(job, 2, false, 1))) {
      for (int n = 1; n <= events.size(); n++) {
        folds.add(BatchTracker.kept(fold(events.subList(0, n))));
      }
    }
    folds.add(JobFold.of(EventType.SUBMITTED, 0, null, null, null, null));
    for (JobFold f : folds) {
      assertThat(BatchTracker.CODEC.decode(BatchTracker.CODEC.encode(f))).isEqualTo(f);
    }
  }

  @Test
  void shouldCountEachFoldInTheStateItsPhaseAndEndsSay() {
    Job job = job("j1", "grey paper");
    List<JobEvent> ok = run(job, 0, true, 0);
    List<JobEvent> bad = run(job, 0, false, 0);
    assertThat(BatchTracker.stateOf(null)).isEqualTo(BatchTracker.stateOf(fold(ok.subList(0, 1))));
    byte queued = BatchTracker.stateOf(null);
    byte submitted = BatchTracker.stateOf(fold(ok.subList(0, 2)));
    byte done = BatchTracker.stateOf(fold(ok));
    byte failed = BatchTracker.stateOf(fold(bad));
    assertThat(List.of(queued, submitted, done, failed)).doesNotHaveDuplicates();
    assertThat(BatchTracker.stateOf(fold(ok.subList(0, 3)))).isEqualTo(submitted);
    List<JobEvent> both = new ArrayList<>(ok);
    both.add(bad.get(3));
    assertThat(BatchTracker.stateOf(fold(both)))
        .as("done and failed reads failed")
        .isEqualTo(failed);
  }
}
