package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProgressLineTest {

  private static ProgressLine.Counts counts(
      int total, int done, int failed, int inFlight, int queued) {
    return new ProgressLine.Counts(total, done, failed, inFlight, queued, 1.23, true, null);
  }

  /** A rate of exactly {@code perSecond} jobs/s over 10 s, ending at {@code finished}. */
  private static Rate steady(double perSecond, int finished) {
    int before = finished - (int) Math.round(perSecond * 10);
    return Rate.start(0).sample(2_300, Math.max(0, before)).sample(12_300, finished);
  }

  @Nested
  class Format {
    @Test
    void shouldFormatTheExampleLine() {
      Rate rate = Rate.start(0).sample(2_300, 143 - 114).sample(12_300, 143);
      assertThat(ProgressLine.format(counts(300, 140, 3, 52, 105), Duration.ofMillis(12_300), rate))
          .isEqualTo(
              "[  12.3s] 140/300 done · 3 failed · 52 in flight · 105 queued · 11.4 jobs/s · ETA 14s · $1.23 so far");
    }

    @Test
    void shouldAppendThePausedReason() {
      ProgressLine.Counts c =
          new ProgressLine.Counts(300, 140, 3, 0, 157, 1.23, true, "no balance");
      assertThat(ProgressLine.format(c, Duration.ofMillis(12_300), steady(11.4, 143)))
          .endsWith(" · $1.23 so far · paused: no balance");
    }

    @Test
    void shouldNotAppendABlankPausedReason() {
      ProgressLine.Counts c = new ProgressLine.Counts(10, 1, 0, 0, 9, 0, true, "  ");
      assertThat(c.paused()).isFalse();
      assertThat(ProgressLine.format(c, Duration.ZERO, Rate.start(0))).doesNotContain("paused");
    }

    @Test
    void shouldKeepThePausedReasonOnOneLine() {
      ProgressLine.Counts c =
          new ProgressLine.Counts(10, 1, 0, 0, 9, 0, true, "402\nno\rbalance\t ");
      assertThat(ProgressLine.format(c, Duration.ZERO, Rate.start(0)))
          .endsWith("paused: 402 no balance")
          .doesNotContain("\n", "\r");
    }

    @Test
    void shouldFormatZeroTotalWithoutDividingByZero() {
      assertThat(
              ProgressLine.format(
                  new ProgressLine.Counts(0, 0, 0, 0, 0, 0, true, null),
                  Duration.ZERO,
                  Rate.start(0)))
          .isEqualTo(
              "[   0.0s] 0/0 done · 0 failed · 0 in flight · 0 queued · -- jobs/s · ETA 0s · $0.00 so far");
    }

    @Test
    void shouldShowUnknownRateAndEtaBeforeTwoSamples() {
      assertThat(
              ProgressLine.format(
                  counts(300, 0, 0, 10, 290), Duration.ofMillis(500), Rate.start(0).sample(500, 0)))
          .contains("· -- jobs/s · ETA -- ·");
    }

    @Test
    void shouldSayCostUnknown() {
      ProgressLine.Counts c = new ProgressLine.Counts(3, 1, 0, 2, 0, 0, false, null);
      assertThat(ProgressLine.format(c, Duration.ZERO, Rate.start(0))).endsWith(" · cost unknown");
    }

    @Test
    void shouldUseTheGivenSeparator() {
      assertThat(
              ProgressLine.format(
                  counts(300, 140, 3, 52, 105),
                  Duration.ofMillis(12_300),
                  steady(11.4, 143),
                  ProgressLine.ASCII_SEPARATOR))
          .isEqualTo(
              "[  12.3s] 140/300 done | 3 failed | 52 in flight | 105 queued | 11.4 jobs/s | ETA 14s | $1.23 so far")
          .matches("\\p{ASCII}*");
    }

    @Test
    void shouldNotDependOnTheDefaultLocale() {
      Locale before = Locale.getDefault();
      try {
        Locale.setDefault(Locale.GERMANY);
        assertThat(
                ProgressLine.format(
                    counts(300, 140, 3, 52, 105), Duration.ofMillis(12_300), steady(11.4, 143)))
            .startsWith("[  12.3s]")
            .contains("11.4 jobs/s", "$1.23");
      } finally {
        Locale.setDefault(before);
      }
    }

    @Test
    void shouldExposeFinishedAndRemaining() {
      ProgressLine.Counts c = counts(10, 4, 2, 3, 1);
      assertThat(c.finished()).isEqualTo(6);
      assertThat(c.remaining()).isEqualTo(4);
      assertThat(counts(5, 4, 3, 0, 0).remaining()).isZero();
    }
  }

  @Nested
  class Parts {
    @ParameterizedTest
    @CsvSource({
      "0,[   0.0s]",
      "49,[   0.0s]",
      "12345,[  12.3s]",
      "999999,[1000.0s]",
      "-5,[   0.0s]"
    })
    void shouldFormatElapsed(long ms, String expected) {
      assertThat(ProgressLine.elapsed(Duration.ofMillis(ms))).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({
      "11.44,11.4 jobs/s",
      "1,1.0 jobs/s",
      "0.25,0.25 jobs/s",
      "0,0.00 jobs/s",
      "0.999,1.0 jobs/s",
      "250,250.0 jobs/s"
    })
    void shouldFormatRate(double perSecond, String expected) {
      assertThat(ProgressLine.rate(perSecond)).isEqualTo(expected);
    }

    @Test
    void shouldFormatUnknownRate() {
      assertThat(ProgressLine.rate(Double.NaN)).isEqualTo("-- jobs/s");
      assertThat(ProgressLine.rate(Double.POSITIVE_INFINITY)).isEqualTo("-- jobs/s");
      assertThat(ProgressLine.rate(-1)).isEqualTo("-- jobs/s");
    }

    @ParameterizedTest
    @CsvSource({
      "0,0s",
      "1,1s",
      "14,14s",
      "59,59s",
      "60,1m00s",
      "185,3m05s",
      "3599,59m59s",
      "3600,1h00m",
      "3720,1h02m",
      "3779,1h02m",
      "86400,24h00m",
      "-3,0s"
    })
    void shouldFormatDurations(long seconds, String expected) {
      assertThat(ProgressLine.duration(seconds)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({
      "157,11.4,ETA 14s", // 13.77 s, rounded up
      "10,1,ETA 10s",
      "1,1000,ETA 1s", // never ETA 0s while jobs remain
      "185,1,ETA 3m05s",
      "3720,1,ETA 1h02m",
      "356400,1,ETA 99h00m",
      "356401,1,ETA >99h",
      "5,0.00001,ETA >99h",
      "0,0,ETA 0s",
      "0,5,ETA 0s",
      "10,0,ETA --"
    })
    void shouldFormatEta(int remaining, double perSecond, String expected) {
      assertThat(ProgressLine.eta(remaining, perSecond)).isEqualTo(expected);
    }

    @Test
    void shouldShowNoEtaWithUnknownRate() {
      assertThat(ProgressLine.eta(10, Double.NaN)).isEqualTo("ETA --");
      assertThat(ProgressLine.eta(0, Double.NaN)).isEqualTo("ETA 0s");
    }

    @ParameterizedTest
    @CsvSource({
      "1.23,true,$1.23 so far",
      "0,true,$0.00 so far",
      "0.004,true,<$0.01 so far",
      "0.005,true,$0.01 so far",
      "1234.5,true,$1234.50 so far",
      "1.23,false,cost unknown",
      "0,false,cost unknown"
    })
    void shouldFormatCost(double usd, boolean known, String expected) {
      assertThat(ProgressLine.cost(usd, known)).isEqualTo(expected);
    }

    @Test
    void shouldSayCostUnknownForNaN() {
      assertThat(ProgressLine.cost(Double.NaN, true)).isEqualTo("cost unknown");
    }
  }

  @Nested
  class RateWindow {
    @Test
    void shouldBeUnknownWithoutTwoSamplesASecondApart() {
      assertThat(Rate.start(0).known()).isFalse();
      assertThat(Rate.start(0).jobsPerSecond()).isNaN();
      assertThat(Rate.start(0).sample(0, 0).known()).isFalse();
      assertThat(Rate.start(0).sample(0, 0).sample(999, 5).known()).isFalse();
      Rate r = Rate.start(0).sample(0, 0).sample(1_000, 5);
      assertThat(r.known()).isTrue();
      assertThat(r.jobsPerSecond()).isEqualTo(5.0);
    }

    @Test
    void shouldMeasureTheSlopeFromTheFirstSampleWhileYoungerThanTheWindow() {
      Rate r = Rate.start(0);
      for (int s = 0; s <= 20; s++) {
        r = r.sample(s * 1_000L, s * 3);
      }
      assertThat(r.jobsPerSecond()).isCloseTo(3.0, within(1e-9));
    }

    @Test
    void shouldForgetSamplesOlderThanTheWindow() {
      Rate r = Rate.start(30_000, 0);
      int finished = 0;
      // 60 s at 10 jobs/s, then 30 s at 2 jobs/s: the rate is the last 30 s only.
      for (int s = 1; s <= 60; s++) {
        finished += 10;
        r = r.sample(s * 1_000L, finished);
      }
      assertThat(r.jobsPerSecond()).isCloseTo(10.0, within(1e-9));
      for (int s = 61; s <= 90; s++) {
        finished += 2;
        r = r.sample(s * 1_000L, finished);
      }
      assertThat(r.jobsPerSecond()).isCloseTo(2.0, within(1e-9));
    }

    @Test
    void shouldSpanExactlyTheWindowWhenASampleSitsOnItsEdge() {
      Rate r =
          Rate.start(10_000, 0)
              .sample(0, 0)
              .sample(5_000, 100)
              .sample(10_000, 110)
              .sample(15_000, 120);
      // Anchor: the newest sample at or before 15 000 - 10 000 = 5 000 ms.
      assertThat(r.jobsPerSecond()).isCloseTo(20 / 10.0, within(1e-9));
    }

    @Test
    void shouldDropToZeroWhenNothingFinishesForAWholeWindow() {
      Rate r = Rate.start(10_000, 0).sample(0, 0).sample(5_000, 50);
      assertThat(r.jobsPerSecond()).isEqualTo(10.0);
      r = r.sample(15_000, 50).sample(16_000, 50);
      assertThat(r.jobsPerSecond()).isZero();
      assertThat(ProgressLine.eta(10, r.jobsPerSecond())).isEqualTo("ETA --");
    }

    @Test
    void shouldIgnoreSamplesGoingBackInTime() {
      Rate r = Rate.start(0).sample(0, 0).sample(2_000, 10);
      assertThat(r.sample(1_000, 99)).isSameAs(r);
    }

    @Test
    void shouldNeverBeNegative() {
      Rate r = Rate.start(0).sample(0, 10).sample(2_000, 4);
      assertThat(r.jobsPerSecond()).isZero();
    }

    @Test
    void shouldBeImmutable() {
      Rate empty = Rate.start(0);
      Rate one = empty.sample(0, 0);
      Rate two = one.sample(2_000, 10);
      assertThat(empty.samples()).isZero();
      assertThat(one.samples()).isEqualTo(1);
      assertThat(one.known()).isFalse();
      assertThat(two.jobsPerSecond()).isEqualTo(5.0);
    }

    @Test
    void shouldKeepABoundedNumberOfSamplesHoweverOftenFed() {
      Rate r = Rate.start(30_000, 0);
      for (int ms = 0; ms <= 120_000; ms += 10) {
        r = r.sample(ms, ms / 100);
      }
      assertThat(r.samples()).isLessThanOrEqualTo(245);
      assertThat(r.jobsPerSecond()).isCloseTo(10.0, within(0.2));
      assertThat(r.finishedThisRun()).isEqualTo(1_200);
    }

    @Test
    void shouldRejectBadArguments() {
      assertThatThrownBy(() -> Rate.start(999, 0)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> Rate.start(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldDescribeItself() {
      assertThat(Rate.start(0).toString()).contains("unknown");
      assertThat(Rate.start(0).sample(0, 0).sample(2_000, 10).toString()).contains("5.00 jobs/s");
    }
  }

  @Nested
  class ResumedBatch {
    @Test
    void shouldNotCountJobsFinishedBeforeThisRun() {
      // 200 of 300 finished in an earlier run; the tracker catches up on them in the first 2 s,
      // then this run finishes 1 job/s.
      Rate r = Rate.start(200).sample(0, 0).sample(1_000, 120).sample(2_000, 200);
      assertThat(r.finishedThisRun()).isZero();
      assertThat(r.jobsPerSecond()).isZero();
      for (int s = 3; s <= 12; s++) {
        r = r.sample(s * 1_000L, 200 + (s - 2));
      }
      assertThat(r.finishedThisRun()).isEqualTo(10);
      assertThat(r.finishedAtStart()).isEqualTo(200);
      assertThat(r.jobsPerSecond()).isCloseTo(10 / 12.0, within(1e-9));
      ProgressLine.Counts c = new ProgressLine.Counts(300, 205, 5, 4, 86, 0.5, true, null);
      assertThat(ProgressLine.format(c, Duration.ofSeconds(12), r))
          .contains("205/300 done", "0.83 jobs/s", "ETA 1m48s");
    }

    @Test
    void shouldBeWildlyTooHighWithoutTheBaseline() {
      Rate wrong =
          Rate.start(0).sample(0, 0).sample(1_000, 120).sample(2_000, 200).sample(3_000, 201);
      Rate right =
          Rate.start(200).sample(0, 0).sample(1_000, 120).sample(2_000, 200).sample(3_000, 201);
      assertThat(wrong.jobsPerSecond()).isCloseTo(67.0, within(0.01));
      assertThat(right.jobsPerSecond()).isCloseTo(1 / 3.0, within(1e-9));
    }
  }
}
