package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.OutputFile;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.localkafka.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Output URLs as RunComfy's documented results give them (public, no query string): the {@code
 * completed} event carries them whole, so the downloader downloads them without reading the result
 * again, one result call per job against two for signed URLs ({@code StageSeamsIT}). Real broker
 * (embedded KRaft), real HTTP, the emulator with {@code --public-outputs}.
 */
class PublicOutputsIT {
  static final String TOKEN = "public-outputs-token";
  static final int N = 6;

  @TempDir Path dir;

  @Test
  void shouldDownloadPublicOutputsFromTheEventWithOneResultCallPerJob() throws Exception {
    Path jobs = dir.resolve("jobs.jsonl");
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < N; i++) {
      b.append(
          String.format(
              "{\"id\":\"sku-%d\",\"prompt\":\"Replace the background with studio grey paper, keep the product unchanged\",\"images\":[\"https://cdn.example.com/p%d.png\"]}%n",
              i, i));
    }
    Files.writeString(jobs, b.toString(), StandardCharsets.UTF_8);
    try (EmbeddedKafka kafka = EmbeddedKafka.start(null);
        RunComfyEmulator emu =
            RunComfyEmulator.start(
                EmulatorConfig.defaults(dir.resolve("emulator"), TOKEN)
                    .withFetchInputs(false)
                    .withLatency(50, 200)
                    .withPublicOutputs(true))) {
      PipelineConfig cfg =
          EmulatorRunOptions.of(
                  kafka.bootstrapServers(),
                  dir.resolve("out"),
                  "public-outputs",
                  dir.resolve("catalog-cache.json"),
                  emu,
                  50)
              .toConfig(java.util.Map.of());
      BatchRun.Result r =
          EmulatorRunOptions.run(cfg, emu, TOKEN, jobs, Duration.ofMinutes(3)).result();

      assertThat(r.summary().jobs()).hasSize(N);
      for (var e : r.summary().jobs().entrySet()) {
        assertThat(e.getValue().failedEvents()).as("failures of %s", e.getKey()).isEmpty();
        assertThat(e.getValue().doneEvents()).as("done events of %s", e.getKey()).hasSize(1);
        JobEvent done = e.getValue().doneEvents().get(0);
        List<String> sources = done.files().stream().map(OutputFile::sourceUrl).toList();
        assertThat(sources)
            .as("RunComfy's public URLs, whole")
            .isNotEmpty()
            .allSatisfy(
                u ->
                    assertThat(u)
                        .startsWith(emu.baseUrl().replaceAll("/v1$", "") + "/files/")
                        .doesNotContain("?"));
        for (OutputFile f : done.files()) {
          assertThat(cfg.outDir().resolve(f.path())).isRegularFile().hasSize(f.bytes());
        }
      }
      assertThat(emu.stats().submits()).isEqualTo(N);
      assertThat(emu.stats().resultCalls())
          .as("the poller reads each result; the downloader takes the URLs from the event")
          .isEqualTo(N);
    }
  }
}
