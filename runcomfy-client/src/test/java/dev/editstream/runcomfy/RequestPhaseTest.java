package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link RequestPhase}: every status word RunComfy's clients know (live contract §3), any case. */
class RequestPhaseTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "in_queue,QUEUED",
    "pending,QUEUED",
    "waiting,QUEUED",
    "queued,QUEUED",
    "in_progress,RUNNING",
    "starting,RUNNING",
    "processing,RUNNING",
    "running,RUNNING",
    "completed,SUCCEEDED",
    "succeeded,SUCCEEDED",
    "failed,FAILED",
    "cancelled,CANCELLED",
    "canceled,CANCELLED"
  })
  void shouldMapEveryKnownWordInAnyCaseAndWithSurroundingSpace(String word, RequestPhase phase) {
    assertThat(RequestPhase.of(word)).isEqualTo(phase);
    assertThat(RequestPhase.of(word.toUpperCase(Locale.ROOT))).isEqualTo(phase);
    assertThat(RequestPhase.of(mixedCase(word))).isEqualTo(phase);
    assertThat(RequestPhase.of("  " + word + "\t")).isEqualTo(phase);
  }

  @Test
  void shouldKnowExactlyTheThirteenWordsOfTheTable() {
    assertThat(RequestPhase.knownWords())
        .containsExactly(
            "in_queue",
            "pending",
            "waiting",
            "queued",
            "in_progress",
            "starting",
            "processing",
            "running",
            "completed",
            "succeeded",
            "failed",
            "cancelled",
            "canceled");
    assertThat(RequestStatus.KNOWN).isEqualTo(RequestPhase.knownWords());
    assertThat(RequestStatus.TERMINAL)
        .containsExactlyInAnyOrder("completed", "succeeded", "failed", "cancelled", "canceled");
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(
      strings = {
        " ",
        "\t",
        "thinking",
        "done",
        "success",
        "error",
        "in queue",
        "in-progress",
        "complete",
        "cancel",
        "completed!",
        "İN_QUEUE",
        "0"
      })
  void shouldCallAnythingElseUnknownWithoutThrowing(String word) {
    assertThat(RequestPhase.of(word)).isEqualTo(RequestPhase.UNKNOWN);
  }

  @ParameterizedTest
  @EnumSource(RequestPhase.class)
  void shouldBeEitherTerminalOrPendingExceptUnknownWhichIsNeither(RequestPhase phase) {
    boolean terminal =
        phase == RequestPhase.SUCCEEDED
            || phase == RequestPhase.FAILED
            || phase == RequestPhase.CANCELLED;
    assertThat(phase.terminal()).isEqualTo(terminal);
    assertThat(phase.pending())
        .isEqualTo(phase == RequestPhase.QUEUED || phase == RequestPhase.RUNNING);
    if (phase == RequestPhase.UNKNOWN) {
      assertThat(phase.terminal() || phase.pending()).isFalse();
    }
  }

  /** {@code in_queue} → {@code In_QuEuE}. */
  private static String mixedCase(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      sb.append(i % 2 == 0 ? Character.toUpperCase(c) : c);
    }
    return sb.toString();
  }
}
