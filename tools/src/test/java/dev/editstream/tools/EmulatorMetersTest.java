package dev.editstream.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.app.OpsServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The emulator's ops port over real HTTP. */
class EmulatorMetersTest {
  @TempDir Path dir;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * {@code editstream emulator --metrics-port}: the emulator's counters on the same ops server,
   * with live values.
   */
  @Test
  void shouldServeTheEmulatorsCountersOnItsMetricsPort() throws Exception {
    assertThat(
            ToolsCommand.commandLine()
                .getSubcommands()
                .get("emulator")
                .getCommandSpec()
                .findOption("--metrics-port"))
        .isNotNull();
    try (dev.editstream.emulator.RunComfyEmulator emu =
            dev.editstream.emulator.RunComfyEmulator.start(
                dev.editstream.emulator.EmulatorConfig.defaults(dir.resolve("emu"), "tok")
                    .withFetchInputs(false));
        OpsServer ops = EmulatorMeters.serve(emu, "127.0.0.1", 0)) {
      String base = "http://127.0.0.1:" + ops.port();
      HttpResponse<String> models =
          http.send(
              HttpRequest.newBuilder(URI.create(emu.baseUrl() + "/models"))
                  .header("Authorization", "Bearer tok")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(models.statusCode()).isEqualTo(200);
      String metrics =
          http.send(
                  HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(metrics)
          .contains(
              "runcomfy_emulator_submits_total 0.0",
              "runcomfy_emulator_rate_limited_total",
              "runcomfy_emulator_billed_usd_total",
              "runcomfy_emulator_inflight",
              "jvm_memory_used_bytes");
      assertThat(metrics)
          .containsPattern("runcomfy_emulator_calls_total\\{endpoint=\"models\"} [1-9]");
      assertThat(
              http.send(
                      HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(200);
    }
  }
}
