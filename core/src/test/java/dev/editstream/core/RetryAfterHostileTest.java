package dev.editstream.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.hostile.Surface;
import dev.editstream.core.hostile.SurfaceNames;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 14, defect 7: a server's Retry-After never delays a retry past the stage's max backoff or
 * the job's deadline.
 */
@Surface("retry-after")
@DisplayNameGeneration(SurfaceNames.class)
class RetryAfterHostileTest {
  private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
  private final Backoff backoff = new Backoff(500, 60_000, 2.0, 100);
  private final RetryPolicy policy = new RetryPolicy(5, backoff);

  static Stream<Arguments> asked() {
    return Stream.of(
        Arguments.of("999999 seconds (11.6 days)", Duration.ofSeconds(999_999), 60_000L, true),
        Arguments.of("one year", Duration.ofDays(365), 60_000L, true),
        Arguments.of("Long.MAX_VALUE seconds", Duration.ofSeconds(Long.MAX_VALUE), 60_000L, true),
        Arguments.of(
            "Long.MAX_VALUE milliseconds", Duration.ofMillis(Long.MAX_VALUE), 60_000L, true),
        Arguments.of(
            "one millisecond over the max backoff", Duration.ofMillis(60_001), 60_000L, true),
        Arguments.of("exactly the max backoff", Duration.ofMillis(60_000), 60_000L, false),
        Arguments.of("30 seconds, honoured", Duration.ofSeconds(30), 30_000L, false),
        Arguments.of("zero", Duration.ZERO, -1L, false),
        Arguments.of("negative (a date in the past)", Duration.ofSeconds(-5), -1L, false),
        Arguments.of("Long.MIN_VALUE seconds", Duration.ofSeconds(Long.MIN_VALUE), -1L, false));
  }

  private RetryDecision.Verdict decide(ExitClass c, Duration retryAfter, Instant deadline) {
    return RetryDecision.decide(
        policy,
        RetryDecision.Failed.of(1, c, FailureReason.HTTP_429)
            .withRetryAfter(retryAfter)
            .withDeadline(deadline),
        NOW,
        0.5);
  }

  @ParameterizedTest(name = "retry-after: {0} gives at most the max backoff")
  @MethodSource("asked")
  void shouldCapTheDelayAtTheStagesMaxBackoff(
      String name, Duration retryAfter, long expectedFloorMs, boolean capped) {
    RetryDecision.Verdict v = decide(ExitClass.TEMPFAIL, retryAfter, null);
    assertThat(v).isInstanceOf(RetryDecision.Retry.class);
    RetryDecision.Retry d = (RetryDecision.Retry) v;
    assertThat(d.delay().toMillis())
        .isBetween(Math.max(100, Math.min(expectedFloorMs, 60_000)), 60_000L);
    if (expectedFloorMs > 0) {
      assertThat(d.delay().toMillis()).isEqualTo(expectedFloorMs);
    }
    assertThat(d.capped()).isEqualTo(capped);
    if (capped) {
      assertThat(d.askedDelay()).isEqualTo(retryAfter);
    }
  }

  @Test
  void shouldNotRetryWhenTheCappedDelayStillEndsAfterTheDeadline() {
    RetryDecision.Verdict v =
        decide(ExitClass.TEMPFAIL, Duration.ofSeconds(999_999), NOW.plusSeconds(10));
    assertThat(v).isInstanceOf(RetryDecision.Fail.class);
    RetryDecision.Fail d = (RetryDecision.Fail) v;
    assertThat(d.pastDeadline()).isTrue();
    assertThat(d.capped()).isTrue();
  }

  @Test
  void shouldRetryWhenTheCappedDelayEndsBeforeTheDeadline() {
    RetryDecision.Verdict v =
        decide(ExitClass.TEMPFAIL, Duration.ofSeconds(999_999), NOW.plusSeconds(3600));
    assertThat(v).isInstanceOf(RetryDecision.Retry.class);
    assertThat(((RetryDecision.Retry) v).at()).isEqualTo(NOW.plusSeconds(60));
  }

  @Test
  void shouldNeverRetryANonRetryableClassWhateverTheRetryAfter() {
    assertThat(decide(ExitClass.DATA, Duration.ofSeconds(1), null))
        .isInstanceOf(RetryDecision.Fail.class);
  }

  @Test
  void shouldCapInTheBackoffItself() {
    assertThat(backoff.delayMs(1, 0.0, Long.MAX_VALUE)).isEqualTo(60_000);
    assertThat(backoff.capRetryAfterMs(999_999_000L)).isEqualTo(60_000);
    assertThat(backoff.capRetryAfterMs(-1)).isEqualTo(-1);
  }
}
