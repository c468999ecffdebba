package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --speculative-submits} and {@code --fixed-inflight} as parsed into the flow settings. */
class SpeculativeSubmitsOptionTest {

  private static PipelineConfig parse(String... args) {
    PipelineOptions o = new PipelineOptions();
    new CommandLine(o).parseArgs(args);
    return o.toConfig(Map.of());
  }

  @Test
  void shouldGuessByDefaultOnlyWithTheAdaptiveLimit() {
    assertThat(parse("--fixed-inflight", "--max-inflight", "50").flow().speculation())
        .as("a fixed limit may be the operator's own, not the provider's: never exceeded")
        .isZero();
    assertThat(parse("--max-inflight", "50").flow().speculation())
        .as("the adaptive limit probes the cap with 429s anyway")
        .isEqualTo(PipelineOptions.SUGGESTED_SPECULATIVE_SUBMITS);
    assertThat(parse("--fixed-inflight", "--speculative-submits", "0").flow().speculation())
        .isZero();
    assertThat(parse("--fixed-inflight", "--speculative-submits", "0.75").flow().speculation())
        .isEqualTo(0.75);
    assertThat(parse("--speculative-submits", "0").flow().speculation()).isZero();
    assertThat(parse("--speculative-submits", "0.8").flow().speculation()).isEqualTo(0.8);
  }

  @Test
  void shouldFailABadConfidenceNamingTheOption() {
    for (String bad : new String[] {"1", "-0.1", "NaN", "2"}) {
      assertThatThrownBy(() -> parse("--fixed-inflight", "--speculative-submits", bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("--speculative-submits must be 0 (never) or a confidence");
      assertThatThrownBy(() -> parse("--speculative-submits", bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("--speculative-submits must be 0 (never) or a confidence");
    }
  }
}
