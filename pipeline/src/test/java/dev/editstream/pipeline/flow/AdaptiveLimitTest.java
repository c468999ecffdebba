package dev.editstream.pipeline.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AdaptiveLimitTest {
  private static final long MS = 1_000_000L;

  @Test
  void shouldConvergeToNinetyPercentOfHiddenCapFortyWithFewRejections() {
    AdaptiveLimit limit = AdaptiveLimit.upTo(1000);
    CappedProviderSimulation.Result r =
        CappedProviderSimulation.run(limit, 40, 2000, 0.5, Duration.ofSeconds(1), 600, 42);
    assertThat(r.meanInFlight()).isGreaterThanOrEqualTo(0.9 * 40);
    assertThat(r.rejectedShare()).isLessThanOrEqualTo(0.05);
    assertThat(r.finalLimit()).isBetween(30, 45);
  }

  @ParameterizedTest(name = "cap {0}, latency {1} ms ± {2}, Retry-After {3} ms, seed {4}")
  @CsvSource({
    "40, 2000, 0.5, 1000, 1",
    "40, 2000, 0.0, 1000, 2",
    "40, 500, 0.5, 0, 3",
    "40, 5000, 0.9, 1000, 4",
    "10, 2000, 0.5, 1000, 5",
    "100, 2000, 0.5, 1000, 6",
    "200, 3000, 0.5, 1000, 7",
    "40, 2000, 0.5, 2000, 8"
  })
  void shouldHoldJustBelowAnyHiddenCap(
      int cap, long latencyMs, double spread, long retryAfterMs, long seed) {
    AdaptiveLimit limit = AdaptiveLimit.upTo(1000);
    CappedProviderSimulation.Result r =
        CappedProviderSimulation.run(
            limit, cap, latencyMs, spread, Duration.ofMillis(retryAfterMs), 900, seed);
    assertThat(r.meanInFlight())
        .as("mean in flight of cap %d", cap)
        .isGreaterThanOrEqualTo(0.9 * cap);
    assertThat(r.rejectedShare()).as("429 share").isLessThanOrEqualTo(0.05);
  }

  @Test
  void shouldDoubleEachRoundTripInSlowStart() {
    AdaptiveLimit l = new AdaptiveLimit(4, 1, 100, 0.9, Duration.ZERO);
    for (int i = 0; i < 4; i++) {
      l.onSuccess(i * MS, 10 * MS, 4 + i);
    }
    assertThat(l.limit()).isEqualTo(8);
    assertThat(l.inSlowStart()).isTrue();
  }

  @Test
  void shouldGrowOnEachAcceptedSubmissionInSlowStartOnly() {
    AdaptiveLimit l = new AdaptiveLimit(4, 1, 100, 0.9, Duration.ZERO);
    for (int i = 1; i <= 4; i++) {
      l.onAccepted(i);
    }
    assertThat(l.limit()).as("3 and 4 in flight used a limit of 4 then 5").isEqualTo(6);
    l.onAccepted(2);
    assertThat(l.limit()).as("2 of 6 in flight: not in use").isEqualTo(6);

    l.onRejected(0, 10, null);
    assertThat(l.limit()).isEqualTo(5);
    l.onAccepted(5);
    assertThat(l.limit()).as("after slow start only ends grow the limit").isEqualTo(5);
  }

  @Test
  void shouldHoldGrowthForOneCooldownAfterARefusedGuessWithoutDecreasing() {
    AdaptiveLimit l = new AdaptiveLimit(20, 1, 100, 0.9, Duration.ofMillis(100));
    l.onSuccess(0, 200 * MS, 20);
    assertThat(l.limit()).as("slow start").isEqualTo(21);

    l.onGuessRefused(1000 * MS);
    assertThat(l.limit()).as("a refused guess is no decrease").isEqualTo(21);
    assertThat(l.inSlowStart()).isFalse();
    assertThat(l.decreases()).isZero();
    assertThat(l.pauseRemainingNanos(1000 * MS)).as("nor a pause").isZero();
    for (int i = 0; i < 200; i++) {
      l.onSuccess(1000 * MS + i * MS, 200 * MS, 21);
    }
    assertThat(l.limit()).as("held for the smoothed round trip, 200 ms").isEqualTo(21);

    int successes = 0;
    while (l.limit() < 22) {
      l.onSuccess(1200 * MS, 200 * MS, l.limit());
      successes++;
    }
    assertThat(successes)
        .as("then the slow probe at the cap the refusal showed: 4 × 21")
        .isBetween(83, 87);
  }

  @Test
  void shouldNotGrowWhenTheLimitIsNotInUse() {
    AdaptiveLimit l = new AdaptiveLimit(20, 1, 100, 0.9, Duration.ZERO);
    for (int i = 0; i < 50; i++) {
      l.onSuccess(i * MS, 10 * MS, 5);
    }
    assertThat(l.limit()).isEqualTo(20);
  }

  @Test
  void shouldGrowByAboutOnePerLimitSuccessesAfterTheFirstRejection() {
    AdaptiveLimit l = new AdaptiveLimit(20, 1, 100, 0.5, Duration.ZERO);
    l.onRejected(0, 20, null);
    assertThat(l.limit()).isEqualTo(10);
    for (int i = 0; i < 11; i++) {
      l.onSuccess((i + 1) * MS, 10 * MS, 10);
    }
    assertThat(l.limit()).isEqualTo(11);
    for (int i = 0; i < 10; i++) {
      l.onSuccess((20 + i) * MS, 10 * MS, 11);
    }
    assertThat(l.limit()).isEqualTo(11);
  }

  @Test
  void shouldProbeAboveTheLastCapFourTimesSlower() {
    AdaptiveLimit l = new AdaptiveLimit(40, 1, 100, 0.9, Duration.ZERO);
    l.onRejected(0, 10, null);
    assertThat(l.limit()).isEqualTo(9);
    int successes = 0;
    while (l.limit() < 10) {
      l.onSuccess(MS, MS, l.limit());
      successes++;
    }
    int atCap = 0;
    while (l.limit() < 11) {
      l.onSuccess(MS, MS, l.limit());
      atCap++;
    }
    assertThat(successes).isBetween(9, 10);
    assertThat(atCap).isBetween(39, 41);
  }

  @Test
  void shouldDecreaseToRatioOfAcceptedInFlightOnRejection() {
    AdaptiveLimit l = new AdaptiveLimit(100, 1, 200, 0.9, Duration.ZERO);
    l.onRejected(0, 40, null);
    assertThat(l.limit()).isEqualTo(36);
    assertThat(l.decreases()).isEqualTo(1);
    assertThat(l.inSlowStart()).isFalse();
  }

  @Test
  void shouldDecreaseAtMostOncePerCooldown() {
    AdaptiveLimit l = new AdaptiveLimit(100, 1, 200, 0.5, Duration.ofMillis(100));
    l.onRejected(0, 100, null);
    l.onRejected(50 * MS, 50, null);
    assertThat(l.limit()).isEqualTo(50);
    l.onRejected(100 * MS, 50, null);
    assertThat(l.limit()).isEqualTo(25);
    assertThat(l.decreases()).isEqualTo(2);
  }

  @Test
  void shouldUseTheSmoothedRoundTripAsCooldownWhenLonger() {
    AdaptiveLimit l = new AdaptiveLimit(100, 1, 200, 0.5, Duration.ZERO);
    l.onSuccess(0, 2000 * MS, 0);
    l.onRejected(0, 100, null);
    l.onRejected(1000 * MS, 50, null);
    assertThat(l.limit()).isEqualTo(50);
    l.onRejected(2000 * MS, 50, null);
    assertThat(l.limit()).isEqualTo(25);
  }

  @Test
  void shouldPauseForRetryAfter() {
    AdaptiveLimit l = AdaptiveLimit.upTo(50);
    assertThat(l.pauseRemainingNanos(0)).isZero();
    l.onRejected(10 * MS, 5, Duration.ofSeconds(1));
    assertThat(l.pauseRemainingNanos(10 * MS)).isEqualTo(1000 * MS);
    assertThat(l.pauseRemainingNanos(510 * MS)).isEqualTo(500 * MS);
    assertThat(l.pauseRemainingNanos(1010 * MS)).isZero();
  }

  @Test
  void shouldStayWithinBounds() {
    AdaptiveLimit l = new AdaptiveLimit(5, 3, 6, 0.5, Duration.ZERO);
    for (int i = 0; i < 20; i++) {
      l.onSuccess(i * MS, MS, 10);
    }
    assertThat(l.limit()).isEqualTo(6);
    for (int i = 0; i < 5; i++) {
      l.onRejected((100 + i) * MS, 1, null);
    }
    assertThat(l.limit()).isEqualTo(3);
  }

  @Test
  void shouldRefuseBadSettings() {
    assertThatThrownBy(() -> new AdaptiveLimit(1, 0, 5, 0.5, Duration.ZERO))
        .hasMessageContaining("min");
    assertThatThrownBy(() -> new AdaptiveLimit(1, 5, 4, 0.5, Duration.ZERO))
        .hasMessageContaining("max");
    assertThatThrownBy(() -> new AdaptiveLimit(1, 1, 5, 1.0, Duration.ZERO))
        .hasMessageContaining("backoffRatio");
    assertThatThrownBy(() -> new AdaptiveLimit(1, 1, 5, 0.5, Duration.ofMillis(-1)))
        .hasMessageContaining("minCooldown");
  }
}
