package dev.editstream.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.editstream.core.RetryDecision.Fail;
import dev.editstream.core.RetryDecision.Failed;
import dev.editstream.core.RetryDecision.Park;
import dev.editstream.core.RetryDecision.Retry;
import dev.editstream.core.RetryDecision.Verdict;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.event.FailureReason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link RetryDecision}: every exit class × attempt (below, at and past the cap) × progress ×
 * Retry-After (absent, harmless, honoured, at and past the cap, absurd) × deadline (none, passed,
 * just before, at and just after the retry's due time, far) × maybe paid × jitter draw, against the
 * rules written out once more here; then the same rules on hand-computed cases.
 */
class RetryDecisionTest {
  private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
  private static final int MAX_ATTEMPTS = 4;
  private static final long BASE_MS = 1_000;
  private static final long MAX_MS = 8_000;
  private static final long MIN_MS = 100;
  private static final RetryPolicy POLICY =
      new RetryPolicy(MAX_ATTEMPTS, new Backoff(BASE_MS, MAX_MS, 2.0, MIN_MS));

  /** The Retry-Afters tried, {@code null} for none. */
  private static final List<Duration> RETRY_AFTERS =
      Arrays.asList(
          null,
          Duration.ZERO,
          Duration.ofSeconds(-5),
          Duration.ofSeconds(Long.MIN_VALUE),
          Duration.ofMillis(50),
          Duration.ofSeconds(3),
          Duration.ofMillis(MAX_MS),
          Duration.ofMillis(MAX_MS + 1),
          Duration.ofSeconds(999_999),
          Duration.ofSeconds(Long.MAX_VALUE));

  private static final double[] DRAWS = {0.0, 0.03, 0.5, 0.999_999};

  /** Where the job's deadline lies, relative to now or to the due time a retry would have. */
  enum DeadlineAt {
    NONE,
    PASSED,
    JUST_BEFORE_DUE,
    AT_DUE,
    JUST_AFTER_DUE,
    FAR;

    Instant of(long delayMs) {
      Instant due = NOW.plusMillis(delayMs);
      return switch (this) {
        case NONE -> null;
        case PASSED -> NOW.minusSeconds(1);
        case JUST_BEFORE_DUE -> due.minusMillis(1);
        case AT_DUE -> due;
        case JUST_AFTER_DUE -> due.plusMillis(1);
        case FAR -> NOW.plus(Duration.ofDays(1));
      };
    }
  }

  /**
   * The delay the rules give, ms: full jitter under the ceiling of the counted attempt, not below
   * {@code minMs}, raised to the Retry-After but not above {@code maxMs}.
   */
  private static long expectedDelayMs(int counted, double draw, Duration retryAfter) {
    long ceiling = (long) Math.min(MAX_MS, BASE_MS * Math.pow(2.0, counted - 1));
    long jitter = Math.max(MIN_MS, (long) (ceiling * draw));
    if (retryAfter == null || retryAfter.isNegative() || retryAfter.isZero()) {
      return jitter;
    }
    long asked =
        retryAfter.compareTo(Duration.ofMillis(MAX_MS)) > 0 ? MAX_MS : retryAfter.toMillis();
    return Math.max(jitter, asked);
  }

  /** The rules, written out for the test (see the class comment of {@link RetryDecision}). */
  private static Verdict expected(Failed f, double draw) {
    if (f.mayHaveBeenPaid()) {
      return new Park(ExitClass.TEMPFAIL, FailureReason.MAY_HAVE_BEEN_SUBMITTED);
    }
    int counted = f.madeProgress() ? 1 : f.attempt();
    if (!(f.exitClass() == ExitClass.UNAVAILABLE || f.exitClass() == ExitClass.TEMPFAIL)) {
      return new Fail(f.exitClass(), f.reason(), counted, Fail.Cause.NOT_RETRYABLE, null);
    }
    if (counted >= MAX_ATTEMPTS) {
      return new Fail(f.exitClass(), f.reason(), counted, Fail.Cause.ATTEMPTS_USED_UP, null);
    }
    long delay = expectedDelayMs(counted, draw, f.retryAfter());
    Duration asked =
        f.retryAfter() != null && f.retryAfter().compareTo(Duration.ofMillis(MAX_MS)) > 0
            ? f.retryAfter()
            : null;
    Instant due = NOW.plusMillis(delay);
    if (f.deadline() != null && due.isAfter(f.deadline())) {
      return new Fail(
          f.exitClass(), FailureReason.DEADLINE, counted, Fail.Cause.PAST_DEADLINE, asked);
    }
    return new Retry(due, Duration.ofMillis(delay), counted, asked);
  }

  static Stream<Arguments> everyClassAttemptProgressAndPayment() {
    List<Arguments> out = new ArrayList<>();
    for (ExitClass c : ExitClass.values()) {
      for (int attempt = 1; attempt <= MAX_ATTEMPTS + 2; attempt++) {
        for (boolean progress : new boolean[] {false, true}) {
          for (boolean paid : new boolean[] {false, true}) {
            out.add(Arguments.of(c, attempt, progress, paid));
          }
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "class {0}, attempt {1}, progress {2}, maybe paid {3}")
  @MethodSource("everyClassAttemptProgressAndPayment")
  void shouldFollowTheRulesForEveryRetryAfterDeadlineAndDraw(
      ExitClass c, int attempt, boolean progress, boolean paid) {
    List<String> wrong = new ArrayList<>();
    int counted = progress ? 1 : attempt;
    for (Duration retryAfter : RETRY_AFTERS) {
      for (DeadlineAt where : DeadlineAt.values()) {
        for (double draw : DRAWS) {
          Failed f =
              Failed.of(attempt, c, FailureReason.HTTP)
                  .withRetryAfter(retryAfter)
                  .withDeadline(where.of(expectedDelayMs(counted, draw, retryAfter)))
                  .withProgress(progress)
                  .withMayHaveBeenPaid(paid);
          Verdict v = RetryDecision.decide(POLICY, f, NOW, draw);
          Verdict want = expected(f, draw);
          String when = "retry-after " + retryAfter + ", deadline " + where + ", draw " + draw;
          if (!v.equals(want)) {
            wrong.add(when + ": " + v + ", expected " + want);
          }
          // whatever the rules say, a retry is never due after the deadline, never later than the
          // longest backoff nor sooner than the shortest, and never past the attempt cap
          if (v instanceof Retry r
              && (r.delay().toMillis() < MIN_MS
                  || r.delay().toMillis() > MAX_MS
                  || !r.at().equals(NOW.plus(r.delay()))
                  || (f.deadline() != null && r.at().isAfter(f.deadline()))
                  || r.nextAttempt() != counted + 1
                  || r.nextAttempt() > MAX_ATTEMPTS)) {
            wrong.add(when + ": " + v + " breaks a bound");
          }
        }
      }
    }
    assertThat(wrong).isEmpty();
  }

  @ParameterizedTest(name = "{0}: retried={1}")
  @CsvSource({
    "OTHER,false",
    "USAGE,false",
    "DATA,false",
    "NO_INPUT,false",
    "UNAVAILABLE,true",
    "TEMPFAIL,true",
    "NOPERM,false"
  })
  void shouldRetryOnlyClasses69And75(ExitClass c, boolean retried) {
    Verdict v =
        RetryDecision.decide(
            POLICY,
            Failed.of(1, c, FailureReason.HTTP).withRetryAfter(Duration.ofSeconds(1)),
            NOW,
            0.5);
    assertThat(v instanceof Retry).isEqualTo(retried);
    if (!retried) {
      assertThat(v).isEqualTo(new Fail(c, FailureReason.HTTP, 1, Fail.Cause.NOT_RETRYABLE, null));
    }
  }

  @ParameterizedTest(name = "attempt {0}, progress {1}: {2} ms, then attempt {3}")
  @CsvSource({
    // ceilings 1000, 2000, 4000; the draw 0.5 gives half of each
    "1, false, 500, 2",
    "2, false, 1000, 3",
    "3, false, 2000, 4",
    // after progress every failure counts as the first
    "3, true, 500, 2",
    "9, true, 500, 2"
  })
  void shouldDrawTheBackoffOfTheFailuresCountedInARow(
      int attempt, boolean progress, long delayMs, int next) {
    Verdict v =
        RetryDecision.decide(
            POLICY,
            Failed.of(attempt, ExitClass.UNAVAILABLE, FailureReason.HTTP).withProgress(progress),
            NOW,
            0.5);
    assertThat(v)
        .isEqualTo(new Retry(NOW.plusMillis(delayMs), Duration.ofMillis(delayMs), next - 1, null));
    assertThat(((Retry) v).nextAttempt()).isEqualTo(next);
  }

  @ParameterizedTest(name = "attempt {0}")
  @CsvSource({"4", "5", "40"})
  void shouldFailWithTheAttemptsOwnReasonOnceTheAttemptsAreUsedUp(int attempt) {
    assertThat(
            RetryDecision.decide(
                POLICY,
                Failed.of(attempt, ExitClass.TEMPFAIL, FailureReason.TIMEOUT)
                    .withRetryAfter(Duration.ofSeconds(999_999))
                    .withDeadline(NOW.plus(Duration.ofDays(1))),
                NOW,
                0.5))
        .isEqualTo(
            new Fail(
                ExitClass.TEMPFAIL,
                FailureReason.TIMEOUT,
                attempt,
                Fail.Cause.ATTEMPTS_USED_UP,
                null));
  }

  @Test
  void shouldHonourARetryAfterUpToTheLongestBackoffAndReportALongerOne() {
    Failed f = Failed.of(1, ExitClass.TEMPFAIL, FailureReason.HTTP_429);

    assertThat(RetryDecision.decide(POLICY, f.withRetryAfter(Duration.ofSeconds(3)), NOW, 0.5))
        .isEqualTo(new Retry(NOW.plusSeconds(3), Duration.ofSeconds(3), 1, null));
    assertThat(RetryDecision.decide(POLICY, f.withRetryAfter(Duration.ofMillis(MAX_MS)), NOW, 0.5))
        .isEqualTo(new Retry(NOW.plusMillis(MAX_MS), Duration.ofMillis(MAX_MS), 1, null));
    assertThat(
            RetryDecision.decide(POLICY, f.withRetryAfter(Duration.ofSeconds(999_999)), NOW, 0.5))
        .isInstanceOfSatisfying(
            Retry.class,
            r -> {
              assertThat(r.delay()).isEqualTo(Duration.ofMillis(MAX_MS));
              assertThat(r.capped()).isTrue();
              assertThat(r.askedDelay()).isEqualTo(Duration.ofSeconds(999_999));
            });
  }

  @Test
  void shouldFailWithTheDeadlineReasonAndTheAttemptsClassWhenTheRetryWouldComeLater() {
    Failed f =
        Failed.of(2, ExitClass.UNAVAILABLE, FailureReason.HTTP)
            .withRetryAfter(Duration.ofSeconds(999_999));

    assertThat(RetryDecision.decide(POLICY, f.withDeadline(NOW.plusSeconds(7)), NOW, 0.5))
        .isEqualTo(
            new Fail(
                ExitClass.UNAVAILABLE,
                FailureReason.DEADLINE,
                2,
                Fail.Cause.PAST_DEADLINE,
                Duration.ofSeconds(999_999)));
    // due exactly at the deadline: still made
    assertThat(RetryDecision.decide(POLICY, f.withDeadline(NOW.plusMillis(MAX_MS)), NOW, 0.5))
        .isInstanceOf(Retry.class);
    Verdict late = RetryDecision.decide(POLICY, f.withDeadline(NOW.plusSeconds(7)), NOW, 0.5);
    assertThat(((Fail) late).pastDeadline()).isTrue();
    assertThat(((Fail) late).capped()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(ExitClass.class)
  void shouldParkAMaybePaidAttemptWhateverElseIsTrue(ExitClass c) {
    Failed f =
        Failed.of(1, c, FailureReason.TIMEOUT)
            .withRetryAfter(Duration.ofSeconds(1))
            .withDeadline(NOW.plus(Duration.ofDays(1)))
            .withMayHaveBeenPaid(true);

    assertThat(RetryDecision.decide(POLICY, f, NOW, 0.5)).isSameAs(RetryDecision.UNCERTAIN_POST);
    assertThat(RetryDecision.park(f)).contains(RetryDecision.UNCERTAIN_POST);
    assertThat(RetryDecision.park(f.withMayHaveBeenPaid(false))).isEmpty();
    assertThat(RetryDecision.UNCERTAIN_POST)
        .isEqualTo(new Park(ExitClass.TEMPFAIL, FailureReason.MAY_HAVE_BEEN_SUBMITTED));
    assertThat(RetryDecision.UNCERTAIN_POST.exitClass())
        .isEqualTo(FailureReason.MAY_HAVE_BEEN_SUBMITTED.exitClass());
  }

  @Test
  void shouldTakeNowAndTheDrawFromWhatItWasGiven() {
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    RetryDecision d = new RetryDecision(POLICY, clock, () -> 0.25);

    assertThat(d.policy()).isSameAs(POLICY);
    Verdict v = d.decide(Failed.of(2, ExitClass.TEMPFAIL, FailureReason.TIMEOUT));
    assertThat(v).isEqualTo(new Retry(NOW.plusMillis(500), Duration.ofMillis(500), 2, null));
    assertThat(((Retry) v).decidedAt()).isEqualTo(NOW);
  }

  @Test
  void shouldRefuseWhatBreaksItsRules() {
    assertThatThrownBy(() -> Failed.of(0, ExitClass.TEMPFAIL, FailureReason.TIMEOUT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("attempt");
    assertThatThrownBy(() -> Failed.of(1, null, FailureReason.TIMEOUT))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("exitClass");
    assertThatThrownBy(() -> Failed.of(1, ExitClass.TEMPFAIL, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("reason");
    Failed retryable = Failed.of(1, ExitClass.TEMPFAIL, FailureReason.TIMEOUT);
    assertThatThrownBy(() -> RetryDecision.decide(POLICY, retryable, NOW, 1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("random");
    assertThatThrownBy(() -> RetryDecision.decide(POLICY, retryable, null, 0.5))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("now");
    assertThatThrownBy(() -> new RetryDecision(null, Clock.systemUTC(), () -> 0.5))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("policy");
    // no delay is drawn for a failure that is not retried: the draw is not looked at
    assertThat(
            RetryDecision.decide(
                POLICY, Failed.of(1, ExitClass.DATA, FailureReason.SCHEMA), NOW, 1.0))
        .isInstanceOf(Fail.class);
  }
}
