package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.editstream.localkafka.LocalBroker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, first part: the operator's port (metrics, liveness, readiness) over real HTTP and a
 * real broker.
 */
class OpsServerTest {
  @TempDir Path dir;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(20))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void shouldJudgeReadinessFromEveryCheck() {
    assertThat(Readiness.of(true, true, null)).isEqualTo(new Readiness(true, List.of()));
    assertThat(Readiness.of(true, true, "")).extracting(Readiness::ready).isEqualTo(true);
    assertThat(Readiness.of(false, false, "no balance").reasons())
        .containsExactly(
            "the Kafka cluster does not answer",
            "a stage stopped consuming",
            "submission paused: no balance");
    assertThat(OpsServer.body(Readiness.of(true, false, null)))
        .isEqualTo("{\"ready\":false,\"reasons\":[\"a stage stopped consuming\"]}");
  }

  @Test
  void shouldServeMetricsAndFlipReadinessWhenTheBrokerStopsAndComesBack() throws Exception {
    MetricsOptions m = new MetricsOptions();
    m.port = 0;
    MeterRegistry registry = m.registry();
    Counter.builder("editstream.jobs.in").tag("stage", "router").register(registry).increment(3);
    LocalBroker broker = LocalBroker.start(dir.resolve("broker"));
    String[] paused = {null};
    try (OpsServer ops =
        m.start(registry, broker.bootstrapServers(), () -> true, () -> paused[0])) {
      int port = ops.port();

      HttpResponse<String> metrics = get(port, "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
      assertThat(metrics.body())
          .contains("editstream_jobs_in_total{stage=\"router\"} 3.0")
          .contains("jvm_memory_used_bytes");
      assertThat(get(port, "/health/live").statusCode()).isEqualTo(200);
      assertThat(get(port, "/health/ready").statusCode()).isEqualTo(200);

      paused[0] = "no balance";
      HttpResponse<String> pausedAnswer = get(port, "/health/ready");
      assertThat(pausedAnswer.statusCode()).isEqualTo(503);
      assertThat(pausedAnswer.body()).contains("submission paused: no balance");
      paused[0] = null;

      broker.close();
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> get(port, "/health/ready").statusCode() == 503);
      assertThat(get(port, "/health/ready").body()).contains("the Kafka cluster does not answer");
      assertThat(get(port, "/health/live").statusCode())
          .as("live while the broker is away")
          .isEqualTo(200);

      broker = LocalBroker.start(dir.resolve("broker"));
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> get(port, "/health/ready").statusCode() == 200);
    } finally {
      broker.close();
    }
  }
}
