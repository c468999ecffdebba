package dev.editstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.event.EventType;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Submission;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PollingScenarioTest {
  static final Instant T0 = Instant.parse("2026-11-23T12:00:00Z");

  static JobEvent done(String jobId, Instant at, String... requestIds) {
    List<Submission> parts =
        java.util.Arrays.stream(requestIds)
            .map(id -> new Submission(id, null, null, null, T0))
            .toList();
    return JobEvent.builder(EventType.DONE, jobId, at).createdAt(T0).build().withParts(parts);
  }

  @Test
  void shouldMeasureFromTheLatestRemoteEndOfAJobsRequestsToItsDoneEvent() {
    Map<String, Instant> ends =
        Map.of(
            "r1",
            T0.plusMillis(40_000),
            "r2a",
            T0.plusMillis(30_000),
            "r2b",
            T0.plusMillis(52_250),
            "r3",
            T0.plusMillis(10_000));
    List<JobEvent> events =
        List.of(
            done("one", T0.plusMillis(41_500), "r1"),
            done("split", T0.plusMillis(53_000), "r2a", "r2b"),
            done("unknown", T0.plusMillis(60_000), "r3", "r-missing"));

    long[] delays = Scenarios.doneMinusRemoteEndMs(events, id -> Optional.ofNullable(ends.get(id)));

    assertThat(delays).containsExactly(1_500, 750);
  }

  static BenchResult row(String name, double callsPerJob, long p95) {
    return new BenchResult(
        name, 1000, 120, 47, callsPerJob, 1000, p95, p95 + 500, 0, 100, 10, name + " note");
  }

  @Test
  void shouldAppendTheComparisonToTheSmartRowOnlyWhenBothRowsRan() {
    List<BenchResult> holds =
        PollingScenario.compare(List.of(row("p", 11.0, 2700), row("p-fixed2s", 25.0, 1900)));
    List<BenchResult> callsMissed =
        PollingScenario.compare(List.of(row("p-fixed2s", 25.0, 1900), row("p", 13.0, 2700)));
    List<BenchResult> delayMissed =
        PollingScenario.compare(List.of(row("p", 11.0, 2901), row("p-fixed2s", 25.0, 1900)));
    List<BenchResult> alone = List.of(row("p", 11.0, 2700));

    assertThat(holds.get(0).note())
        .isEqualTo(
            "p note; status calls x0.44 of p-fixed2s (bar <= 0.50), p95 +800 ms (bar <= +1000 ms): bar holds");
    assertThat(holds.get(1).note()).isEqualTo("p-fixed2s note");
    assertThat(callsMissed.get(1).note())
        .endsWith(
            "status calls x0.52 of p-fixed2s (bar <= 0.50), p95 +800 ms (bar <= +1000 ms): bar missed");
    assertThat(delayMissed.get(0).note()).endsWith("p95 +1001 ms (bar <= +1000 ms): bar missed");
    assertThat(PollingScenario.compare(alone)).isSameAs(alone);
    assertThat(holds.get(0).statusCallsPerJob()).isEqualTo(11.0);
  }

  @Test
  void shouldDescribeTheLatencyWithItsMean() {
    assertThat(PollingScenario.LATENCY.spec()).isEqualTo("lognormal:45000,0.3");
    // mean of a log-normal: median x exp(sigma^2 / 2), checked against the model's own samples
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
    double sum = 0;
    int n = 200_000;
    for (int i = 0; i < n; i++) {
      sum += PollingScenario.LATENCY.sample(rnd);
    }
    assertThat(sum / n / 1000)
        .isCloseTo(PollingScenario.MEAN_S, org.assertj.core.data.Offset.offset(0.3));
  }

  @Test
  void shouldJudgeScenarioAsBarOfRatioAndStatusCallsPerJobInItsNote() {
    BenchResult holds = new BenchResult("a", 2000, 87.9, 80, 4.0, 100, 200, 300, 0, 100, 10, "a");
    BenchResult slow = new BenchResult("a", 2000, 88.1, 80, 3.5, 100, 200, 300, 0, 100, 10, "a");
    BenchResult costly =
        new BenchResult("a", 2000, 85.3, 80, 12.25, 100, 200, 300, 0, 100, 10, "a");

    assertThat(Scenarios.judgedA(holds).note())
        .isEqualTo(
            "a; ratio 1.099 (bar <= 1.10) at 4.00 status calls per job (bar <= 4): bar holds");
    assertThat(Scenarios.judgedA(slow).note())
        .endsWith("ratio 1.101 (bar <= 1.10) at 3.50 status calls per job (bar <= 4): bar missed");
    assertThat(Scenarios.judgedA(costly).note())
        .endsWith("at 12.25 status calls per job (bar <= 4): bar missed");
    assertThat(Scenarios.judgedA(holds).wallS()).isEqualTo(87.9);
  }
}
