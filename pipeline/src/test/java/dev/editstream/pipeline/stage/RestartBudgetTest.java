package dev.editstream.pipeline.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * {@link RestartBudget}: restarts with doubling delays, give-up after N in the window, forgetting
 * old failures.
 */
class RestartBudgetTest {
  private static final Instant T0 = Instant.parse("2026-12-05T03:00:00Z");
  private final RestartBudget budget =
      new RestartBudget(3, Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofSeconds(3));

  @Test
  void shouldDoubleTheDelayUpToTheMaximum() {
    assertThat(budget.delay(1)).isEqualTo(Duration.ofSeconds(1));
    assertThat(budget.delay(2)).isEqualTo(Duration.ofSeconds(2));
    assertThat(budget.delay(3)).isEqualTo(Duration.ofSeconds(3));
    assertThat(budget.delay(60)).isEqualTo(Duration.ofSeconds(3));
    assertThat(budget.delay(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(3));
    assertThatThrownBy(() -> budget.delay(0)).hasMessageContaining("n must be >= 1");
  }

  @Test
  void shouldGiveUpAtTheFailureAfterMaxRestartsWithinTheWindow() {
    RestartBudget.Tracker t = new RestartBudget.Tracker(budget);
    assertThat(t.failed(T0)).isEqualTo(new RestartBudget.Decision(true, Duration.ofSeconds(1), 1));
    assertThat(t.failed(T0.plusSeconds(10)))
        .isEqualTo(new RestartBudget.Decision(true, Duration.ofSeconds(2), 2));
    assertThat(t.failed(T0.plusSeconds(20)))
        .isEqualTo(new RestartBudget.Decision(true, Duration.ofSeconds(3), 3));
    assertThat(t.failed(T0.plusSeconds(30)))
        .isEqualTo(new RestartBudget.Decision(false, Duration.ZERO, 4));
  }

  @Test
  void shouldForgetFailuresOlderThanTheWindow() {
    RestartBudget.Tracker t = new RestartBudget.Tracker(budget);
    t.failed(T0);
    t.failed(T0.plusSeconds(60));
    t.failed(T0.plusSeconds(120));
    // the first failure is exactly 5 minutes old: out of the window
    RestartBudget.Decision d = t.failed(T0.plusSeconds(300));
    assertThat(d.restart()).isTrue();
    assertThat(d.inWindow()).isEqualTo(3);
    // one a day restarts for ever, each as if it were the first
    RestartBudget.Tracker daily = new RestartBudget.Tracker(budget);
    for (int day = 0; day < 30; day++) {
      assertThat(daily.failed(T0.plus(Duration.ofDays(day))))
          .isEqualTo(new RestartBudget.Decision(true, Duration.ofSeconds(1), 1));
    }
  }

  @Test
  void shouldGiveUpAtOnceWithNoRestartsAllowed() {
    RestartBudget.Tracker t =
        new RestartBudget.Tracker(
            new RestartBudget(
                0, Duration.ofMinutes(1), Duration.ofSeconds(1), Duration.ofSeconds(1)));
    assertThat(t.failed(T0).restart()).isFalse();
  }

  @Test
  void shouldRefuseBadSettingsNamingTheField() {
    Duration s = Duration.ofSeconds(1);
    assertThatThrownBy(() -> new RestartBudget(-1, s, s, s)).hasMessageContaining("maxRestarts");
    assertThatThrownBy(() -> new RestartBudget(1, Duration.ZERO, s, s))
        .hasMessageContaining("window");
    assertThatThrownBy(() -> new RestartBudget(1, s, Duration.ZERO, s))
        .hasMessageContaining("baseDelay");
    assertThatThrownBy(() -> new RestartBudget(1, s, s, Duration.ofMillis(10)))
        .hasMessageContaining("maxDelay");
  }
}
