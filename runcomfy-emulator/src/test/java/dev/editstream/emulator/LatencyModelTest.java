package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LatencyModelTest {
  static long[] sample(LatencyModel m, long seed, int n) {
    SplittableRandom r = new SplittableRandom(seed);
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = m.sample(r);
    }
    Arrays.sort(out);
    return out;
  }

  static double percentile(long[] sorted, double p) {
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  }

  static double mean(long[] xs) {
    return Arrays.stream(xs).average().orElseThrow();
  }

  @Test
  void fixedAlwaysAnswersItsValueIncludingZero() {
    assertThat(sample(new LatencyModel.Fixed(2000), 1, 100)).containsOnly(2000L);
    assertThat(sample(new LatencyModel.Fixed(0), 1, 100)).containsOnly(0L);
  }

  @Test
  void uniformStaysInRangeReachesBothEndsAndCentresOnTheMidpoint() {
    long[] small = sample(new LatencyModel.Uniform(10, 13), 2, 2000);
    assertThat(small).contains(10L, 11L, 12L, 13L);
    assertThat(small[0]).isEqualTo(10);
    assertThat(small[small.length - 1]).isEqualTo(13);
    long[] wide = sample(new LatencyModel.Uniform(1000, 3000), 3, 20_000);
    assertThat(mean(wide)).isCloseTo(2000, within(2000 * 0.02));
    assertThat(percentile(wide, 0.5)).isCloseTo(2000, within(2000 * 0.05));
    assertThat(percentile(wide, 0.9)).isCloseTo(2800, within(2800 * 0.05));
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.25, 0.5, 1.0})
  void logNormalHasTheTargetMedianMeanAndP90(double sigma) {
    long[] xs = sample(new LatencyModel.LogNormal(2000, sigma), 42, 50_000);
    assertThat(percentile(xs, 0.5)).isCloseTo(2000, within(2000 * 0.05));
    double expectedMean = 2000 * Math.exp(sigma * sigma / 2);
    assertThat(mean(xs)).isCloseTo(expectedMean, within(expectedMean * 0.05));
    double expectedP90 = 2000 * Math.exp(1.2815516 * sigma);
    assertThat(percentile(xs, 0.9)).isCloseTo(expectedP90, within(expectedP90 * 0.05));
    assertThat(xs[0]).isNotNegative();
  }

  @Test
  void logNormalWithSigmaZeroIsTheMedianAndHeavyTailsAreCapped() {
    assertThat(sample(new LatencyModel.LogNormal(1500, 0), 1, 50)).containsOnly(1500L);
    long[] heavy = sample(new LatencyModel.LogNormal(LatencyModel.MAX_MS, 5), 1, 2000);
    assertThat(heavy[heavy.length - 1]).isEqualTo(LatencyModel.MAX_MS);
  }

  @Test
  void theSameSeedGivesTheSameSequence() {
    LatencyModel m = new LatencyModel.LogNormal(800, 0.7);
    SplittableRandom a = new SplittableRandom(9);
    SplittableRandom b = new SplittableRandom(9);
    for (int i = 0; i < 100; i++) {
      assertThat(m.sample(a)).isEqualTo(m.sample(b));
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = ';',
      value = {
        "fixed:2000; fixed:2000",
        "2000; fixed:2000",
        "Uniform: 1000..3000; uniform:1000..3000",
        "1000..3000; uniform:1000..3000",
        "uniform:500; uniform:500..500",
        "lognormal:2000,0.5; lognormal:2000,0.5",
        "lognormal:2000.5,1; lognormal:2000.5,1"
      })
  void parsesEveryFormAndPrintsItBack(String text, String spec) {
    LatencyModel m = LatencyModel.parse(text);
    assertThat(m.spec()).isEqualTo(spec);
    assertThat(LatencyModel.parse(m.spec())).isEqualTo(m);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "gamma:3",
        "fixed:",
        "fixed:-1",
        "uniform:5..1",
        "uniform:a..b",
        "lognormal:2000",
        "lognormal:0,1",
        "lognormal:100,-1",
        "lognormal:100,NaN"
      })
  void rejectsMalformedOrOutOfRangeSpecsQuotingThem(String text) {
    assertThatThrownBy(() -> LatencyModel.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + text + "'");
  }
}
