package dev.editstream.router.submit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BudgetTest {
  @Test
  void shouldStopAtTheFirstJobThatWouldPassTheLimitAndRefuseEveryLaterOne() {
    Budget b = new Budget(0.10);
    assertThat(b.reserve("j1", 0.039)).isInstanceOf(Budget.Reserved.class);
    assertThat(b.reserve("j2", 0.039)).isInstanceOf(Budget.Reserved.class);
    assertThat(b.reserve("j3", 0.039))
        .isInstanceOfSatisfying(
            Budget.Refused.class,
            r ->
                assertThat(r.message())
                    .contains("$0.1000", "in flight $0.0780", "stopped at job j3", "--budget-usd"));
    assertThat(b.stoppedAt()).isEqualTo("j3");
    // a later, cheaper job would fit, but submission stopped for good
    assertThat(b.reserve("j4", 0.001)).isInstanceOf(Budget.Refused.class);
    assertThat(b.stoppedAt()).isEqualTo("j3");
  }

  @Test
  void shouldAllowExactlyTheLimit() {
    Budget b = new Budget(0.3);
    assertThat(b.reserve("a", 0.1)).isInstanceOf(Budget.Reserved.class);
    assertThat(b.reserve("b", 0.1)).isInstanceOf(Budget.Reserved.class);
    assertThat(b.reserve("c", 0.1)).isInstanceOf(Budget.Reserved.class);
  }

  @Test
  void shouldReplaceAnEstimateByTheActualCostAndGiveBackWhatWasNotCreated() {
    Budget b = new Budget(1.0);
    b.reserve("a", 0.5);
    b.reserve("b", 0.4);
    b.settle("a", 0.2);
    b.release("b");
    assertThat(b.spent()).isEqualTo(0.2);
    assertThat(b.inFlight()).isEqualTo(0.0);
    assertThat(b.reserve("c", 0.8)).isInstanceOf(Budget.Reserved.class);
  }

  @Test
  void shouldKeepTheEstimateAsSpentWhenRunComfyGaveNoCostAndIgnoreJobsItNeverReserved() {
    Budget b = new Budget(1.0);
    b.reserve("a", 0.5);
    b.settle("a", null);
    b.settle("other-process-job", 9.0);
    assertThat(b.spent()).isEqualTo(0.5);
  }

  @Test
  void shouldReserveARetriedJobOnce() {
    Budget b = new Budget(0.5);
    b.reserve("a", 0.3);
    assertThat(b.reserve("a", 0.3)).isInstanceOf(Budget.Reserved.class);
    assertThat(b.inFlight()).isEqualTo(0.3);
  }

  @ParameterizedTest
  @ValueSource(doubles = {0, -1, Double.NaN, Double.POSITIVE_INFINITY})
  void shouldRefuseALimitThatIsNotAPositiveAmount(double limit) {
    assertThatThrownBy(() -> new Budget(limit)).hasMessageContaining("--budget-usd");
  }
}
