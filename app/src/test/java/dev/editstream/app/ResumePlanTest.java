package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.app.ResumePlan.Action;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.event.Failure;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Stage;
import dev.editstream.core.job.Job;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link ResumePlan}: what a resumed run does with each job of its file. */
class ResumePlanTest {
  static Job job(String id) {
    return JobFoldTest.job(id, "put it on grey paper");
  }

  static JobFold done(Job j, int replays) {
    return JobFoldTest.fold(JobFoldTest.run(j, replays, true, 0));
  }

  static JobFold failed(Job j, int replays, String reason, Stage stage) {
    List<JobEvent> r = JobFoldTest.run(j, replays, true, 0);
    JobEvent f =
        r.get(2).failed(new Failure(ExitClass.UNAVAILABLE, reason, "m", stage, 1), r.get(2).at());
    return JobFoldTest.fold(List.of(r.get(0), r.get(1), r.get(2), f));
  }

  static JobFold inFlight(Job j) {
    List<JobEvent> r = JobFoldTest.run(j, 0, true, 0);
    return JobFoldTest.fold(List.of(r.get(0), r.get(1)));
  }

  static Action decide(Job j, JobFold f, boolean named, boolean rerunFailed, boolean uncertainOk) {
    return ResumePlan.decide(j, f, named, rerunFailed, uncertainOk);
  }

  @Test
  void shouldPublishANewJobAndFollowOneInFlight() {
    Job j = job("a");
    assertThat(decide(j, null, false, false, false)).isEqualTo(Action.PUBLISH);
    assertThat(decide(j, null, true, true, true)).isEqualTo(Action.PUBLISH);
    assertThat(decide(j, inFlight(j), false, true, true)).isEqualTo(Action.FOLLOW);
    assertThat(decide(j, inFlight(j), true, false, false)).isEqualTo(Action.IN_FLIGHT_RERUN);
  }

  @Test
  void shouldCountEndedJobsAsTheyEndedUnlessARerunIsAskedFor() {
    Job j = job("a");
    assertThat(decide(j, done(j, 0), false, false, false)).isEqualTo(Action.DONE);
    assertThat(decide(j, done(j, 0), false, true, false))
        .as("--rerun-failed leaves done jobs")
        .isEqualTo(Action.DONE);
    assertThat(decide(j, done(j, 0), true, false, false)).isEqualTo(Action.RERUN);
    assertThat(decide(j, failed(j, 0, "upstream_error", Stage.POLLER), false, false, false))
        .isEqualTo(Action.FAILED);
    assertThat(decide(j, failed(j, 0, "upstream_error", Stage.POLLER), false, true, false))
        .isEqualTo(Action.RERUN);
    assertThat(decide(j, failed(j, 0, "upstream_error", Stage.POLLER), true, false, false))
        .isEqualTo(Action.RERUN);
  }

  @Test
  void shouldNeverRerunAJobThatMayHaveBeenPaidForWithoutConsent() {
    Job j = job("a");
    for (String reason : ReplayRule.UNCERTAIN.stream().map(r -> r.wire()).toList()) {
      JobFold f = failed(j, 0, reason, Stage.ROUTER);
      assertThat(decide(j, f, false, true, false)).as(reason).isEqualTo(Action.UNCERTAIN);
      assertThat(decide(j, f, true, false, false)).as(reason).isEqualTo(Action.UNCERTAIN);
      assertThat(decide(j, f, true, false, true)).as(reason).isEqualTo(Action.RERUN);
      assertThat(decide(j, f, false, false, false))
          .as(reason + " without any rerun flag")
          .isEqualTo(Action.FAILED);
    }
  }

  @Test
  void shouldReportAChangedLineOfAnEndedJobAndRunItOnlyWhenNamed() {
    Job ran = job("a");
    Job changed = JobFoldTest.job("a", "put it on white paper");
    assertThat(decide(changed, done(ran, 0), false, false, false)).isEqualTo(Action.CHANGED);
    assertThat(decide(changed, failed(ran, 0, "upstream_error", Stage.POLLER), false, false, false))
        .isEqualTo(Action.CHANGED);
    assertThat(decide(changed, done(ran, 0), true, false, false)).isEqualTo(Action.RERUN);
  }

  @Test
  void shouldRunALineTheProducerRefusedBeforeOnceItIsValid() {
    Job j = job("a");
    JobFold refused =
        JobFold.of(
            JobEvent.requested(job("a"), JobFoldTest.T0)
                .failed(
                    new Failure(ExitClass.DATA, FailureReason.INVALID_LINE, "m", Stage.PRODUCER, 1),
                    JobFoldTest.T0));
    assertThat(decide(j, refused, false, false, false)).isEqualTo(Action.RERUN);
  }

  @Test
  void shouldPublishNewJobsAsRunZeroAndRerunsAsThePreviousRunPlusOne() {
    Job fresh = job("fresh");
    Job again = job("again");
    Job kept = job("kept");
    Map<String, JobFold> known = new HashMap<>();
    known.put("again", done(again, 2));
    known.put("kept", done(kept, 0));

    ResumePlan p =
        ResumePlan.plan(List.of(fresh, again, kept), known::get, Set.of("again"), false, false);

    assertThat(p.actions())
        .containsEntry("fresh", Action.PUBLISH)
        .containsEntry("again", Action.RERUN)
        .containsEntry("kept", Action.DONE);
    assertThat(p.admission().replaysFor(fresh)).isEqualTo(OptionalInt.of(0));
    assertThat(p.admission().replaysFor(again)).isEqualTo(OptionalInt.of(3));
    assertThat(p.admission().replaysFor(kept)).isEmpty();
    assertThat(p.ids(Action.DONE)).containsExactly("kept");
    assertThat(p.count(List.of(Action.PUBLISH, Action.RERUN))).isEqualTo(2);
    assertThat(Action.PUBLISH.publishes()).isTrue();
    assertThat(Action.FOLLOW.publishes()).isFalse();
  }
}
