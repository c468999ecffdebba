package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.emulator.FaultPlan.Outcome;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FaultPlanTest {
  static final EmulatorConfig BASE = EmulatorConfig.defaults(Path.of("out"), "t");

  static List<FaultPlan.CallFault> calls(EmulatorConfig c, int n) {
    FaultPlan plan = new FaultPlan(c);
    List<FaultPlan.CallFault> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(plan.nextCall());
    }
    return out;
  }

  @Test
  void shouldNeverFaultWhenEveryRateIsZero() {
    assertThat(calls(BASE, 1000)).allMatch(f -> f.outcome() == Outcome.ANSWER && f.delayMs() == 0);
    FaultPlan plan = new FaultPlan(BASE);
    for (int i = 0; i < 1000; i++) {
      assertThat(plan.nextJob("m").fails()).isFalse();
      assertThat(plan.nextDownloadTruncated()).isFalse();
    }
  }

  @Test
  void shouldAlwaysFaultWhenRatesAreOne() {
    assertThat(calls(BASE.withRate429(1.0), 200))
        .allMatch(f -> f.outcome() == Outcome.RATE_LIMITED);
    assertThat(calls(BASE.withRate5xx(1.0), 200)).allMatch(f -> f.outcome() == Outcome.UNAVAILABLE);
    assertThat(calls(BASE.withHangRate(1.0), 200)).allMatch(f -> f.outcome() == Outcome.HANG);
    assertThat(calls(BASE.withSlow(1.0, 250), 200))
        .allMatch(f -> f.outcome() == Outcome.ANSWER && f.delayMs() == 250);
    FaultPlan plan = new FaultPlan(BASE.withFailedJobRate(1.0).withTruncateRate(1.0));
    for (int i = 0; i < 200; i++) {
      assertThat(plan.nextJob("m").fails()).isTrue();
      assertThat(plan.nextDownloadTruncated()).isTrue();
    }
  }

  @Test
  void shouldPreferHangThen429Then5xxAndNotDelayAHang() {
    EmulatorConfig all = BASE.withHangRate(1.0).withRate429(1.0).withRate5xx(1.0).withSlow(1.0, 99);
    assertThat(calls(all, 10)).allMatch(f -> f.outcome() == Outcome.HANG && f.delayMs() == 0);
    assertThat(calls(all.withHangRate(0), 10))
        .allMatch(f -> f.outcome() == Outcome.RATE_LIMITED && f.delayMs() == 99);
    assertThat(calls(all.withHangRate(0).withRate429(0), 10))
        .allMatch(f -> f.outcome() == Outcome.UNAVAILABLE);
  }

  @Test
  void shouldRepeatTheSameDrawsForTheSameSeed() {
    EmulatorConfig c = BASE.withRate429(0.3).withRate5xx(0.2).withSlow(0.1, 5).withSeed(42);
    assertThat(calls(c, 500)).isEqualTo(calls(c, 500));
    assertThat(calls(c, 500)).isNotEqualTo(calls(c.withSeed(43), 500));
  }

  @Test
  void shouldKeepJobDrawsIndependentOfCallDraws() {
    EmulatorConfig c = BASE.withFailedJobRate(0.5).withRate429(0.5).withSeed(7);
    FaultPlan quiet = new FaultPlan(c);
    FaultPlan busy = new FaultPlan(c);
    for (int i = 0; i < 50; i++) {
      busy.nextCall();
      busy.nextDownloadTruncated();
      assertThat(busy.nextJob("m")).isEqualTo(quiet.nextJob("m"));
    }
  }

  @Test
  void shouldDrawAcceptedThen504FromItsOwnStreamLeavingTheOtherDrawsUnchanged() {
    EmulatorConfig c =
        BASE.withRate429(0.3).withFailedJobRate(0.5).withTruncateRate(0.5).withSeed(11);
    FaultPlan without = new FaultPlan(c);
    FaultPlan with = new FaultPlan(c.withAcceptedThen504Rate(0.5));
    List<Boolean> gateway = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      assertThat(with.nextCall()).isEqualTo(without.nextCall());
      gateway.add(with.nextAcceptedThen504());
      assertThat(with.nextJob("m")).isEqualTo(without.nextJob("m"));
      assertThat(with.nextDownloadTruncated()).isEqualTo(without.nextDownloadTruncated());
    }
    assertThat(gateway).contains(true, false);
    FaultPlan again = new FaultPlan(c.withAcceptedThen504Rate(0.5));
    assertThat(
            java.util.stream.IntStream.range(0, 200)
                .mapToObj(i -> again.nextAcceptedThen504())
                .toList())
        .isEqualTo(gateway);
    FaultPlan never = new FaultPlan(c);
    FaultPlan always = new FaultPlan(c.withAcceptedThen504Rate(1.0));
    for (int i = 0; i < 100; i++) {
      assertThat(never.nextAcceptedThen504()).isFalse();
      assertThat(always.nextAcceptedThen504()).isTrue();
    }
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.1, 0.5, 0.9})
  void shouldFireAboutAsOftenAsTheRate(double rate) {
    long fired =
        calls(BASE.withRate429(rate).withSeed(3), 20_000).stream()
            .filter(f -> f.outcome() == Outcome.RATE_LIMITED)
            .count();
    assertThat(fired / 20_000.0).isBetween(rate - 0.02, rate + 0.02);
  }

  @Test
  void shouldDrawLatenciesWithinTheRangeReachingBothEnds() {
    FaultPlan plan = new FaultPlan(BASE.withLatency(10, 13));
    List<Long> seen = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      seen.add(plan.nextJob("m").latencyMs());
    }
    assertThat(seen).allMatch(l -> l >= 10 && l <= 13).contains(10L, 11L, 12L, 13L);
    assertThat(new FaultPlan(BASE.withLatency(5, 5)).nextJob("m").latencyMs()).isEqualTo(5);
  }

  @Test
  void shouldDrawEachModelsLatencyFromItsModelRepeatablyForTheSameSeed() {
    EmulatorConfig c =
        BASE.withLatency(new LatencyModel.LogNormal(2000, 0.5))
            .withModelLatency("video", new LatencyModel.Fixed(0))
            .withFailedJobRate(0.3)
            .withSeed(21);
    FaultPlan a = new FaultPlan(c);
    FaultPlan b = new FaultPlan(c);
    List<FaultPlan.JobDraw> drawsA = new ArrayList<>();
    List<FaultPlan.JobDraw> drawsB = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String model = i % 3 == 0 ? "video" : "image";
      drawsA.add(a.nextJob(model));
      drawsB.add(b.nextJob(model));
    }
    assertThat(drawsA).isEqualTo(drawsB);
    for (int i = 0; i < 200; i += 3) {
      assertThat(drawsA.get(i).latencyMs()).isZero();
    }
    assertThat(drawsA.get(1).latencyMs()).isPositive();
    FaultPlan other = new FaultPlan(c.withSeed(22));
    assertThat(
            java.util.stream.IntStream.range(0, 200)
                .mapToObj(i -> other.nextJob(i % 3 == 0 ? "video" : "image"))
                .toList())
        .isNotEqualTo(drawsA);
  }
}
