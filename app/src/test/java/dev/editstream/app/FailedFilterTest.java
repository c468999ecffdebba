package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.editstream.core.event.Failure;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Stage;
import dev.editstream.core.job.Job;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FailedFilterTest {
  private static final Instant T = Instant.parse("2026-11-23T10:00:00Z");

  private static JobEvent failed(
      String id, int cls, Stage stage, String batch, Instant at, int replays) {
    return failed(id, cls, "r", stage, batch, at, replays);
  }

  private static JobEvent failed(
      String id, int cls, String reason, Stage stage, String batch, Instant at, int replays) {
    JobEvent e =
        JobEvent.requested(
            new Job(id, "p", List.of("https://a.example.com/x.png"), null, null, null, null, batch),
            at);
    for (int i = 0; i < replays; i++) {
      e = e.replayed(at);
    }
    return e.failed(
        new Failure(dev.editstream.core.error.ExitClass.ofCode(cls), reason, "m", stage, 1), at);
  }

  @Test
  void shouldMatchEverythingWithoutCriteria() {
    assertThat(
            new FailedFilter(null, null, null, null, null, null)
                .matches(failed("a", 65, Stage.ROUTER, null, T, 0)))
        .isTrue();
  }

  @Test
  void shouldRequireEveryGivenCriterion() {
    FailedFilter f =
        new FailedFilter(
            Set.of(69, 75), Set.of("poller"), Set.of("b1"), Set.of(), T, T.plusSeconds(60));
    assertThat(f.matches(failed("a", 75, Stage.POLLER, "b1", T.plusSeconds(1), 0))).isTrue();
    assertThat(f.matches(failed("a", 65, Stage.POLLER, "b1", T.plusSeconds(1), 0))).isFalse();
    assertThat(f.matches(failed("a", 75, Stage.ROUTER, "b1", T.plusSeconds(1), 0))).isFalse();
    assertThat(f.matches(failed("a", 75, Stage.POLLER, "b2", T.plusSeconds(1), 0))).isFalse();
    assertThat(f.matches(failed("a", 75, Stage.POLLER, "b1", T.minusSeconds(1), 0))).isFalse();
    assertThat(f.matches(failed("a", 75, Stage.POLLER, "b1", T.plusSeconds(60), 0))).isFalse();
    assertThat(
            new FailedFilter(null, null, null, Set.of("x"), null, null)
                .matches(failed("a", 75, Stage.POLLER, null, T, 0)))
        .isFalse();
  }

  @Test
  void shouldNotMatchAJobWithoutABatchWhenBatchesAreAskedFor() {
    assertThat(
            new FailedFilter(null, null, Set.of("b1"), null, null, null)
                .matches(failed("a", 75, Stage.POLLER, null, T, 0)))
        .isFalse();
  }

  @Test
  void shouldRefuseAnEmptyTimeWindow() {
    assertThatThrownBy(() -> new FailedFilter(null, null, null, null, T, T))
        .hasMessageContaining("--since");
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {"may_have_been_submitted", "deadline_not_cancellable"})
  void shouldReplayAJobThatMayHaveBeenSubmittedOnlyWithConsent(String reason) {
    JobEvent uncertain = failed("u", 75, reason, Stage.ROUTER, null, T, 0);
    assertThat(ReplayRule.refusal(uncertain, 3))
        .contains("may have been submitted already", "--resubmit-uncertain");
    assertThat(ReplayRule.refusal(uncertain, 3, true)).isNull();
    assertThat(ReplayRule.refusal(failed("u", 75, reason, Stage.ROUTER, null, T, 3), 3, true))
        .contains("already replayed");
  }

  @Test
  void shouldFilterByReason() {
    FailedFilter f =
        new FailedFilter(null, null, null, null, null, null, java.util.Set.of("budget"));
    assertThat(f.matches(failed("a", 75, "budget", Stage.ROUTER, null, T, 0))).isTrue();
    assertThat(f.matches(failed("b", 75, "timeout", Stage.ROUTER, null, T, 0))).isFalse();
  }

  @Test
  void shouldStopReplayLoopsAndRefuseProducerLines() {
    assertThat(ReplayRule.refusal(failed("a", 75, Stage.POLLER, null, T, 0), 3)).isNull();
    assertThat(ReplayRule.refusal(failed("a", 75, Stage.POLLER, null, T, 3), 3))
        .contains("already replayed 3 times");
    assertThat(ReplayRule.refusal(failed("a", 65, Stage.PRODUCER, null, T, 0), 3))
        .contains("fix the line");
  }

  @Test
  void shouldPreferTheLatestRunThenDoneWhenFoldingAJobsOutcomes() {
    JobEvent f0 = failed("a", 75, Stage.POLLER, null, T, 0);
    JobEvent f1 = failed("a", 69, Stage.ROUTER, null, T.plusSeconds(5), 1);
    assertThat(FailedJobs.latest(f0, f1)).isSameAs(f1);
    assertThat(FailedJobs.latest(f1, f0)).isSameAs(f1);
    JobEvent done1 = JobEvent.requested(f0.job(), T, 1).done(List.of(), T);
    assertThat(FailedJobs.latest(f1, done1)).as("same run: done wins").isSameAs(done1);
    assertThat(FailedJobs.latest(done1, f1)).isSameAs(done1);
    JobEvent done0 = JobEvent.requested(f0.job(), T).done(List.of(), T);
    assertThat(FailedJobs.latest(done0, f1)).as("a re-run that failed reads failed").isSameAs(f1);
  }
}
