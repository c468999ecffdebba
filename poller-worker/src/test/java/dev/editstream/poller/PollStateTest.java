package dev.editstream.poller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.poller.PollState.CancelStep;
import dev.editstream.poller.PollState.DeadlineStep;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link PollState}: the unknown-status count and the deadline rules, as pure decisions. */
class PollStateTest {
  static final Instant SUBMITTED = Instant.parse("2026-11-23T10:00:00Z");
  static final Duration DEADLINE = Duration.ofMinutes(10);

  @Test
  void shouldStopAtTheThirdUnknownAnswerInARow() {
    PollState s = PollState.start().afterUnknown();
    assertThat(s.tooManyUnknown()).isFalse();
    s = s.afterUnknown();
    assertThat(s.tooManyUnknown()).isFalse();
    s = s.afterUnknown();
    assertThat(s.tooManyUnknown()).isTrue();
    assertThat(s.unknownInARow()).isEqualTo(PollState.MAX_UNKNOWN_IN_A_ROW).isEqualTo(3);
  }

  @Test
  void shouldResetTheUnknownCountOnAKnownAnswerAndCountEveryCheck() {
    PollState s = PollState.start().afterUnknown().afterUnknown().afterKnown(4);

    assertThat(s).isEqualTo(new PollState(3, 4, 0, false));
    assertThat(s.afterUnknown().afterUnknown().tooManyUnknown()).isFalse();
    assertThat(s.afterUnknown()).isEqualTo(new PollState(4, null, 1, false));
  }

  @ParameterizedTest(name = "at +{0} s, following={1}: {2}")
  @CsvSource({
    "0,false,CHECK",
    "600,false,CHECK",
    "601,false,CANCEL",
    "5000,false,CANCEL",
    "601,true,CHECK",
    "1200,true,CHECK",
    "1201,true,GIVE_UP"
  })
  void shouldCancelAfterTheDeadlineAndGiveUpFollowingAfterTwiceIt(
      long seconds, boolean following, DeadlineStep step) {
    PollState s = following ? PollState.start().followPastDeadline() : PollState.start();

    assertThat(s.deadlineStep(SUBMITTED.plusSeconds(seconds), SUBMITTED, DEADLINE)).isEqualTo(step);
  }

  @Test
  void shouldKeepCountsWhenFollowingPastTheDeadline() {
    PollState s = PollState.start().afterKnown(null).afterUnknown().followPastDeadline();

    assertThat(s).isEqualTo(new PollState(2, null, 1, true));
    assertThat(s.afterKnown(null).followingPastDeadline()).isTrue();
    assertThat(PollState.deadlineAt(SUBMITTED, DEADLINE))
        .isEqualTo(Instant.parse("2026-11-23T10:10:00Z"));
    assertThat(PollState.followCapAt(SUBMITTED, DEADLINE))
        .isEqualTo(Instant.parse("2026-11-23T10:20:00Z"));
  }

  @ParameterizedTest(name = "cancel answered at +{0} s, not cancellable={1}: {2}")
  @CsvSource({
    "601,false,FAIL",
    "5000,false,FAIL",
    "601,true,FOLLOW",
    "1200,true,FOLLOW",
    "1201,true,GIVE_UP",
    "5000,true,GIVE_UP"
  })
  void shouldFailOnACancelledRequestAndFollowANotCancellableOneUntilTwiceTheDeadline(
      long seconds, boolean notCancellable, CancelStep step) {
    assertThat(
            PollState.start()
                .afterCancel(notCancellable, SUBMITTED.plusSeconds(seconds), SUBMITTED, DEADLINE))
        .isEqualTo(step);
  }
}
