package dev.editstream.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.event.Failure;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.OutputFile;
import dev.editstream.core.event.RouteDecision;
import dev.editstream.core.event.Stage;
import dev.editstream.core.event.Submission;
import dev.editstream.core.job.Job;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventHeadTest {
  static final Instant T0 = Instant.parse("2026-11-23T10:00:00.123456789Z");

  static Stream<JobEvent> events() {
    Job job =
        new Job(
            "job-1",
            "Keep the product; replace the background",
            List.of("https://a.example/1.png"),
            null,
            null,
            null,
            Map.of("strength", 0.5, "nested", Map.of("route", Map.of("model_id", "decoy"))),
            "batch-9");
    JobEvent requested = JobEvent.requested(job, T0);
    JobEvent submitted =
        requested.submitted(
            new RouteDecision(
                "google/nano-banana-2/edit", "background-swap", List.of("background:background")),
            Map.of("prompt", "p", "submission", Map.of("request_id", "decoy")),
            new Submission("req-1", null, null, null, T0.plusMillis(5)),
            T0.plusMillis(6));
    JobEvent completed =
        submitted.completed(List.of("https://cdn.runcomfy.net/o/1.png"), T0.plusSeconds(3));
    JobEvent done =
        completed.done(
            List.of(
                new OutputFile(
                    "job-1/1.png",
                    10,
                    "ab".repeat(32),
                    "image/png",
                    "https://cdn.runcomfy.net/o/1.png")),
            T0.plusSeconds(4));
    JobEvent failed =
        submitted.failed(
            new Failure(ExitClass.DATA, "bad", "nope", Stage.POLLER, 1), T0.plusSeconds(5));
    JobEvent replayed = failed.replayed(T0.plusSeconds(9));
    return Stream.of(requested, submitted, completed, done, failed, replayed);
  }

  @ParameterizedTest
  @MethodSource("events")
  void shouldReadTheSameHeadFieldsAsAFullDecode(JobEvent e) {
    byte[] bytes = EventCodec.encode(e);
    JobEvent full = EventCodec.decode(bytes);

    EventHead h = EventHead.read(bytes);

    assertThat(h.type()).isEqualTo(full.type());
    assertThat(h.jobId()).isEqualTo(full.jobId());
    assertThat(h.at()).isEqualTo(full.at());
    assertThat(h.replays()).isEqualTo(full.replays());
    assertThat(h.requestId())
        .isEqualTo(full.submission() == null ? null : full.submission().requestId());
    assertThat(h.modelId()).isEqualTo(full.route() == null ? null : full.route().modelId());
    assertThat(h.rule()).isEqualTo(full.route() == null ? null : full.route().rule());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "[]",
        "42",
        "{\"job_id\":\"j\"}",
        "{\"type\":\"done\"}",
        "{\"type\":\"exploded\",\"job_id\":\"j\"}",
        "{\"type\":\"done\",\"job_id\":\"j\"",
        "not json"
      })
  void shouldRejectWhatIsNotAnEventWithAReadableReason(String json) {
    assertThatThrownBy(() -> EventHead.read(json.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not a job event");
  }
}
