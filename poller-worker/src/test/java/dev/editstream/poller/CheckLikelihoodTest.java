package dev.editstream.poller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link SmartPollSchedule#likelihood}: the worth of a check that the status-call budget ranks. */
class CheckLikelihoodTest {
  static final String MODEL = "m";
  static final long MS = 1_000_000L;

  /** A schedule that learnt 2,000 latencies uniform in 1..3 s (bench (a)'s model). */
  static SmartPollSchedule learntTwoSeconds() {
    SmartPollSchedule s = SmartPollSchedule.defaults();
    Random r = new Random(7);
    for (int i = 0; i < 2000; i++) {
      s.observe(MODEL, Duration.ofMillis(1000 + r.nextInt(2001)));
    }
    return s;
  }

  static double worth(SmartPollSchedule s, long lastMs, long ageMs) {
    return s.likelihood(MODEL, Duration.ofMillis(lastMs), Duration.ofMillis(ageMs), 0).at(0);
  }

  @Test
  void shouldBeWorthNothingBeforeTheModelsEarliestEnd() {
    SmartPollSchedule s = learntTwoSeconds();
    assertThat(worth(s, 0, 0)).isZero();
    assertThat(worth(s, 0, 900)).isZero();
    assertThat(worth(s, 0, 1200)).isPositive();
  }

  @Test
  void shouldRankAJobPastItsExpectedRunTimeBeforeOneThatHasJustStarted() {
    SmartPollSchedule s = learntTwoSeconds();
    double justStarted = worth(s, 0, 1100);
    double pastMedian = worth(s, 2000, 2300); // checked at 2.0 s, now 2.3 s
    double nearEnd = worth(s, 2600, 2900); // the same 300 ms unchecked, near the longest
    assertThat(pastMedian).isGreaterThan(justStarted);
    assertThat(nearEnd).isGreaterThan(pastMedian);
    // about P(ended in the 300 ms | running at 2.6 s) = 0.3 / 0.4, times 150 ms
    assertThat(nearEnd).isCloseTo(0.75 * 0.15, within(0.03));
  }

  @Test
  void shouldGrowWithTheTimeUncheckedOnTheBudgetsTimeLine() {
    SmartPollSchedule s = learntTwoSeconds();
    StatusCallBudget.Likelihood l =
        s.likelihood(MODEL, Duration.ofMillis(1500), Duration.ofMillis(1600), 1_000 * MS);
    assertThat(l.at(1_100 * MS)).isGreaterThan(l.at(1_000 * MS));
    assertThat(l.at(1_100 * MS)).isCloseTo(worth(s, 1500, 1700), within(1e-9));
  }

  @Test
  void shouldCountAnUnknownModelAsAnEvenChance() {
    SmartPollSchedule s = SmartPollSchedule.defaults();
    assertThat(worth(s, 0, 0)).isZero();
    assertThat(worth(s, 500, 900)).isCloseTo(0.5 * 0.2, within(1e-9));
    assertThat(
            SmartPollSchedule.likelihood((double[]) null, 500, 900, 0).at(100 * MS)) // 100 ms later
        .isCloseTo(0.5 * 0.25, within(1e-9));
  }

  @Test
  void shouldCountAJobThatOutlivedEveryEndAsLikely() {
    SmartPollSchedule s = learntTwoSeconds();
    assertThat(worth(s, 4000, 4400)).isCloseTo(0.2, within(1e-9));
  }

  @Test
  void shouldReadTheBucketedCdfLinearlyWithinABucket() {
    double[] cdf = new double[420];
    int b = SmartPollSchedule.LatencySketch.bucket(1000);
    for (int i = b; i < cdf.length; i++) {
      cdf[i] = 1.0;
    }
    long lo = SmartPollSchedule.LatencySketch.upper(b - 1);
    long hi = SmartPollSchedule.LatencySketch.upper(b);
    assertThat(SmartPollSchedule.cdfAt(cdf, lo)).isZero();
    assertThat(SmartPollSchedule.cdfAt(cdf, hi)).isEqualTo(1.0);
    assertThat(SmartPollSchedule.cdfAt(cdf, (lo + hi) / 2.0)).isCloseTo(0.5, within(0.05));
    assertThat(SmartPollSchedule.cdfAt(cdf, 0)).isZero();
    assertThat(SmartPollSchedule.firstEnd(cdf)).isEqualTo(lo);
    assertThat(SmartPollSchedule.firstEnd(new double[420])).isZero();
  }
}
