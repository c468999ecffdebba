package dev.editstream.app;

import dev.editstream.core.Backoff;
import dev.editstream.core.event.Topics;
import dev.editstream.pipeline.flow.FlowControl;
import dev.editstream.pipeline.kafka.KafkaClientConfig;
import dev.editstream.poller.PollSchedule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** The command-line options every pipeline command shares (a picocli mixin). */
public final class PipelineOptions {
  @Option(
      names = "--bootstrap-servers",
      description =
          "Kafka bootstrap servers; without it an embedded single-node KRaft broker starts in this process.")
  @Nullable String bootstrapServers;

  @Option(
      names = "--kafka-config",
      paramLabel = "FILE",
      description =
          "A Kafka client properties file (security.protocol, sasl.*, ssl.*...) "
              + "applied to every producer, consumer and admin client; EDITSTREAM_KAFKA_<NAME> variables override it (SASL_MECHANISM -> sasl.mechanism).")
  @Nullable Path kafkaConfig;

  @Option(
      names = "--replication-factor",
      defaultValue = "0",
      description =
          "Replication factor of topics created at start-up; 0 = min(3, brokers) (default: ${DEFAULT-VALUE}).")
  int replicationFactor;

  @Option(
      names = "--topic-prefix",
      defaultValue = "editstream",
      description = "Prefix of every topic name (default: ${DEFAULT-VALUE}).")
  String topicPrefix;

  @Option(
      names = "--partitions",
      defaultValue = "4",
      description = "Partitions of topics created at start-up (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(
      names = "--out",
      defaultValue = "out",
      description = "Output folder (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = "--router-concurrency",
      defaultValue = "64",
      description = "Jobs submitted at once (default: ${DEFAULT-VALUE}).")
  int routerConcurrency;

  @Option(
      names = "--poller-concurrency",
      defaultValue = "1000",
      description = "Remote requests followed at once (default: ${DEFAULT-VALUE}).")
  int pollerConcurrency;

  @Option(
      names = "--downloader-concurrency",
      defaultValue = "32",
      description = "Jobs downloaded at once (default: ${DEFAULT-VALUE}).")
  int downloaderConcurrency;

  @Option(
      names = "--max-attempts",
      defaultValue = "6",
      description =
          "Attempts per stage for retryable failures, classes 69 and 75 (default: ${DEFAULT-VALUE}).")
  int maxAttempts;

  @Option(
      names = "--retry-base-ms",
      defaultValue = "500",
      description = "First backoff ceiling, ms (default: ${DEFAULT-VALUE}).")
  long retryBaseMs;

  @Option(
      names = "--retry-max-ms",
      defaultValue = "60000",
      description = "Largest backoff ceiling, ms (default: ${DEFAULT-VALUE}).")
  long retryMaxMs;

  @Option(
      names = "--job-deadline-s",
      defaultValue = "1800",
      description =
          "Seconds from submission until a job is cancelled and failed with class 75 (default: ${DEFAULT-VALUE}).")
  long jobDeadlineSeconds;

  @Option(
      names = "--poll-fixed-ms",
      description =
          "Poll status at this fixed interval (ms) instead of the growing schedule; RunComfy's CLI uses 2000.")
  @Nullable Long pollFixedMs;

  @Option(
      names = "--account-recheck-s",
      defaultValue = "30",
      description =
          "While submission is paused for a refused token or an empty balance, re-check every this many seconds (default: ${DEFAULT-VALUE}).")
  long accountRecheckSeconds = 30;

  @Option(
      names = "--api-timeout-s",
      defaultValue = "60",
      description =
          "Longest wait for one RunComfy API answer, s (default: ${DEFAULT-VALUE}, as RunComfy's CLI).")
  long apiTimeoutSeconds = 60;

  @Option(
      names = "--poll-schedule",
      defaultValue = "smart",
      description =
          "smart (learns each model's latency, polls around the expected end) or growing (0.5 s x1.5 up to 5 s) (default: ${DEFAULT-VALUE}); --poll-fixed-ms overrides both.")
  String pollScheduleKind = "smart";

  @Option(
      names = "--status-calls-per-second",
      defaultValue = "85",
      description =
          "The account's budget of status checks per second, shared by every job followed and spent"
              + " where completions are likeliest; never below one check per job in flight every 2 s"
              + " (RunComfy's CLI); 0 = no budget; smart polling only (default: ${DEFAULT-VALUE}).")
  double statusCallsPerSecond =
      dev.editstream.poller.StatusCallBudget.Settings.DEFAULT_CALLS_PER_SECOND;

  @Option(
      names = "--max-inflight",
      defaultValue = "500",
      description =
          "Most remote jobs in flight at the provider per router process (submitted, end not yet on the topics) (default: ${DEFAULT-VALUE}).")
  int maxInflight = 500;

