package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.editstream.pipeline.kafka.LocalBroker;
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

/** Issue 13, first part: the operator's port (metrics, liveness, readiness) over real HTTP and a real broker. */
class OpsServerTest {
  @TempDir Path dir;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void shouldJudgeReadinessFromEveryCheck() {
    assertThat(Readiness.of(true, true, null)).isEqualTo(new Readiness(true, List.of()));
    assertThat(Readiness.of(true, true, "")).extracting(Readiness::ready).isEqualTo(true);
    assertThat(Readiness.of(false, false, "no balance").reasons()).containsExactly("the Kafka cluster does not answer",
        "a stage stopped consuming", "submission paused: no balance");
    assertThat(OpsServer.body(Readiness.of(true, false, null))).isEqualTo("{\"ready\":false,\"reasons\":[\"a stage stopped consuming\"]}");
  }

  @Test
  void shouldServeMetricsAndFlipReadinessWhenTheBrokerStopsAndComesBack() throws Exception {
    MetricsOptions m = new MetricsOptions();
    m.port = 0;
    MeterRegistry registry = m.registry();
    Counter.builder("editstream.jobs.in").tag("stage", "router").register(registry).increment(3);
    LocalBroker broker = LocalBroker.start(dir.resolve("broker"));
    String[] paused = {null};
    try (OpsServer ops = m.start(registry, broker.bootstrapServers(), () -> true, () -> paused[0])) {
      int port = ops.port();

      HttpResponse<String> metrics = get(port, "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
      assertThat(metrics.body()).contains("editstream_jobs_in_total{stage=\"router\"} 3.0").contains("jvm_memory_used_bytes");
      assertThat(get(port, "/health/live").statusCode()).isEqualTo(200);
      assertThat(get(port, "/health/ready").statusCode()).isEqualTo(200);

      paused[0] = "no balance";
      HttpResponse<String> pausedAnswer = get(port, "/health/ready");
      assertThat(pausedAnswer.statusCode()).isEqualTo(503);
      assertThat(pausedAnswer.body()).contains("submission paused: no balance");
      paused[0] = null;

      broker.close();
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> get(port, "/health/ready").statusCode() == 503);
      assertThat(get(port, "/health/ready").body()).contains("the Kafka cluster does not answer");
      assertThat(get(port, "/health/live").statusCode()).as("live while the broker is away").isEqualTo(200);

      broker = LocalBroker.start(dir.resolve("broker"));
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> get(port, "/health/ready").statusCode() == 200);
    } finally {
      broker.close();
    }
  }

  /** {@code editstream emulator --metrics-port}: the emulator's counters on the same ops server, with live values. */
  @Test
  void shouldServeTheEmulatorsCountersOnItsMetricsPort() throws Exception {
    assertThat(EditstreamCommand.commandLine().getSubcommands().get("emulator").getCommandSpec().findOption("--metrics-port")).isNotNull();
    try (dev.editstream.emulator.RunComfyEmulator emu = dev.editstream.emulator.RunComfyEmulator.start(
            dev.editstream.emulator.EmulatorConfig.defaults(dir.resolve("emu"), "tok").withFetchInputs(false));
        OpsServer ops = EmulatorMeters.serve(emu, "127.0.0.1", 0)) {
      String base = "http://127.0.0.1:" + ops.port();
      HttpResponse<String> models = http.send(HttpRequest.newBuilder(URI.create(emu.baseUrl() + "/models"))
          .header("Authorization", "Bearer tok").build(), HttpResponse.BodyHandlers.ofString());
      assertThat(models.statusCode()).isEqualTo(200);
      String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics).contains("runcomfy_emulator_submits_total 0.0", "runcomfy_emulator_rate_limited_total", "runcomfy_emulator_billed_usd_total",
          "runcomfy_emulator_inflight", "jvm_memory_used_bytes");
      assertThat(metrics).containsPattern("runcomfy_emulator_calls_total\\{endpoint=\"models\"} [1-9]");
      assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString())
          .statusCode()).isEqualTo(200);
    }
  }
}
