package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class InFlightTrackerTest {
  static final long MS = 1_000_000L;

  @Test
  void shouldAverageEachIntervalByTimeAndKeepThePeak() {
    InFlightTracker t = new InFlightTracker(0, 100 * MS);
    t.change(1, 0);
    t.change(1, 50 * MS); // 1 for 50 ms, then 2 for 50 ms: 1.5
    t.change(1, 100 * MS);
    t.change(-3, 150 * MS); // 3 for 50 ms, then 0: 1.5
    t.change(1, 250 * MS); // 0 then 1 for 50 ms: 0.5

    assertThat(t.intervalAverages(300 * MS))
        .containsExactly(new double[] {1.5, 1.5, 0.5}, within(1e-9));
    assertThat(t.peak()).isEqualTo(3);
    assertThat(t.current()).isEqualTo(1);
  }

  @Test
  void shouldAverageBetweenInstantsExactlyOnBoundariesAndClampTheWindow() {
    InFlightTracker t = new InFlightTracker(1_000 * MS, 100 * MS);
    t.change(4, 1_000 * MS);
    t.change(-2, 1_200 * MS);

    assertThat(t.averageBetween(1_000 * MS, 1_400 * MS, 1_400 * MS)).isCloseTo(3.0, within(1e-9));
    assertThat(t.averageBetween(1_200 * MS, 1_400 * MS, 1_400 * MS)).isCloseTo(2.0, within(1e-9));
    assertThat(t.averageBetween(0, 1_200 * MS, 1_400 * MS))
        .as("before the start counts as the start")
        .isCloseTo(4.0, within(1e-9));
    assertThat(t.averageBetween(1_300 * MS, 9_000 * MS, 1_350 * MS))
        .as("after now counts as now")
        .isCloseTo(2.0, within(1e-9));
    assertThatThrownBy(() -> t.averageBetween(5, 5, 10))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldFillIdleIntervalsWithTheLastCount() {
    InFlightTracker t = new InFlightTracker(0, 10 * MS);
    t.change(2, 0);
    assertThat(t.intervalAverages(10_000 * MS)).hasSize(1_000).containsOnly(2.0);
  }
}