  @Option(
      names = "--fixed-inflight",
      description =
          "Keep --max-inflight fixed instead of adapting it to the provider's 429s (AIMD).")
  boolean fixedInflight;

  /**
   * The confidence of speculative submits by default with the adaptive limit, and the one scenarios
   * (a) and (c) of {@code editstream bench} run at: about 0.5% of all calls are then answered 429
   * (docs/benchmarks.md, "Slots guessed free" and "(c) under the status-call budget").
   */
  public static final double SUGGESTED_SPECULATIVE_SUBMITS = 0.9;

  @Option(
      names = "--speculative-submits",
      paramLabel = "CONFIDENCE",
      description =
          "POST one more job above the account limit when held jobs have ended unseen with at"
              + " least this confidence, from the run times seen so far; RunComfy refuses a wrong"
              + " guess with 429 (nothing is created or paid), and that job waits for a slot seen"
              + " free, with no retry counted; 0 = never (default: 0.9 with the adaptive limit,"
              + " where a refused guess replaces a probe above the cap; 0 with --fixed-inflight,"
              + " which may be the operator's own pace, never to be exceeded).")
  @Nullable Double speculativeSubmits;

  @Option(
      names = "--rps",
      defaultValue = "0",
      description = "Most submissions per second, 0 = unlimited (default: ${DEFAULT-VALUE}).")
  double rps;

  @Option(
      names = "--instance-id",
      description =
          "Static consumer-group membership: a worker restarted with the same id takes its partitions back at once (one id per worker process). `run` on its own broker (no --bootstrap-servers) uses editstream-run.")
  @Nullable String instanceId;

  @Option(
      names = "--allow-input",
      description =
          "Also accept local input files under this folder (repeatable); by default only the job file's folder.")
  List<Path> allowInputs = new ArrayList<>();

  /** {@code --allow-input} folders (local inputs outside the job file's folder). */
  public List<Path> allowInputs() {
    return allowInputs;
  }

  @Option(
      names = "--catalog-cache",
      description =
          "The disk copy of RunComfy's live catalog (default: $XDG_CACHE_HOME/editstream or ~/.cache/editstream, one file per API base).")
  @Nullable Path catalogCache;

