package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.editstream.core.Backoff;
import dev.editstream.core.event.Topics;
import dev.editstream.pipeline.flow.FlowControl;
import dev.editstream.poller.PollSchedule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The builder and the copies of {@link PipelineConfig}. */
class PipelineConfigTest {
  static PipelineConfig.Builder valid() {
    return PipelineConfig.builder()
        .topics(new Topics("cfg"))
        .partitions(3)
        .outDir(Path.of("out"))
        .routerConcurrency(8)
        .pollerConcurrency(9)
        .downloaderConcurrency(10)
        .maxAttempts(4)
        .backoff(new Backoff(50, 1_000, 2.0, 10))
        .jobDeadline(Duration.ofMinutes(3))
        .pollSchedule(PollSchedule.defaults())
        .allowDownloadHosts(Set.of("127.0.0.1:9"))
        .shutdownGrace(Duration.ofSeconds(5))
        .accountRecheck(Duration.ofSeconds(7))
        .instanceId("w-1")
        .smartPolling(true)
        .flow(FlowControl.Settings.fixed(3, 3))
        .replicationFactor(2)
        .strictRouting(true);
  }

  @Test
  void aCopyThroughTheBuilderIsEqualAndEachWithChangesOneField() {
    PipelineConfig c = valid().build();
    assertThat(c.toBuilder().build()).isEqualTo(c);
    assertThat(c.withBootstrapServers("h:9092"))
        .isEqualTo(valid().bootstrapServers("h:9092").build());
    assertThat(c.allowingDownloadsFrom("127.0.0.1:10").allowDownloadHosts())
        .containsExactlyInAnyOrder("127.0.0.1:9", "127.0.0.1:10");
    assertThat(c.withProvider(ProviderSettings.defaults()).provider())
        .isEqualTo(ProviderSettings.defaults());
    assertThat(c.embedded()).isTrue();
    assertThat(c.withBootstrapServers("h:9092").embedded()).isFalse();
  }

  @Test
  void theBuilderRefusesWhatTheConstructorRefusesNamingTheOption() {
    assertThatThrownBy(() -> valid().pollerConcurrency(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--poller-concurrency must be >= 1, was 0");
    assertThatThrownBy(() -> valid().outDir(null).build()).hasMessage("--out must be set");
    assertThatThrownBy(() -> valid().bootstrapServers("nope").build())
        .hasMessageStartingWith("--bootstrap-servers must be host:port");
  }

  @Test
  void theStatusCallBudgetDefaultsToEightyFiveASecondWithSmartPollingOnly() {
    PipelineConfig c = valid().build();
    assertThat(c.statusCallsPerSecond()).isEqualTo(85.0);
    assertThat(c.statusCallBudget())
        .isEqualTo(dev.editstream.poller.StatusCallBudget.Settings.defaults());
    assertThat(valid().statusCallsPerSecond(12.5).build().statusCallBudget().callsPerSecond())
        .isEqualTo(12.5);
    assertThat(valid().statusCallsPerSecond(0).build().statusCallBudget()).isNull();
    assertThat(valid().smartPolling(false).build().statusCallBudget()).isNull();
    assertThat(c.toBuilder().build()).isEqualTo(c);
  }

  @Test
  void aBadStatusCallBudgetFailsNamingTheOption() {
    for (double bad : new double[] {-1, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThatThrownBy(() -> valid().statusCallsPerSecond(bad).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("--status-calls-per-second must be >= 0 and finite");
    }
  }
}
