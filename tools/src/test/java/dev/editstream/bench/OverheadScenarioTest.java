package dev.editstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OverheadScenarioTest {
  @Test
  void shouldPickTheMedianPairWhateverTheOrder() {
    assertThat(OverheadScenario.medianIndex(new double[] {0.42})).isZero();
    assertThat(OverheadScenario.medianIndex(new double[] {0.51, 0.35, 0.42})).isEqualTo(2);
    assertThat(OverheadScenario.medianIndex(new double[] {0.35, 0.42, 0.51})).isEqualTo(1);
    assertThat(OverheadScenario.medianIndex(new double[] {0.42, 0.51, 0.35})).isZero();
    // an even count takes the lower middle value
    assertThat(OverheadScenario.medianIndex(new double[] {0.6, 0.3, 0.5, 0.4})).isEqualTo(3);
    assertThatThrownBy(() -> OverheadScenario.medianIndex(new double[0]))
        .hasMessageContaining("values");
  }

  @Test
  void shouldWarmUpAgainOnlyWhileTheJitIsBusyAndRoundsAreLeft() {
    assertThat(OverheadScenario.keepWarming(1, 0.5)).isTrue();
    assertThat(OverheadScenario.keepWarming(1, OverheadScenario.QUIET_JIT_SHARE)).isFalse();
    assertThat(OverheadScenario.keepWarming(1, 0.01)).isFalse();
    assertThat(OverheadScenario.keepWarming(OverheadScenario.MAX_WARM_UP_ROUNDS, 0.9)).isFalse();
    assertThat(OverheadScenario.keepWarming(1, Double.NaN)).isFalse();
  }

  @Test
  void shouldShareCompileTimeOverWallTimeOrNaNWhenUnknown() {
    assertThat(OverheadScenario.jitShare(250, 1000)).isEqualTo(0.25);
    assertThat(OverheadScenario.jitShare(-1, 1000)).isNaN();
    assertThat(OverheadScenario.jitShare(10, 0)).isNaN();
  }

  @Test
  void shouldRatePipelineOverDriverAndZeroWhenTheDriverDidNothing() {
    BenchResult pipe = new BenchResult("b", 100, 2.0, 0, 1, 0, 0, 0, 0, 0, 0, "");
    BenchResult http = new BenchResult("b-http", 100, 0.5, 0, 1, 0, 0, 0, 0, 0, 0, "");
    BenchResult none = new BenchResult("b-http", 0, 0.5, 0, 1, 0, 0, 0, 0, 0, 0, "");

    assertThat(OverheadScenario.ratio(pipe, http)).isEqualTo(0.25);
    assertThat(OverheadScenario.ratio(pipe, none)).isZero();
  }
}
