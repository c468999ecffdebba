package dev.editstream.poller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link PollSchedule}: when the poller checks a request's status next. Pure. */
class PollScheduleTest {

  @ParameterizedTest(name = "checksDone={0}")
  @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
  void shouldCheckAtOnceBeforeTheFirstCheck(int checksDone) {
    assertThat(PollSchedule.defaults().next(checksDone)).isZero();
    assertThat(PollSchedule.fixed(Duration.ofSeconds(2)).next(checksDone)).isZero();
  }

  @Test
  void shouldWaitTheFirstIntervalAfterTheFirstCheck() {
    PollSchedule s = new PollSchedule(Duration.ofMillis(300), 2.0, Duration.ofSeconds(10));

    assertThat(s.next(1)).isEqualTo(Duration.ofMillis(300));
  }

  @ParameterizedTest(name = "after check {0}: {1} ms")
  @CsvSource({
    "1, 500",
    "2, 750",
    "3, 1125",
    "4, 1687",
    "5, 2531",
    "6, 3796",
    "7, 5000",
    "8, 5000",
    "50, 5000"
  })
  void shouldGrowTheDefaultIntervalBy1Point5UpTo5Seconds(int checksDone, long expectedMs) {
    assertThat(PollSchedule.defaults().next(checksDone)).isEqualTo(Duration.ofMillis(expectedMs));
  }

  @Test
  void shouldDescribeTheDocumentedDefaults() {
    assertThat(PollSchedule.defaults())
        .isEqualTo(new PollSchedule(Duration.ofMillis(500), 1.5, Duration.ofSeconds(5)));
  }

  static Stream<Arguments> schedules() {
    return Stream.of(
        Arguments.of(new PollSchedule(Duration.ofMillis(100), 2.0, Duration.ofSeconds(3))),
        Arguments.of(new PollSchedule(Duration.ofMillis(250), 1.1, Duration.ofSeconds(60))),
        Arguments.of(PollSchedule.defaults()));
  }

