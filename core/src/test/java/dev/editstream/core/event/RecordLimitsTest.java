package dev.editstream.core.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.job.Job;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, defect 3: sizes decided once; every event either fits or becomes a failed event that
 * does.
 */
class RecordLimitsTest {
  private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
  private final RecordLimits limits = RecordLimits.DEFAULTS;

  private static JobEvent requested(String prompt) {
    return JobEvent.requested(
        new Job(
            "j-1",
            prompt,
            List.of("https://cdn.example.com/a.png"),
            null,
            null,
            null,
            Map.of("seed", 7),
            null),
        NOW);
  }

  private static JobEvent submitted(String requestId) {
    return requested("x")
        .submitted(
            new RouteDecision("google/nano-banana-2/edit", "default", List.of()),
            Map.of("prompt", "x"),
            new Submission(requestId, null, null, null, NOW),
            NOW);
  }

  @Test
  void shouldKeepTheDefaultsDecidedInTheIssue() {
    assertThat(limits.maxRecordBytes()).isEqualTo(900 * 1024).isLessThan(1_000_000);
    assertThat(limits.maxMessageChars()).isEqualTo(4_000);
    assertThat(limits.maxRequestIdChars()).isEqualTo(200);
    assertThat(limits.maxOutputs()).isEqualTo(1_000);
  }

  @Test
  void shouldPublishAnEventThatKeepsEveryLimitAsItIs() {
    JobEvent e = submitted("7f0e2a4c-9d1b-4c55-8a53-2f0d3c9b1e11");
    assertThat(limits.fit(e, Stage.ROUTER, NOW)).isSameAs(e);
  }

  @Test
  void shouldFailACompletedEventWithTwentyThousandOutputsAsClass65() {
    List<String> urls =
        IntStream.range(0, 20_000).mapToObj(i -> "https://x.runcomfy.net/o/" + i + ".png").toList();
    JobEvent out = limits.fit(submitted("r-1").completed(urls, NOW), Stage.POLLER, NOW);
    assertThat(out.type()).isEqualTo(EventType.FAILED);
    assertThat(out.failure().exitClass().code()).isEqualTo(65);
    assertThat(out.failure().reasonText()).isEqualTo("record_too_large");
    assertThat(out.failure().message()).contains("20,000 output URLs").contains("1,000");
    assertThat(out.outputs()).isNull();
    assertThat(RecordLimits.encode(out).length).isLessThanOrEqualTo(limits.maxRecordBytes());
  }

  @Test
  void shouldFailASubmittedEventWithAHugeRequestIdAsClass65() {
    JobEvent out = limits.fit(submitted("r".repeat(1_500_000)), Stage.ROUTER, NOW);
    assertThat(out.failure().reasonText()).isEqualTo("record_too_large");
    assertThat(out.failure().message()).contains("is 1,").contains("bytes");
    assertThat(RecordLimits.encode(out).length).isLessThan(64 * 1024);
  }

  @Test
  void shouldFailASubmittedEventWithARequestIdOverTwoHundredChars() {
    JobEvent out = limits.fit(submitted("r".repeat(201)), Stage.ROUTER, NOW);
    assertThat(out.failure().message()).contains("request_id of 201 chars");
  }

  @Test
  void shouldShrinkAThreeMegabyteFailureMessageToTheMaxChars() {
    JobEvent failed =
        submitted("r-1")
            .failed(
                new Failure(
                    ExitClass.UNAVAILABLE, "http_502", "e".repeat(3_000_000), Stage.POLLER, 1),
                NOW);
    JobEvent out = limits.fit(failed, Stage.POLLER, NOW);
    assertThat(out.failure().message()).hasSizeLessThanOrEqualTo(4_000);
    assertThat(out.failure().reasonText()).isEqualTo("http_502");
    assertThat(RecordLimits.encode(out).length).isLessThan(16 * 1024);
  }

  @Test
  void shouldKeepOnlyTheLastAttemptsOfALongHistory() {
    JobEvent e = submitted("r-1");
    for (int i = 0; i < 50; i++) {
      e =
          e.retry(
              new Attempt(
                  Stage.POLLER,
                  ExitClass.TEMPFAIL,
                  FailureReason.HTTP_429,
                  "attempt " + i + " " + "m".repeat(10_000),
                  NOW),
              NOW);
    }
    JobEvent out =
        limits.shrink(
            e.failed(
                new Failure(
                    ExitClass.TEMPFAIL,
                    FailureReason.HTTP_429,
                    "attempts used up",
                    Stage.POLLER,
                    50),
                NOW));
    assertThat(out.history()).hasSize(20);
    assertThat(out.history().get(19).message())
        .startsWith("attempt 49")
        .hasSizeLessThanOrEqualTo(4_000);
    assertThat(out.failure().message()).contains("30 oldest attempts");
  }

  @Test
  void shouldClipTheJobItselfWhenNothingElseIsLeftToDrop() {
    JobEvent failed =
        requested("p".repeat(950_000))
            .failed(
                new Failure(
                    ExitClass.DATA, FailureReason.RECORD_TOO_LARGE, "too large", Stage.PRODUCER, 1),
                NOW);
    JobEvent out = limits.shrink(failed);
    assertThat(out.job().id()).isEqualTo("j-1");
    assertThat(out.job().prompt()).hasSizeLessThanOrEqualTo(4_000);
    assertThat(out.failure().message()).contains("long job fields clipped");
    assertThat(RecordLimits.encode(out).length).isLessThanOrEqualTo(limits.maxRecordBytes());
  }

  @Test
  void shouldAlwaysFitEvenWithAHugeRouteAndParams() {
    List<String> cues = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      cues.add("c".repeat(1_000));
    }
    JobEvent e =
        requested("x")
            .submitted(
                new RouteDecision("m", "r", cues),
                Map.of("p", "x".repeat(2_000_000)),
                new Submission("r-1", null, null, null, NOW),
                NOW);
    JobEvent out = limits.fit(e, Stage.ROUTER, NOW);
    assertThat(out.type()).isEqualTo(EventType.FAILED);
    assertThat(RecordLimits.encode(out).length).isLessThanOrEqualTo(limits.maxRecordBytes());
  }

  @Test
  void shouldRefuseLimitsThatBreakTheirRuleNamingTheField() {
    assertThatThrownBy(() -> new RecordLimits(1_000, 4_000, 200, 1_000, 20))
        .hasMessageContaining("maxRecordBytes");
    assertThatThrownBy(() -> new RecordLimits(900_000, 10, 200, 1_000, 20))
        .hasMessageContaining("maxMessageChars");
    assertThatThrownBy(() -> new RecordLimits(900_000, 4_000, 0, 1_000, 20))
        .hasMessageContaining("maxRequestIdChars");
    assertThatThrownBy(() -> new RecordLimits(900_000, 4_000, 200, 0, 20))
        .hasMessageContaining("maxOutputs");
    assertThatThrownBy(() -> new RecordLimits(900_000, 4_000, 200, 1_000, 0))
        .hasMessageContaining("maxHistory");
  }
}
