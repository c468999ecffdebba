package dev.editstream.core.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.job.Job;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobEventBuilderTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private static final Job JOB =
      new Job(
          "j1", "make it blue", List.of("https://example.com/a.png"), null, null, null, null, "b");

  @Test
  void shouldCopyEveryFieldThroughToBuilder() {
    JobEvent e =
        JobEvent.requested(JOB, T)
            .submitted(
                new RouteDecision("m/x", "rule", null),
                java.util.Map.of("prompt", "p"),
                new Submission("r1", null, null, null, T),
                T)
            .retry(
                new Attempt(Stage.POLLER, ExitClass.TEMPFAIL, FailureReason.TIMEOUT, "slow", T),
                T.plusSeconds(5));
    assertThat(e.toBuilder().build()).isEqualTo(e);
    JobEvent moved = e.toBuilder().attempt(7).replays(3).build();
    assertThat(moved.attempt()).isEqualTo(7);
    assertThat(moved.replays()).isEqualTo(3);
    assertThat(moved.submission()).isEqualTo(e.submission());
    assertThat(moved.history()).isEqualTo(e.history());
  }

  @Test
  void shouldStartANewEventAtTheCurrentVersionAndAttemptOne() {
    JobEvent e = JobEvent.builder(EventType.REQUESTED, "j1", T).job(JOB).build();
    assertThat(e.v()).isEqualTo(JobEvent.VERSION);
    assertThat(e.attempt()).isEqualTo(1);
    assertThat(e.createdAt()).isEqualTo(T);
    assertThat(e.history()).isEmpty();
    assertThat(e).isEqualTo(JobEvent.requested(JOB, T));
  }

  @Test
  void shouldRefuseABuilderWithoutTheRequiredFields() {
    assertThatThrownBy(() -> JobEvent.builder(EventType.DONE, null, T).build())
        .isInstanceOf(NullPointerException.class)
        .hasMessage("job_id");
  }
}