  @ParameterizedTest
  @MethodSource("schedules")
  void shouldMultiplyEachIntervalByTheFactorUntilTheCap(PollSchedule s) {
    for (int n = 1; n < 200; n++) {
      Duration now = s.next(n);
      Duration later = s.next(n + 1);
      assertThat(later)
          .as("interval after check %d", n + 1)
          .isGreaterThanOrEqualTo(now)
          .isLessThanOrEqualTo(s.max());
      if (later.compareTo(s.max()) < 0) {
        // growth is geometric; each value is truncated to whole ms, so allow 1 ms per step
        assertThat((double) later.toMillis())
            .isCloseTo(
                now.toMillis() * s.factor(), org.assertj.core.data.Offset.offset(s.factor() + 1));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {7, 100, 10_000, Integer.MAX_VALUE})
  void shouldNeverWaitLongerThanTheCapEvenAfterVeryManyChecks(int checksDone) {
    assertThat(PollSchedule.defaults().next(checksDone)).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void shouldStartAtTheCapWhenFirstEqualsMax() {
    PollSchedule s = new PollSchedule(Duration.ofSeconds(1), 3.0, Duration.ofSeconds(1));

    assertThat(IntStream.rangeClosed(1, 20).mapToObj(s::next)).containsOnly(Duration.ofSeconds(1));
  }

  @Test
  void shouldKeepTheFirstIntervalWhenTheFactorIsOne() {
    PollSchedule s = new PollSchedule(Duration.ofMillis(700), 1.0, Duration.ofSeconds(30));

    assertThat(IntStream.rangeClosed(1, 50).mapToObj(s::next)).containsOnly(Duration.ofMillis(700));
  }

  @Test
  void shouldPollEveryTwoSecondsLikeTheCliWithTheFixedSchedule() {
    PollSchedule cli = PollSchedule.fixed(Duration.ofSeconds(2));

    assertThat(cli.next(0)).isZero();
    assertThat(IntStream.rangeClosed(1, 1_000).mapToObj(cli::next))
        .containsOnly(Duration.ofSeconds(2));
    assertThat(cli.factor()).isEqualTo(1.0);
    assertThat(cli.first()).isEqualTo(cli.max()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void shouldMakeFewerChecksThanTheFixedScheduleForASlowJob() {
    Duration job = Duration.ofMinutes(2);

    int growing = checksUntil(PollSchedule.defaults(), job);
    int fixed = checksUntil(PollSchedule.fixed(Duration.ofSeconds(2)), job);

    assertThat(growing).isLessThan(fixed);
  }

  @Test
  void shouldSeeAFastJobDoneSoonerThanTheFixedSchedule() {
    Duration job = Duration.ofMillis(600);

    assertThat(timeOfCheck(PollSchedule.defaults(), checksUntil(PollSchedule.defaults(), job)))
        .isLessThan(
            timeOfCheck(
                PollSchedule.fixed(Duration.ofSeconds(2)),
                checksUntil(PollSchedule.fixed(Duration.ofSeconds(2)), job)));
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1, -500})
  void shouldRejectANonPositiveFirstIntervalNamingTheSetting(long ms) {
    assertThatThrownBy(() -> new PollSchedule(Duration.ofMillis(ms), 1.5, Duration.ofSeconds(5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("poll.first");
  }

  @Test
  void shouldRejectAMissingFirstIntervalNamingTheSetting() {
    assertThatThrownBy(() -> new PollSchedule(null, 1.5, Duration.ofSeconds(5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("poll.first");
  }

  @Test
  void shouldRejectASubMillisecondFirstIntervalThatWouldPollWithoutPause() {
    assertThatThrownBy(
            () -> new PollSchedule(Duration.ofNanos(500_000), 1.5, Duration.ofSeconds(5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("poll.first");
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.99, 0.5, 0.0, -1.0, Double.NaN, Double.NEGATIVE_INFINITY})
  void shouldRejectAFactorBelowOneNamingTheSetting(double factor) {
    assertThatThrownBy(
            () -> new PollSchedule(Duration.ofMillis(500), factor, Duration.ofSeconds(5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("poll.factor");
  }

  @Test
  void shouldRejectAMaxBelowFirstNamingTheSetting() {
    assertThatThrownBy(() -> new PollSchedule(Duration.ofSeconds(2), 1.5, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("poll.max");
  }

  @Test
  void shouldRejectAMissingMaxNamingTheSetting() {
    assertThatThrownBy(() -> new PollSchedule(Duration.ofSeconds(2), 1.5, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("poll.max");
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -2000})
  void shouldRejectAFixedScheduleWithoutAPositiveIntervalNamingTheSetting(long ms) {
    assertThatThrownBy(() -> PollSchedule.fixed(Duration.ofMillis(ms)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("poll.first");
  }

  @ParameterizedTest
  @MethodSource("schedules")
  void shouldNeverWaitZeroAfterTheFirstCheck(PollSchedule s) {
    assertThat(IntStream.rangeClosed(1, 100).mapToObj(s::next))
        .allSatisfy(d -> assertThat(d).isPositive());
  }

  /**
   * How many checks a schedule makes until one falls at or after {@code jobTime} (the one that sees
   * it done).
   */
  static int checksUntil(PollSchedule s, Duration jobTime) {
    Duration at = Duration.ZERO;
    int checks = 0;
    while (true) {
      at = at.plus(s.next(checks));
      checks++;
      if (at.compareTo(jobTime) >= 0) {
        return checks;
      }
    }
  }

  /** When the n-th check (1-based) happens, from the start. */
  static Duration timeOfCheck(PollSchedule s, int n) {
    Duration at = Duration.ZERO;
    for (int i = 0; i < n; i++) {
      at = at.plus(s.next(i));
    }
    return at;
  }
}
