package dev.editstream.app;

import dev.editstream.pipeline.kafka.EventPublisher;
import dev.editstream.pipeline.kafka.TopicAdmin;
import dev.editstream.producer.JobProducer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code editstream produce FILE --bootstrap-servers ...}: validates a job file and publishes its
 * jobs to the requests topic of an external cluster. Produced again, the same file resumes ({@link
 * ResumePlan}, as {@code run} does): jobs the topics show ended or in flight are not published
 * again; {@code --rerun ID}, {@code --rerun-failed} publish them for a new run. Exits 0 when it
 * published every valid line it had to (refused lines are listed on stderr and recorded on the
 * failure topic), 65 when no line was a valid job.
 */
@Command(
    name = "produce",
    mixinStandardHelpOptions = true,
    description = "Validate a job file and publish its jobs to Kafka.")
public final class ProduceCommand implements Callable<Integer> {
  @Mixin PipelineOptions pipeline;

  @Parameters(index = "0", paramLabel = "FILE", description = "JSON Lines job file.")
  Path jobs;

  @Option(
      names = "--rerun",
      split = ",",
      paramLabel = "ID",
      description =
          "Publish these jobs for a new run even if they ended (repeatable or comma-separated).")
  java.util.List<String> rerun = new java.util.ArrayList<>();

  @Option(names = "--rerun-failed", description = "Publish the jobs that failed for a new run.")
  boolean rerunFailed;

  @Option(
      names = "--resubmit-uncertain",
      description = "With --rerun/--rerun-failed, also jobs that may have been submitted already.")
  boolean resubmitUncertain;

  @Override
  public Integer call() throws IOException {
    PipelineConfig cfg = pipeline.toConfig();
    if (cfg.embedded()) {
      throw new IllegalArgumentException(
          "--bootstrap-servers is required: produce publishes to an external cluster");
    }
    if (!Files.isRegularFile(jobs)) {
      throw new IllegalArgumentException("FILE: not found: " + jobs);
    }
    TopicAdmin.ensureTopics(
        cfg.requireBootstrapServers(),
        cfg.topics().all(),
        cfg.partitions(),
        (short) cfg.replicationFactor());
    try (EventPublisher p =
            new EventPublisher(cfg.requireBootstrapServers(), "editstream-producer", Map.of());
        BatchTracker known =
            new BatchTracker(cfg.requireBootstrapServers(), cfg.topics(), null, cfg.stateDir())) {
      ResumePlan.Recorder admission =
          ResumePlan.recorder(
              known::fold, java.util.Set.copyOf(rerun), rerunFailed, resubmitUncertain);
      JobProducer.Report r =
          new JobProducer(p, cfg.topics(), Clock.systemUTC())
              .publish(jobs, pipeline.allowInputs, admission);
      r.errors().forEach(e -> System.err.println("refused " + e.describe()));
      BatchRun.describePlan(System.out, jobs, r, admission.plan());
      return r.jobs().isEmpty() && !r.errors().isEmpty() ? 65 : 0;
    }
  }
}
