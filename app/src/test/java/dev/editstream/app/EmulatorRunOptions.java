package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.runcomfy.RunComfyConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The options of a test batch against the emulator: small concurrency, fast retries, downloads from
 * the emulator allowed.
 */
final class EmulatorRunOptions {
  private EmulatorRunOptions() {}

  /**
   * @param bootstrapServers the broker
   * @param out the output folder
   * @param topicPrefix the topics' prefix
   * @param catalogCache the catalog's disk copy
   * @param emu the emulator downloads come from
   * @param pollerConcurrency jobs the poller follows at once
   */
  static PipelineOptions of(
      String bootstrapServers,
      Path out,
      String topicPrefix,
      Path catalogCache,
      RunComfyEmulator emu,
      int pollerConcurrency) {
    PipelineOptions o = new PipelineOptions();
    o.bootstrapServers = bootstrapServers;
    o.out = out;
    o.topicPrefix = topicPrefix;
    o.partitions = 2;
    o.routerConcurrency = 4;
    o.pollerConcurrency = pollerConcurrency;
    o.downloaderConcurrency = 4;
    o.maxAttempts = 6;
    o.retryBaseMs = 50;
    o.retryMaxMs = 1000;
    o.jobDeadlineSeconds = 300;
    o.catalogCache = catalogCache;
    o.allowDownloadHosts = new ArrayList<>(List.of("127.0.0.1:" + emu.port()));
    return o;
  }

  /**
   * What a finished test batch left.
   *
   * @param result the run's result
   * @param printed what the run printed (progress and summary)
   */
  record Ran(BatchRun.Result result, String printed) {}

  /**
   * Runs the batch in {@code jobs} with {@code cfg} against {@code emu} and checks that it finished
   * within {@code timeout}.
   *
   * @throws IOException if the job file cannot be read
   */
  static Ran run(
      PipelineConfig cfg, RunComfyEmulator emu, String token, Path jobs, Duration timeout)
      throws IOException {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    BatchRun.Result r =
        BatchRun.run(
            cfg,
            RunComfyConfig.of(emu.baseUrl(), token),
            false,
            jobs,
            timeout,
            new PrintStream(log, true, StandardCharsets.UTF_8),
            new ArrayList<>());
    String printed = log.toString(StandardCharsets.UTF_8);
    assertThat(r.finished()).as(printed).isTrue();
    return new Ran(r, printed);
  }
}
