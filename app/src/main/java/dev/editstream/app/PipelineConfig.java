package dev.editstream.app;

import dev.editstream.core.Backoff;
import dev.editstream.core.event.Topics;
import dev.editstream.pipeline.flow.FlowControl;
import dev.editstream.poller.PollSchedule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * The typed, validated configuration of an editstream process. Built once at start-up from the
 * command line; a bad value fails at once with the option's name.
 *
 * @param bootstrapServers Kafka bootstrap servers, or {@code null} to start the embedded broker
 * @param topics topic names (prefix {@code --topic-prefix})
 * @param partitions partitions of each topic created at start-up, 1..1000
 * @param outDir output folder of the downloader ({@code <out>/<job id>/}, {@code manifest.jsonl})
 * @param routerConcurrency jobs the router-worker submits at once, &gt;= 1
 * @param pollerConcurrency requests the poller-worker follows at once, &gt;= 1
 * @param downloaderConcurrency jobs the downloader-worker downloads at once, &gt;= 1
 * @param maxAttempts attempts per stage for classes 69/75, &gt;= 1
 * @param backoff retry delays
 * @param jobDeadline longest time from submission to a terminal status before cancel, &gt; 0
 * @param pollSchedule status-check schedule
 * @param allowDownloadHosts extra {@code host:port} download hosts (local emulator), besides {@code
 *     *.runcomfy.net} and {@code *.runcomfy.com}
 * @param shutdownGrace how long a worker waits for jobs in flight when stopped
 * @param accountRecheck time between probes while submission is paused for an account fault
 * @param instanceId static consumer-group membership id of this worker process, or {@code null}
 * @param smartPolling whether the poller uses the latency-aware schedule (else {@code
 *     pollSchedule})
 * @param flow limits of remote jobs in flight and requests per second, or {@code null} for none
 * @param provider the catalog cache and refresh, the budget and the balance check
 * @param replicationFactor replication factor of topics created at start-up, or 0 for {@code min(3,
 *     brokers)} ({@link dev.editstream.pipeline.kafka.TopicPolicy})
 * @param strictRouting refuse (class 65) a prompt in a language no routing lexicon covers instead
 *     of routing it with a warning ({@code --strict-routing})
 */
public record PipelineConfig(
    String bootstrapServers,
    Topics topics,
    int partitions,
    Path outDir,
    int routerConcurrency,
    int pollerConcurrency,
    int downloaderConcurrency,
    int maxAttempts,
    Backoff backoff,
    Duration jobDeadline,
    PollSchedule pollSchedule,
    Set<String> allowDownloadHosts,
    Duration shutdownGrace,
    Duration accountRecheck,
    String instanceId,
    boolean smartPolling,
    FlowControl.Settings flow,
    ProviderSettings provider,
    int replicationFactor,
    boolean strictRouting) {

  /**
   * @throws IllegalArgumentException naming the option that breaks its rule
   */
  public PipelineConfig {
    if (bootstrapServers != null
        && !bootstrapServers.matches(
            "[A-Za-z0-9.\\-\\[\\]:]+:\\d{1,5}(,[A-Za-z0-9.\\-\\[\\]:]+:\\d{1,5})*")) {
      throw new IllegalArgumentException(
          "--bootstrap-servers must be host:port[,host:port...], was \"" + bootstrapServers + "\"");
    }
    if (partitions < 1 || partitions > 1000) {
      throw new IllegalArgumentException("--partitions must be in 1..1000, was " + partitions);
    }
    if (outDir == null) {
      throw new IllegalArgumentException("--out must be set");
    }
    positive("--router-concurrency", routerConcurrency);
    positive("--poller-concurrency", pollerConcurrency);
    positive("--downloader-concurrency", downloaderConcurrency);
    positive("--max-attempts", maxAttempts);
    if (jobDeadline == null || jobDeadline.isZero() || jobDeadline.isNegative()) {
      throw new IllegalArgumentException("--job-deadline must be > 0");
    }
    for (String h : allowDownloadHosts) {
      if (!h.matches("[A-Za-z0-9.\\-]+:\\d{1,5}")) {
        throw new IllegalArgumentException(
            "--allow-download-host must be host:port, was \"" + h + "\"");
      }
    }
    allowDownloadHosts = Set.copyOf(allowDownloadHosts);
    if (instanceId != null && !instanceId.matches("[A-Za-z0-9._-]{1,80}")) {
      throw new IllegalArgumentException(
          "--instance-id must match [A-Za-z0-9._-]{1,80}, was \"" + instanceId + "\"");
    }
    provider = provider == null ? ProviderSettings.defaults() : provider;
    if (accountRecheck == null || accountRecheck.isZero() || accountRecheck.isNegative()) {
      throw new IllegalArgumentException("--account-recheck-s must be > 0");
    }
    if (replicationFactor < 0 || replicationFactor > Short.MAX_VALUE) {
      throw new IllegalArgumentException(
          "--replication-factor must be >= 1 (or 0: min(3, brokers)), was " + replicationFactor);
    }
  }

  private static void positive(String option, int v) {
    if (v < 1) {
      throw new IllegalArgumentException(option + " must be >= 1, was " + v);
    }
  }

  /** Whether this process must start its own broker. */
  public boolean embedded() {
    return bootstrapServers == null;
  }

  /** A copy with the given bootstrap servers (after the embedded broker started). */
  public PipelineConfig withBootstrapServers(String servers) {
    return new PipelineConfig(
        servers,
        topics,
        partitions,
        outDir,
        routerConcurrency,
        pollerConcurrency,
        downloaderConcurrency,
        maxAttempts,
        backoff,
        jobDeadline,
        pollSchedule,
        allowDownloadHosts,
        shutdownGrace,
        accountRecheck,
        instanceId,
        smartPolling,
        flow,
        provider,
        replicationFactor,
        strictRouting);
  }

  /** A copy with other provider settings. */
  public PipelineConfig withProvider(ProviderSettings p) {
    return new PipelineConfig(
        bootstrapServers,
        topics,
        partitions,
        outDir,
        routerConcurrency,
        pollerConcurrency,
        downloaderConcurrency,
        maxAttempts,
        backoff,
        jobDeadline,
        pollSchedule,
        allowDownloadHosts,
        shutdownGrace,
        accountRecheck,
        instanceId,
        smartPolling,
        flow,
        p,
        replicationFactor,
        strictRouting);
  }

  /** A copy that also allows downloads from {@code hostPort}. */
  public PipelineConfig allowingDownloadsFrom(String hostPort) {
    Set<String> hosts = new java.util.HashSet<>(allowDownloadHosts);
    hosts.add(hostPort);
    return new PipelineConfig(
        bootstrapServers,
        topics,
        partitions,
        outDir,
        routerConcurrency,
        pollerConcurrency,
        downloaderConcurrency,
        maxAttempts,
        backoff,
        jobDeadline,
        pollSchedule,
        hosts,
        shutdownGrace,
        accountRecheck,
        instanceId,
        smartPolling,
        flow,
        provider,
        replicationFactor,
        strictRouting);
  }
}
