package dev.editstream.app;

import dev.editstream.core.Backoff;
import dev.editstream.core.event.Topics;
import dev.editstream.pipeline.flow.FlowControl;
import dev.editstream.poller.PollSchedule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

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
 * @param stateDir the folder of the views' local stores (terminal guard, submission ledger, batch
 *     tracker), so a restart reads only what was published since the last checkpoint ({@code
 *     --state-dir}); {@code null} keeps the views in memory, and every start reads the topics'
 *     whole history
 * @param statusCallsPerSecond the poller's budget of status calls per second for the account,
 *     shared by every request it follows and spent where completions are likeliest ({@code
 *     --status-calls-per-second}, {@link dev.editstream.poller.StatusCallBudget}); &gt;= 0 and
 *     finite, 0 = no budget (every check when the schedule says); applies with smart polling only
 */
public record PipelineConfig(
    @Nullable String bootstrapServers,
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
    @Nullable String instanceId,
    boolean smartPolling,
    FlowControl.@Nullable Settings flow,
    ProviderSettings provider,
    int replicationFactor,
    boolean strictRouting,
    @Nullable Path stateDir,
    double statusCallsPerSecond) {

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
    if (!(statusCallsPerSecond >= 0) || Double.isInfinite(statusCallsPerSecond)) {
      throw new IllegalArgumentException(
          "--status-calls-per-second must be >= 0 and finite (0 = no budget), was "
              + statusCallsPerSecond);
    }
  }

  private static void positive(String option, int v) {
    if (v < 1) {
      throw new IllegalArgumentException(option + " must be >= 1, was " + v);
    }
  }

  /**
   * The poller's status-call budget: {@link
   * dev.editstream.poller.StatusCallBudget.Settings#defaults()} at {@link #statusCallsPerSecond()},
   * or {@code null} when there is none (0, or smart polling off: a fixed schedule asked for is kept
   * as is).
   */
  public dev.editstream.poller.StatusCallBudget.@Nullable Settings statusCallBudget() {
    return statusCallsPerSecond > 0 && smartPolling
        ? dev.editstream.poller.StatusCallBudget.Settings.defaults()
            .withCallsPerSecond(statusCallsPerSecond)
        : null;
  }

  /** Whether this process must start its own broker. */
  public boolean embedded() {
    return bootstrapServers == null;
  }

  /**
   * The Kafka bootstrap servers where they must be known: given, or the embedded broker's once it
   * started ({@link #withBootstrapServers}).
   *
   * @throws NullPointerException when neither is the case
   */
  public String requireBootstrapServers() {
    return Objects.requireNonNull(bootstrapServers, "bootstrapServers");
  }

  /** A copy with the given bootstrap servers (after the embedded broker started). */
  public PipelineConfig withBootstrapServers(String servers) {
    return toBuilder().bootstrapServers(servers).build();
  }

  /**
   * A copy with a static group membership id.
   *
   * @throws IllegalArgumentException if {@code id} breaks {@code --instance-id}'s rule
   */
  public PipelineConfig withInstanceId(String id) {
    return toBuilder().instanceId(id).build();
  }

  /** A copy with other provider settings. */
  public PipelineConfig withProvider(ProviderSettings p) {
    return toBuilder().provider(p).build();
  }

  /** A copy that also allows downloads from {@code hostPort}. */
  public PipelineConfig allowingDownloadsFrom(String hostPort) {
    Set<String> hosts = new java.util.HashSet<>(allowDownloadHosts);
    hosts.add(hostPort);
    return toBuilder().allowDownloadHosts(hosts).build();
  }

  /** A builder holding this configuration's values, to copy it with some changed. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.bootstrapServers = bootstrapServers;
    b.topics = topics;
    b.partitions = partitions;
    b.outDir = outDir;
    b.routerConcurrency = routerConcurrency;
    b.pollerConcurrency = pollerConcurrency;
    b.downloaderConcurrency = downloaderConcurrency;
    b.maxAttempts = maxAttempts;
    b.backoff = backoff;
    b.jobDeadline = jobDeadline;
    b.pollSchedule = pollSchedule;
    b.allowDownloadHosts = allowDownloadHosts;
    b.shutdownGrace = shutdownGrace;
    b.accountRecheck = accountRecheck;
    b.instanceId = instanceId;
    b.smartPolling = smartPolling;
    b.flow = flow;
    b.provider = provider;
    b.replicationFactor = replicationFactor;
    b.strictRouting = strictRouting;
    b.stateDir = stateDir;
    b.statusCallsPerSecond = statusCallsPerSecond;
    return b;
  }

  /**
   * An empty builder (topics {@link Topics#DEFAULT}, no extra download hosts): every other field is
   * set by name; {@link Builder#build()} refuses what the constructor refuses.
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The fields of a {@link PipelineConfig}, by name; {@link #build()} validates them as the
   * constructor does (an {@link IllegalArgumentException} naming the option).
   */
  public static final class Builder {
    private @Nullable String bootstrapServers;
    private Topics topics = Topics.DEFAULT;
    private int partitions;
    private @Nullable Path outDir;
    private int routerConcurrency;
    private int pollerConcurrency;
    private int downloaderConcurrency;
    private int maxAttempts;
    private @Nullable Backoff backoff;
    private @Nullable Duration jobDeadline;
    private @Nullable PollSchedule pollSchedule;
    private Set<String> allowDownloadHosts = Set.of();
    private @Nullable Duration shutdownGrace;
    private @Nullable Duration accountRecheck;
    private @Nullable String instanceId;
    private boolean smartPolling;
    private FlowControl.@Nullable Settings flow;
    private ProviderSettings provider = ProviderSettings.defaults();
    private int replicationFactor;
    private boolean strictRouting;
    private @Nullable Path stateDir;
    private double statusCallsPerSecond =
        dev.editstream.poller.StatusCallBudget.Settings.DEFAULT_CALLS_PER_SECOND;

    private Builder() {}

    /** Sets {@link PipelineConfig#bootstrapServers()}. */
    public Builder bootstrapServers(@Nullable String value) {
      this.bootstrapServers = value;
      return this;
    }

    /** Sets {@link PipelineConfig#topics()}. */
    public Builder topics(Topics value) {
      this.topics = value;
      return this;
    }

    /** Sets {@link PipelineConfig#partitions()}. */
    public Builder partitions(int value) {
      this.partitions = value;
      return this;
    }

    /** Sets {@link PipelineConfig#outDir()}. */
    public Builder outDir(Path value) {
      this.outDir = value;
      return this;
    }

    /** Sets {@link PipelineConfig#routerConcurrency()}. */
    public Builder routerConcurrency(int value) {
      this.routerConcurrency = value;
      return this;
    }

    /** Sets {@link PipelineConfig#pollerConcurrency()}. */
    public Builder pollerConcurrency(int value) {
      this.pollerConcurrency = value;
      return this;
    }

    /** Sets {@link PipelineConfig#downloaderConcurrency()}. */
    public Builder downloaderConcurrency(int value) {
      this.downloaderConcurrency = value;
      return this;
    }

    /** Sets {@link PipelineConfig#maxAttempts()}. */
    public Builder maxAttempts(int value) {
      this.maxAttempts = value;
      return this;
    }

    /** Sets {@link PipelineConfig#backoff()}. */
    public Builder backoff(Backoff value) {
      this.backoff = value;
      return this;
    }

    /** Sets {@link PipelineConfig#jobDeadline()}. */
    public Builder jobDeadline(Duration value) {
      this.jobDeadline = value;
      return this;
    }

    /** Sets {@link PipelineConfig#pollSchedule()}. */
    public Builder pollSchedule(PollSchedule value) {
      this.pollSchedule = value;
      return this;
    }

    /** Sets {@link PipelineConfig#allowDownloadHosts()}. */
    public Builder allowDownloadHosts(Set<String> value) {
      this.allowDownloadHosts = value;
      return this;
    }

    /** Sets {@link PipelineConfig#shutdownGrace()}. */
    public Builder shutdownGrace(Duration value) {
      this.shutdownGrace = value;
      return this;
    }

    /** Sets {@link PipelineConfig#accountRecheck()}. */
    public Builder accountRecheck(Duration value) {
      this.accountRecheck = value;
      return this;
    }

    /** Sets {@link PipelineConfig#instanceId()}. */
    public Builder instanceId(@Nullable String value) {
      this.instanceId = value;
      return this;
    }

    /** Sets {@link PipelineConfig#smartPolling()}. */
    public Builder smartPolling(boolean value) {
      this.smartPolling = value;
      return this;
    }

    /** Sets {@link PipelineConfig#flow()}. */
    public Builder flow(FlowControl.@Nullable Settings value) {
      this.flow = value;
      return this;
    }

    /** Sets {@link PipelineConfig#provider()}. */
    public Builder provider(ProviderSettings value) {
      this.provider = value;
      return this;
    }

    /** Sets {@link PipelineConfig#replicationFactor()}. */
    public Builder replicationFactor(int value) {
      this.replicationFactor = value;
      return this;
    }

    /** Sets {@link PipelineConfig#stateDir()} ({@code null}: views in memory). */
    public Builder stateDir(@Nullable Path value) {
      this.stateDir = value;
      return this;
    }

    /**
     * Sets {@link PipelineConfig#statusCallsPerSecond()} (default {@link
     * dev.editstream.poller.StatusCallBudget.Settings#DEFAULT_CALLS_PER_SECOND}).
     */
    public Builder statusCallsPerSecond(double value) {
      this.statusCallsPerSecond = value;
      return this;
    }

    /** Sets {@link PipelineConfig#strictRouting()}. */
    public Builder strictRouting(boolean value) {
      this.strictRouting = value;
      return this;
    }

    /**
     * The configuration.
     *
     * @throws IllegalArgumentException naming the option that breaks its rule
     */
    public PipelineConfig build() {
      return new PipelineConfig(
          bootstrapServers,
          topics,
          partitions,
          must(outDir, "--out must be set"),
          routerConcurrency,
          pollerConcurrency,
          downloaderConcurrency,
          maxAttempts,
          must(backoff, "backoff must be set (--retry-base-ms, --retry-max-ms)"),
          must(jobDeadline, "--job-deadline must be > 0"),
          must(pollSchedule, "the poll schedule must be set (--poll-schedule)"),
          allowDownloadHosts,
          must(shutdownGrace, "the shutdown grace must be set"),
          must(accountRecheck, "--account-recheck-s must be > 0"),
          instanceId,
          smartPolling,
          flow,
          provider,
          replicationFactor,
          strictRouting,
          stateDir,
          statusCallsPerSecond);
    }

    private static <T> T must(@Nullable T value, String rule) {
      if (value == null) {
        throw new IllegalArgumentException(rule);
      }
      return value;
    }
  }
}
