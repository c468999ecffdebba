package dev.editstream.poller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SlotBoundSignalTest {
  static final Instant T0 = Instant.parse("2026-12-07T03:00:00Z");
  static final Duration LINGER = Duration.ofSeconds(5);

  static Instant at(long ms) {
    return T0.plusMillis(ms);
  }

  @Test
  void shouldCountAJobAsBoundByItsOwnFlagOrForTheLingerAfterTheLatestBoundAcceptance() {
    SlotBoundSignal s = new SlotBoundSignal(LINGER);

    assertThat(s.boundAt(false, at(0))).as("nothing seen").isFalse();
    assertThat(s.boundAt(true, at(0))).as("its own flag").isTrue();
    s.seen(false, at(0), at(10));
    assertThat(s.boundAt(false, at(10))).as("an event without the flag").isFalse();
    s.seen(true, null, at(10));
    assertThat(s.boundAt(false, at(10))).as("no acceptance time").isFalse();

    s.seen(true, at(1_000), at(1_050));
    assertThat(s.boundAt(false, at(1_050))).isTrue();
    assertThat(s.boundAt(false, at(6_000))).as("the linger's last instant").isTrue();
    assertThat(s.boundAt(false, at(6_001))).isFalse();

    s.seen(true, at(500), at(6_100)); // an older acceptance read late moves nothing
    assertThat(s.boundAt(false, at(6_100))).isFalse();
    s.seen(true, at(6_000), at(6_100));
    assertThat(s.boundAt(false, at(11_000))).isTrue();
    assertThat(s.boundAt(false, at(11_001))).isFalse();
  }

  @Test
  void shouldWakeTheWaitingJobsOnlyWhenTheAccountTurnsBound() {
    SlotBoundSignal s = new SlotBoundSignal(LINGER);
    AtomicInteger woken = new AtomicInteger();
    s.turnsBound().subscribe(null, null, woken::incrementAndGet);

    s.seen(false, at(0), at(0));
    assertThat(woken).hasValue(0);
    s.seen(true, at(100), at(120));
    assertThat(woken).as("turned bound").hasValue(1);

    AtomicInteger again = new AtomicInteger();
    s.turnsBound().subscribe(null, null, again::incrementAndGet);
    s.seen(true, at(200), at(220));
    assertThat(again).as("already bound: no wake-up").hasValue(0);
    s.seen(true, at(9_000), at(9_010)); // the sign had lapsed at 5,200 ms
    assertThat(again).as("bound again after a lapse").hasValue(1);
  }

  @Test
  void shouldRefuseANegativeLinger() {
    assertThatThrownBy(() -> new SlotBoundSignal(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("linger");
  }
}
