package dev.editstream.core.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.job.Job;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 14, defect 12: only the requested event carries the signatures of pre-signed inputs. */
class JobEventRedactionTest {
  private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
  private static final String SIGNED =
      "https://bucket.s3.amazonaws.com/in/a.png?X-Amz-Signature=abcdef0123456789&X-Amz-Expires=600";

  private static JobEvent requested() {
    Job job =
        new Job(
            "j-1",
            "warmer",
            List.of(SIGNED, "/data/in/b.png"),
            SIGNED,
            null,
            null,
            Map.of("loras", List.of(Map.of("path", SIGNED, "scale", 0.8))),
            null);
    return JobEvent.requested(job, NOW);
  }

  private static JobEvent submitted() {
    return requested()
        .submitted(
            new RouteDecision("m", "r", List.of()),
            Map.of("images", List.of(SIGNED), "prompt", "warmer"),
            new Submission("r-1", null, null, null, NOW),
            NOW);
  }

  private static String json(JobEvent e) {
    return new String(RecordLimits.encode(e), java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void shouldKeepTheSignedInputsInTheRequestedEventAndItsRouterRetries() {
    assertThat(json(requested())).contains("X-Amz-Signature");
    assertThat(
            json(
                requested()
                    .retry(
                        new Attempt(
                            Stage.ROUTER, ExitClass.TEMPFAIL, FailureReason.HTTP_429, "busy", NOW),
                        NOW)))
        .contains("X-Amz-Signature");
  }

  @Test
  void shouldDropQueryStringsFromEveryLaterEventAndItsRetries() {
    JobEvent s = submitted();
    JobEvent c = s.completed(List.of("https://x.runcomfy.net/o.png"), NOW);
    List<JobEvent> later =
        List.of(
            s,
            c,
            c.done(List.of(), NOW),
            s.failed(new Failure(ExitClass.DATA, "x", "y", Stage.POLLER, 1), NOW),
            requested().failed(new Failure(ExitClass.DATA, "x", "y", Stage.ROUTER, 1), NOW),
            s.retry(
                new Attempt(Stage.POLLER, ExitClass.UNAVAILABLE, "http_502", "bad gateway", NOW),
                NOW),
            c.retry(new Attempt(Stage.DOWNLOADER, ExitClass.UNAVAILABLE, "x", "y", NOW), NOW));
    for (JobEvent e : later) {
      assertThat(json(e))
          .as(e.type() + " event")
          .doesNotContain("X-Amz-Signature")
          .contains("a.png?<redacted>");
    }
    assertThat(s.job().images())
        .containsExactly("https://bucket.s3.amazonaws.com/in/a.png?<redacted>", "/data/in/b.png");
  }

  @Test
  void shouldSayInTheReplayThatTheSignaturesAreGone() {
    JobEvent failed =
        submitted()
            .failed(new Failure(ExitClass.UNAVAILABLE, "http_502", "x", Stage.POLLER, 3), NOW);
    JobEvent replay = failed.replayed(NOW.plusSeconds(60));
    assertThat(replay.type()).isEqualTo(EventType.REQUESTED);
    assertThat(replay.history().get(replay.history().size() - 1).reasonText())
        .isEqualTo(JobEvent.INPUTS_REDACTED);
    assertThat(replay.job().hasRedactedInputs()).isTrue();
  }

  @Test
  void shouldReplayAJobWithoutSignedInputsWithoutAWarning() {
    Job job =
        new Job("j-2", "x", List.of("https://cdn.example.com/a.png"), null, null, null, null, null);
    JobEvent failed =
        JobEvent.requested(job, NOW)
            .failed(new Failure(ExitClass.UNAVAILABLE, "http_502", "x", Stage.ROUTER, 3), NOW);
    assertThat(failed.replayed(NOW).history()).isEmpty();
  }
}