  @Option(
      names = "--strict-routing",
      description =
          "Refuse (class 65) a job whose prompt is in a language no routing lexicon covers, "
              + "instead of routing it with an uncovered-language warning; a job naming its model is never refused.")
  boolean strictRouting;

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      description =
          "Folder of the local stores of the topic views (terminal guard, submission ledger, batch"
              + " tracker): a restart reads only what was published since their last checkpoint,"
              + " not the topics' whole history. 'none' keeps them in memory. Default:"
              + " <out>/.editstream/views.")
  @Nullable String stateDir;

  @Option(
      names = "--catalog-refresh-min",
      defaultValue = "60",
      description =
          "Read RunComfy's live catalog again every this many minutes while running, 0 = never (default: ${DEFAULT-VALUE}).")
  long catalogRefreshMinutes = 60;

  @Option(
      names = "--budget-usd",
      description =
          "Stop submitting when spent + in-flight estimates would pass this many USD; the jobs left fail with reason budget (replayable).")
  @Nullable Double budgetUsd;

  @Option(
      names = "--balance-check",
      description =
          "Read the RunComfy balance before the run (free); exit 77 at once on a refused token or an empty balance.")
  boolean balanceCheck;

  @Option(
      names = "--allow-download-host",
      description =
          "Also download outputs from this host:port over http (a local emulator). Repeatable.")
  List<String> allowDownloadHosts = new ArrayList<>();

  /**
   * The API timeout applied to a RunComfy configuration.
   *
   * @throws IllegalArgumentException when {@code --api-timeout-s} is below 1
   */
  public dev.editstream.runcomfy.RunComfyConfig apply(dev.editstream.runcomfy.RunComfyConfig rc) {
    if (apiTimeoutSeconds < 1) {
      throw new IllegalArgumentException("--api-timeout-s must be >= 1, was " + apiTimeoutSeconds);
    }
    return rc.withResponseTimeout(Duration.ofSeconds(apiTimeoutSeconds));
  }

  /**
   * Builds and validates the configuration.
   *
   * @throws IllegalArgumentException naming the option that breaks its rule
   */
  public PipelineConfig toConfig() {
    return toConfig(System.getenv());
  }

  /**
   * As {@link #toConfig()} with the given environment: also installs the Kafka client settings of
   * {@code --kafka-config} and {@code EDITSTREAM_KAFKA_*} for every client of the process ({@link
   * KafkaClientConfig}); a {@code bootstrap.servers} there stands for {@code --bootstrap-servers}.
   *
   * @throws IllegalArgumentException naming the option that breaks its rule
   */
  PipelineConfig toConfig(java.util.Map<String, String> env) {
    java.util.Map<String, String> kafka = KafkaClientConfig.load(kafkaConfig, env);
    String servers = bootstrapServers;
    if (kafka.containsKey("bootstrap.servers")) {
      servers = servers == null ? kafka.get("bootstrap.servers") : servers;
      kafka = new java.util.TreeMap<>(kafka);
      kafka.remove("bootstrap.servers");
    }
    KafkaClientConfig.install(kafka);
    if (!kafka.isEmpty()) {
      org.slf4j.LoggerFactory.getLogger(PipelineOptions.class)
          .info(
              "Kafka client settings (--kafka-config, EDITSTREAM_KAFKA_*): {}",
              KafkaClientConfig.describe(kafka));
    }
    if (retryBaseMs < 1 || retryMaxMs < retryBaseMs) {
      throw new IllegalArgumentException(
          "--retry-base-ms must be >= 1 and --retry-max-ms >= --retry-base-ms");
    }
    Backoff backoff = new Backoff(retryBaseMs, retryMaxMs, 2.0, Math.min(100, retryBaseMs));
    PollSchedule schedule =
        pollFixedMs == null
            ? PollSchedule.defaults()
            : PollSchedule.fixed(Duration.ofMillis(pollFixedMs));
    if (jobDeadlineSeconds < 1) {
      throw new IllegalArgumentException(
          "--job-deadline-s must be >= 1, was " + jobDeadlineSeconds);
    }
    if (!pollScheduleKind.equals("smart") && !pollScheduleKind.equals("growing")) {
      throw new IllegalArgumentException(
          "--poll-schedule must be smart or growing, was \"" + pollScheduleKind + "\"");
    }
    boolean smart = pollFixedMs == null && pollScheduleKind.equals("smart");
    if (maxInflight < 1) {
      throw new IllegalArgumentException("--max-inflight must be >= 1, was " + maxInflight);
    }
    if (!(rps >= 0)) {
      throw new IllegalArgumentException("--rps must be >= 0, was " + rps);
    }
    double speculation =
        FlowControl.Settings.requireSpeculation(
            speculativeSubmits != null
                ? speculativeSubmits
                : fixedInflight ? 0 : SUGGESTED_SPECULATIVE_SUBMITS,
            "--speculative-submits");
    FlowControl.Settings flow =
        (fixedInflight
                ? FlowControl.Settings.fixed(maxInflight, maxInflight).withSpeculation(speculation)
                : FlowControl.Settings.adaptive(maxInflight).withSpeculation(speculation))
            .withRequestsPerSecond(rps);
    Topics topics;
    try {
      topics = new Topics(topicPrefix);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--topic-prefix " + e.getMessage());
    }
    return PipelineConfig.builder()
        .bootstrapServers(servers)
        .topics(topics)
        .partitions(partitions)
        .outDir(out)
        .routerConcurrency(routerConcurrency)
        .pollerConcurrency(pollerConcurrency)
        .downloaderConcurrency(downloaderConcurrency)
        .maxAttempts(maxAttempts)
        .backoff(backoff)
        .jobDeadline(Duration.ofSeconds(jobDeadlineSeconds))
        .pollSchedule(schedule)
        .allowDownloadHosts(new HashSet<>(allowDownloadHosts))
        .shutdownGrace(Duration.ofSeconds(10))
        .accountRecheck(Duration.ofSeconds(Math.max(1, accountRecheckSeconds)))
        .instanceId(instanceId)
        .smartPolling(smart)
        .flow(flow)
        .provider(
            new ProviderSettings(
                catalogCache,
                Duration.ofMinutes(Math.max(-1, catalogRefreshMinutes)),
                budgetUsd,
                balanceCheck))
        .replicationFactor(replicationFactor)
        .strictRouting(strictRouting)
        .stateDir(stateDir(stateDir, out))
        .statusCallsPerSecond(statusCallsPerSecond)
        .build();
  }

  /**
   * The views' state folder: {@code none} → {@code null} (in memory), unset → {@code
   * <out>/.editstream/views}, else the path given.
   *
   * @throws IllegalArgumentException naming {@code --state-dir} if the value is blank
   */
  static @Nullable Path stateDir(@Nullable String value, Path out) {
    if (value == null) {
      return out.resolve(BatchState.FOLDER).resolve("views");
    }
    if (value.isBlank()) {
      throw new IllegalArgumentException("--state-dir must be a folder or 'none', was blank");
    }
    return value.equals("none") ? null : Path.of(value);
  }
}
