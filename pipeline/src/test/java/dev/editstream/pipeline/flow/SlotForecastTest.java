package dev.editstream.pipeline.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SlotForecastTest {

  /** P(at least k) by enumerating every outcome of the n events. */
  private static double bruteAtLeast(int k, double[] p) {
    double total = 0;
    for (int mask = 0; mask < 1 << p.length; mask++) {
      double pr = 1;
      for (int i = 0; i < p.length; i++) {
        pr *= (mask & 1 << i) != 0 ? p[i] : 1 - p[i];
      }
      if (Integer.bitCount(mask) >= k) {
        total += pr;
      }
    }
    return total;
  }

  @Test
  void shouldMatchEnumerationForEveryKOnRandomProbabilities() {
    SplittableRandom rnd = new SplittableRandom(19);
    for (int n = 0; n <= 10; n++) {
      for (int round = 0; round < 40; round++) {
        double[] p = new double[n];
        for (int i = 0; i < n; i++) {
          // exact 0s and 1s as well as values between
          int kind = rnd.nextInt(6);
          p[i] = kind == 0 ? 0 : kind == 1 ? 1 : rnd.nextDouble();
        }
        for (int k = -1; k <= n + 1; k++) {
          assertThat(SlotForecast.atLeast(k, p))
              .as("n=%d k=%d", n, k)
              .isCloseTo(bruteAtLeast(k, p), within(1e-12));
        }
      }
    }
  }

  @Test
  void shouldGiveTheBinomialTailForEqualProbabilities() {
    double[] p = new double[50];
    java.util.Arrays.fill(p, 0.07);
    // P(X >= 1) for Binomial(50, 0.07) = 1 - 0.93^50
    assertThat(SlotForecast.atLeast(1, p)).isCloseTo(1 - Math.pow(0.93, 50), within(1e-12));
    assertThat(SlotForecast.atLeast(0, p)).isEqualTo(1);
    assertThat(SlotForecast.atLeast(51, p)).isZero();
  }

  @Test
  void shouldRefuseAProbabilityOutsideZeroToOne() {
    assertThatThrownBy(() -> SlotForecast.atLeast(1, new double[] {0.5, 1.5}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1.5");
    assertThatThrownBy(() -> SlotForecast.atLeast(1, new double[] {Double.NaN}))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldReadTheEmpiricalDistributionOfTheRecordedRunTimes() {
    SlotForecast f = new SlotForecast();
    assertThat(f.cdf(5)).as("no samples").isZero();
    for (long v : new long[] {30, 10, 20, 20, 40}) {
      f.record(v);
    }
    f.record(-1); // ignored
    assertThat(f.samples()).isEqualTo(5);
    assertThat(f.cdf(9)).isZero();
    assertThat(f.cdf(10)).isEqualTo(0.2);
    assertThat(f.cdf(20)).isEqualTo(0.6);
    assertThat(f.cdf(15)).as("a straight line between 10 and 20").isCloseTo(0.3, within(1e-12));
    assertThat(f.cdf(39)).isCloseTo(0.98, within(1e-12));
    assertThat(f.cdf(40)).isEqualTo(1.0);
    assertThat(f.cdf(Long.MAX_VALUE)).isEqualTo(1.0);
  }

  @Test
  void shouldKeepOnlyTheMostRecentRunTimes() {
    SlotForecast f = new SlotForecast();
    for (int i = 0; i < SlotForecast.CAPACITY; i++) {
      f.record(1_000);
    }
    assertThat(f.cdf(1_000)).isEqualTo(1.0);
    for (int i = 0; i < SlotForecast.CAPACITY; i++) {
      f.record(5_000);
    }
    assertThat(f.samples()).isEqualTo(SlotForecast.CAPACITY);
    assertThat(f.cdf(1_000)).as("the old run times are gone").isZero();
  }

  @Test
  void shouldConditionOnTheLastCheckThatFoundTheJobRunning() {
    SlotForecast f = new SlotForecast();
    // run times 1..100 ms, uniform
    for (int ms = 1; ms <= 100; ms++) {
      f.record(ms * 1_000_000L);
    }
    // never checked: F(elapsed)
    assertThat(f.endedSince(0, 50_000_000L)).isCloseTo(0.5, within(1e-12));
    // running at 50 ms, now 75 ms: (0.75 - 0.5) / 0.5
    assertThat(f.endedSince(50_000_000L, 75_000_000L)).isCloseTo(0.5, within(1e-12));
    assertThat(f.endedSince(50_000_000L, 50_000_000L)).as("no time since").isZero();
    assertThat(f.endedSince(50_000_000L, 40_000_000L)).as("a check after now").isZero();
    // running past every recorded run time: nothing is assumed
    assertThat(f.endedSince(100_000_000L, 500_000_000L)).isZero();
    assertThat(f.endedSince(99_000_000L, 500_000_000L)).isEqualTo(1.0);
  }
}
