package dev.editstream.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.event.FailureReason;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class BackoffTest {
  private final Backoff backoff = new Backoff(1000, 60_000, 2.0, 100);

  @ParameterizedTest
  @CsvSource({"1,1000", "2,2000", "3,4000", "6,32000", "7,60000", "30,60000"})
  void shouldGrowTheCeilingExponentiallyUpToTheMaximum(int attempt, long ceiling) {
    assertThat(backoff.ceilingMs(attempt)).isEqualTo(ceiling);
  }

  @ParameterizedTest
  @CsvSource({"1,0.0,100", "1,0.5,500", "1,0.999,999", "3,0.25,1000", "10,0.5,30000"})
  void shouldDrawAFullJitterDelayBetweenTheMinimumAndTheCeiling(
      int attempt, double random, long expected) {
    assertThat(backoff.delayMs(attempt, random, -1)).isEqualTo(expected);
  }

  @Test
  void shouldHonourALongerRetryAfter() {
    assertThat(backoff.delayMs(1, 0.1, 7000)).isEqualTo(7000);
    assertThat(backoff.delayMs(5, 0.9, 7000)).isEqualTo(14_400);
  }

  @Test
  void shouldRefuseSettingsThatBreakTheirRuleNamingTheField() {
    assertThatThrownBy(() -> new Backoff(0, 10, 2, 0)).hasMessageContaining("baseMs");
    assertThatThrownBy(() -> new Backoff(10, 5, 2, 0)).hasMessageContaining("maxMs");
    assertThatThrownBy(() -> new Backoff(10, 50, 0.5, 0)).hasMessageContaining("multiplier");
    assertThatThrownBy(() -> new Backoff(10, 50, 2, 60)).hasMessageContaining("minMs");
    assertThatThrownBy(() -> backoff.delayMs(1, 1.0, -1)).hasMessageContaining("random");
    assertThatThrownBy(() -> backoff.ceilingMs(0)).hasMessageContaining("attempt");
  }

  @ParameterizedTest
  @EnumSource(ExitClass.class)
  void shouldRetryOnlyClasses69And75BelowTheCap(ExitClass c) {
    RetryPolicy p = new RetryPolicy(3, backoff);
    Instant now = Instant.parse("2026-11-23T10:00:00Z");
    RetryDecision.Verdict first = decide(p, 1, c, null, now);
    assertThat(first instanceof RetryDecision.Retry)
        .isEqualTo(c == ExitClass.TEMPFAIL || c == ExitClass.UNAVAILABLE);
    if (first instanceof RetryDecision.Retry r) {
      assertThat(r.at()).isEqualTo(now.plusMillis(500));
      assertThat(decide(p, 3, c, null, now)).isInstanceOf(RetryDecision.Fail.class);
      assertThat(decide(p, 2, c, Duration.ofSeconds(30), now))
          .isInstanceOfSatisfying(
              RetryDecision.Retry.class, r2 -> assertThat(r2.at()).isEqualTo(now.plusSeconds(30)));
    } else {
      assertThat(first).isInstanceOf(RetryDecision.Fail.class);
    }
  }

  private static RetryDecision.Verdict decide(
      RetryPolicy p, int attempt, ExitClass c, Duration retryAfter, Instant now) {
    return RetryDecision.decide(
        p,
        RetryDecision.Failed.of(attempt, c, FailureReason.HTTP).withRetryAfter(retryAfter),
        now,
        0.5);
  }

  @ParameterizedTest(name = "attempt {0}, progress {1} -> {2}")
  @CsvSource({
    "1, false, 1",
    "1, true, 1",
    "2, false, 2",
    "5, false, 5",
    "5, true, 1",
    "20, true, 1"
  })
  void shouldCountAFailureAfterProgressAsTheFirstOfANewRun(
      int attempt, boolean progress, int counted) {
    assertThat(RetryPolicy.attemptFailed(attempt, progress)).isEqualTo(counted);
  }

  @Test
  void shouldRetryAFailureAfterProgressEvenWhenItsAttemptNumberReachedTheCap() {
    RetryPolicy p = new RetryPolicy(3, new Backoff(100, 1000, 2.0, 10));
    Instant now = Instant.EPOCH;
    RetryDecision.Failed third =
        RetryDecision.Failed.of(3, ExitClass.UNAVAILABLE, FailureReason.HTTP);

    RetryDecision.Verdict atCap = RetryDecision.decide(p, third, now, 0.5);
    RetryDecision.Verdict afterProgress =
        RetryDecision.decide(p, third.withProgress(true), now, 0.5);

    assertThat(atCap).isInstanceOf(RetryDecision.Fail.class);
    assertThat(afterProgress).isInstanceOf(RetryDecision.Retry.class);
    assertThat(((RetryDecision.Retry) afterProgress).delay())
        .isEqualTo(
            ((RetryDecision.Retry)
                    RetryDecision.decide(
                        p,
                        RetryDecision.Failed.of(1, ExitClass.UNAVAILABLE, FailureReason.HTTP),
                        now,
                        0.5))
                .delay());
  }

  @Test
  void shouldRefuseAnAttemptBelowOne() {
    assertThatThrownBy(() -> RetryPolicy.attemptFailed(0, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("attempt");
  }
}
