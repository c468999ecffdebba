package dev.editstream.app;

import dev.editstream.emulator.RunComfyEmulator;
import java.nio.file.Path;
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
}
