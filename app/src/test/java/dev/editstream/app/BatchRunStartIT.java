package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.editstream.core.error.StageException;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.runcomfy.RunComfyConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, command to first POST: {@code run} starts its embedded broker while it checks the
 * account, and publishes the jobs while its workers start. Through the real broker and real HTTP
 * against the emulator.
 */
class BatchRunStartIT {
  private static final String TOKEN = "batch-run-start-token";

  @TempDir Path dir;

  private PipelineConfig config(RunComfyEmulator emu, boolean balanceCheck) {
    PipelineOptions o = new PipelineOptions();
    o.out = dir.resolve("out");
    o.topicPrefix = "start-" + Long.toHexString(System.nanoTime());
    o.partitions = 1;
    o.accountRecheckSeconds = 30;
    o.maxAttempts = 10;
    o.retryBaseMs = 20;
    o.retryMaxMs = 200;
    o.jobDeadlineSeconds = 120;
    o.routerConcurrency = 2;
    o.pollerConcurrency = 10;
    o.downloaderConcurrency = 2;
    o.catalogCache = dir.resolve("catalog-cache.json");
    o.balanceCheck = balanceCheck;
    return o.toConfig().allowingDownloadsFrom("127.0.0.1:" + emu.port());
  }

  private EmulatorConfig emulator() {
    return EmulatorConfig.defaults(dir.resolve("emu"), TOKEN)
        .withFetchInputs(false)
        .withLatency(50, 150)
        .withSeed(19);
  }

  private Path jobs(int n) throws java.io.IOException {
    return ProviderRulesIT.fluxJobs(dir, n);
  }

  @Test
  void shouldStopTheBrokerItBeganAndFreeTheFolderWhenTheAccountCheckFails() throws Exception {
    try (RunComfyEmulator emu = RunComfyEmulator.start(emulator().withBalanceUsd(0))) {
      PipelineConfig cfg = config(emu, true);
      Path jobs = jobs(2);
      assertThatThrownBy(
              () ->
                  BatchRun.run(
                      cfg,
                      RunComfyConfig.of(emu.baseUrl(), TOKEN),
                      false,
                      jobs,
                      Duration.ofMinutes(1),
                      new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                      new ArrayList<>()))
          .isInstanceOfSatisfying(
              StageException.class, e -> assertThat(e.exitClass().code()).isEqualTo(77));
      assertThat(emu.stats().submits()).isZero();
      // the broker the run started in the background was stopped and the folder's lock released:
      // the next process takes the folder at once
      try (BatchState again = BatchState.open(cfg.outDir(), false)) {
        assertThat(again.bootstrapServers()).startsWith("127.0.0.1:");
      }
    }
  }

  @Test
  void shouldRunABatchOnABrokerItsCallerBeganStarting() throws Exception {
    try (RunComfyEmulator emu = RunComfyEmulator.start(emulator())) {
      PipelineConfig cfg = config(emu, false);
      BatchRun.StateOpening opening = BatchRun.openState(cfg);
      assertThat(opening).as("no --bootstrap-servers: an embedded broker to open").isNotNull();
      ByteArrayOutputStream printed = new ByteArrayOutputStream();
      long t0 = System.nanoTime();
      BatchRun.Result r =
          BatchRun.run(
              cfg,
              RunComfyConfig.of(emu.baseUrl(), TOKEN),
              false,
              jobs(3),
              List.of(),
              Duration.ofMinutes(2),
              new PrintStream(printed, true, StandardCharsets.UTF_8),
              new ArrayList<>(),
              BatchRun.Options.DEFAULT.withOpening(opening));
      long elapsedNanos = System.nanoTime() - t0;
      String out = printed.toString(StandardCharsets.UTF_8);
      assertThat(r.finished()).as(out).isTrue();
      assertThat(r.summary().done()).as(out).isEqualTo(3);
      assertThat(emu.stats().submits()).isEqualTo(3);
      assertThat(out)
          .contains("no --bootstrap-servers given", "start-up (broker, topics, workers)");
      // the batch's wall counts from the jobs' publication: within the command's time, never
      // before it
      assertThat(r.summary().wall().toNanos()).isPositive().isLessThan(elapsedNanos);
    }
  }
}
