package dev.editstream.poller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SlotBoundWaitTest {
  private static final Duration DENSE = Duration.ofMillis(100);

  private static Duration ms(long v) {
    return Duration.ofMillis(v);
  }

  @ParameterizedTest(
      name =
          "scheduled {0} ms, elapsed {1} ms, earliest {2} ms, slot-bound {3}, queued {4} -> {5} ms")
  @CsvSource({
    // not slot-bound: the schedule decides
    "2800, 0, 1000, false, false, 2800",
    "2800, 1500, 1000, false, false, 2800",
    // slot-bound, before the earliest end: wait until it, never longer than the schedule
    "2800, 0, 1000, true, false, 1000",
    "2800, 300, 1000, true, false, 700",
    "500, 300, 1000, true, false, 500",
    // slot-bound, the earliest end is less than one dense wait away or past: dense checks
    "2800, 950, 1000, true, false, 100",
    "2800, 1000, 1000, true, false, 100",
    "2800, 2500, 1000, true, false, 100",
    // earliest unknown (zero): dense checks at once
    "2800, 0, 0, true, false, 100",
    // the schedule already asks for a shorter wait (e.g. the check at once): kept
    "0, 0, 1000, true, false, 0",
    "60, 1500, 1000, true, false, 60",
    "100, 1500, 1000, true, false, 100",
    // queued at the provider: it cannot have ended, the schedule decides
    "2800, 1500, 1000, true, true, 2800",
  })
  void shouldWaitAsTheSlotBoundRuleSays(
      long scheduled,
      long elapsed,
      long earliest,
      boolean slotBound,
      boolean queued,
      long expected) {
    assertThat(
            SlotBoundWait.next(ms(scheduled), ms(elapsed), ms(earliest), slotBound, queued, DENSE))
        .isEqualTo(ms(expected));
  }

  @Test
  void shouldNeverWaitLongerThanTheScheduleNorLessThanDenseUnlessTheScheduleIs() {
    for (long scheduled = 0; scheduled <= 5000; scheduled += 50) {
      for (long elapsed = 0; elapsed <= 5000; elapsed += 50) {
        for (long earliest = 0; earliest <= 3000; earliest += 250) {
          Duration w =
              SlotBoundWait.next(ms(scheduled), ms(elapsed), ms(earliest), true, false, DENSE);
          assertThat(w).isLessThanOrEqualTo(ms(scheduled));
          assertThat(w.compareTo(DENSE) >= 0 || w.equals(ms(scheduled))).isTrue();
          if (elapsed >= earliest && scheduled >= 100) {
            assertThat(w).isEqualTo(DENSE);
          }
        }
      }
    }
  }

  @Test
  void shouldRejectANonPositiveDenseWait() {
    assertThatThrownBy(() -> SlotBoundWait.next(ms(1), ms(0), ms(0), true, false, Duration.ZERO))
        .hasMessageContaining("dense");
  }
}
