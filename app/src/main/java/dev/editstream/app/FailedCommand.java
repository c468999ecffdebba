package dev.editstream.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import dev.editstream.core.event.Failure;
import dev.editstream.core.event.JobEvent;
import dev.editstream.pipeline.kafka.EventPublisher;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code editstream failed} lists the jobs whose latest outcome is {@code failed}; {@code
 * editstream replay} publishes them again as {@code requested} with their replay counter + 1. A job
 * already replayed {@code --max-replays} times is not replayed again (no loops); refused job-file
 * lines (stage producer) cannot be replayed: fix the line and produce it again.
 */
public abstract class FailedCommand implements Callable<Integer> {
  @Mixin PipelineOptions pipeline;

  @Option(names = "--class", description = "Only these exit classes (repeatable), e.g. 69, 75.")
  List<Integer> classes = new ArrayList<>();

  @Option(
      names = "--stage",
      description = "Only these stages: producer, router, poller, downloader (repeatable).")
  List<String> stages = new ArrayList<>();

  @Option(names = "--batch", description = "Only jobs of these batches (repeatable).")
  List<String> batches = new ArrayList<>();

  @Option(names = "--id", description = "Only these job ids (repeatable).")
  List<String> ids = new ArrayList<>();

  @Option(
      names = "--since",
      description = "Only failures at or after this ISO-8601 instant, e.g. 2026-11-23T10:00:00Z.")
  @Nullable Instant since;

  @Option(names = "--until", description = "Only failures before this ISO-8601 instant.")
  @Nullable Instant until;

  @Option(
      names = "--reason",
      description =
          "Only these failure reasons (repeatable), e.g. budget, may_have_been_submitted.")
  List<String> reasons = new ArrayList<>();

  List<JobEvent> select(PipelineConfig cfg) {
    for (String s : stages) {
      if (!List.of("producer", "router", "poller", "downloader").contains(s)) {
        throw new IllegalArgumentException(
            "--stage must be producer, router, poller or downloader, was \"" + s + "\"");
      }
    }
    FailedFilter f =
        new FailedFilter(
            new HashSet<>(classes),
            new HashSet<>(stages),
            new HashSet<>(batches),
            new HashSet<>(ids),
            since,
            until,
            new HashSet<>(reasons));
    try (BatchAccess access = BatchAccess.open(cfg)) {
      return FailedJobs.load(access.bootstrapServers(), cfg.topics()).stream()
          .filter(f::matches)
          .toList();
    }
  }

  /** {@code editstream failed}. */
  @Command(
      name = "failed",
      mixinStandardHelpOptions = true,
      description = "List the jobs whose latest outcome is failed (the DLQ).")
  public static final class ListFailed extends FailedCommand {
    @Option(names = "--json", description = "One JSON line per job instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      List<JobEvent> failed = select(pipeline.toConfig());
      for (JobEvent e : failed) {
        if (json) {
          ObjectNode o = Json.mapper().createObjectNode();
          o.put("job_id", e.jobId());
          o.put("exit_class", failureOf(e).exitClass().code());
          o.put("stage", failureOf(e).stage().wire());
          o.put("reason", failureOf(e).reasonText());
          o.put("message", failureOf(e).message());
          o.put("attempts", failureOf(e).attempts());
          o.put("replays", e.replays());
          o.put("batch", e.job() == null ? null : e.job().batch());
          o.put("at", e.at().toString());
          System.out.println(Json.mapper().writeValueAsString(o));
        } else {
          System.out.printf(
              "%-30s class %-3d %-10s %-24s replays %d  %s%n",
              e.jobId(),
              failureOf(e).exitClass().code(),
              failureOf(e).stage().wire(),
              failureOf(e).reasonText(),
              e.replays(),
              failureOf(e).message());
        }
      }
      if (!json) {
        System.out.println(failed.size() + " failed jobs");
      }
      return 0;
    }
  }

  /** {@code editstream replay}. */
  @Command(
      name = "replay",
      mixinStandardHelpOptions = true,
      description = "Publish failed jobs again (filters as for `failed`).")
  public static final class Replay extends FailedCommand {
    @Option(
        names = "--max-replays",
        defaultValue = "3",
        description = "Never replay a job more often than this (default: ${DEFAULT-VALUE}).")
    int maxReplays;

    @Option(names = "--dry-run", description = "Show what would be replayed.")
    boolean dryRun;

    @Option(
        names = "--resubmit-uncertain",
        description =
            "Also replay jobs that may have been submitted already "
                + "(may_have_been_submitted, deadline_not_cancellable): your explicit consent to a possible second payment, logged per job.")
    boolean resubmitUncertain;

    @Override
    public Integer call() {
      PipelineConfig cfg = pipeline.toConfig();
      if (cfg.embedded()) {
        throw new IllegalArgumentException(
            "replay publishes to a cluster's workers: give --bootstrap-servers; for a batch run with "
                + "`editstream run`, run the same command with --rerun-failed (or --rerun ID)");
      }
      int replayed = 0;
      int skipped = 0;
      try (EventPublisher p =
          dryRun
              ? null
              : new EventPublisher(cfg.requireBootstrapServers(), "editstream-replay", Map.of())) {
        for (JobEvent e : select(cfg)) {
          String why = ReplayRule.refusal(e, maxReplays, resubmitUncertain);
          if (why != null) {
            skipped++;
            System.out.println("skipped " + e.jobId() + ": " + why);
            continue;
          }
          if (!dryRun && ReplayRule.UNCERTAIN.contains(failureOf(e).reason())) {
            org.slf4j.LoggerFactory.getLogger(Replay.class)
                .warn(
                    "consent (--resubmit-uncertain): job {} may have been submitted before "
                        + "({}); it is published again and will be POSTed again",
                    e.jobId(),
                    failureOf(e).reasonText());
            System.out.println(
                "resubmitting "
                    + e.jobId()
                    + " with consent: it may have been submitted before ("
                    + failureOf(e).reasonText()
                    + ")");
          }
          if (p != null) { // not a dry run
            p.publish(cfg.topics().requested(), e.replayed(Clock.systemUTC().instant()))
                .block(java.time.Duration.ofMinutes(2));
          }
          replayed++;
          System.out.println(
              (dryRun ? "would replay " : "replayed ")
                  + e.jobId()
                  + " (replay "
                  + (e.replays() + 1)
                  + ")");
        }
      }
      System.out.println(
          replayed + " jobs " + (dryRun ? "to replay" : "replayed") + ", " + skipped + " skipped");
      return 0;
    }
  }

  /** The failure of a failed event, which always carries one. */
  static Failure failureOf(JobEvent failed) {
    return Objects.requireNonNull(failed.failure(), "failure");
  }
}
