package dev.editstream.app;

import dev.editstream.core.event.Stage;
import dev.editstream.core.job.Job;
import dev.editstream.pipeline.kafka.EmbeddedKafka;
import dev.editstream.pipeline.kafka.EventPublisher;
import dev.editstream.pipeline.metrics.PipelineMetrics;
import dev.editstream.producer.JobProducer;
import dev.editstream.runcomfy.LocalAssetServer;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.RunComfyConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

/**
 * One batch in one process: the embedded broker when no bootstrap servers are given, a local
 * asset server for local input files (only when the API is the local emulator), every worker, the
 * producer for the job file, live progress until every job is terminal or the timeout passes, and
 * the summary.
 */
public final class BatchRun {
  private BatchRun() {}

  /**
   * The outcome of a batch.
   *
   * @param summary jobs and their fates
   * @param invalidLines lines of the file that were refused
   * @param finished whether every job reached a terminal state before the timeout
   * @param meters the batch's meters ({@link dev.editstream.pipeline.metrics.Meters}), e.g. the
   *     downloads' streaming and commit timers
   */
  public record Result(Summary summary, int invalidLines, boolean finished, MeterRegistry meters) {
    /** Whether every valid job is done (the demo's exit-0 rule). */
    public boolean everyValidJobDone(List<String> validIds) {
      return finished && validIds.stream().allMatch(id -> {
        var s = summary.jobs().get(id);
        return s != null && s.doneEvents().size() == 1 && s.failedEvents().isEmpty();
      });
    }
  }

  /**
   * Asks RunComfy for one catalog entry (free) before anything starts, so a refused token ends the
   * run at once with class 77, as RunComfy's CLI does, instead of pausing every job. Any other
   * failure (the API unreachable) is left to the run, which falls back and retries.
   *
   * @throws StageException class 77 when the token is refused
   */
  static void requireAcceptedToken(RunComfyConfig runcomfy) {
    try (RunComfyClient client = new RunComfyClient(runcomfy)) {
      client.models(null, null, null, false, 1, 0).block(Duration.ofSeconds(30));
    } catch (StageException e) {
      if (e.exitClass() == ExitClass.NOPERM) {
        throw new StageException(ExitClass.NOPERM, e.reason(), "RunComfy refused the token (" + e.getMessage()
            + "): set RUNCOMFY_TOKEN or RunComfy's token.json, then run the same command again");
      }
    } catch (RuntimeException e) {
      // unreachable or slow: the run's own catalog fallback and retries deal with it
    }
  }

  /** Removes what a killed earlier run left half-written in {@code <out>/.staging} (this process owns the folder). */
  static void cleanStaging(Path outDir, PrintStream out) throws IOException {
    Path staging = outDir.resolve(".staging");
    if (!Files.isDirectory(staging, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var walk = Files.walk(staging)) {
      List<Path> all = walk.sorted(java.util.Comparator.reverseOrder()).toList();
      for (Path p : all) {
        Files.deleteIfExists(p);
      }
    }
    out.println("removed the half-written downloads an earlier run left in " + staging);
  }

  /**
   * Runs the batch.
   *
   * @param cfg configuration; {@code bootstrapServers == null} starts the embedded broker
   * @param runcomfy API base and token
   * @param serveLocalFiles whether to start the asset server for local inputs (emulator only)
   * @param jobFile the JSON Lines job file
   * @param timeout how long to wait for every job to end
   * @param out where progress and the summary go
   * @param validIds filled with the ids of the valid jobs
   */
  public static Result run(PipelineConfig cfg, RunComfyConfig runcomfy, boolean serveLocalFiles, Path jobFile, Duration timeout,
      PrintStream out, List<String> validIds) throws IOException {
    return run(cfg, runcomfy, serveLocalFiles, jobFile, List.of(), timeout, out, validIds);
  }

  /**
   * As above, also accepting local inputs under {@code allowedInputs}.
   *
   * @param allowedInputs folders besides the job file's from which local inputs are accepted
   */
  public static Result run(PipelineConfig cfg, RunComfyConfig runcomfy, boolean serveLocalFiles, Path jobFile, List<Path> allowedInputs,
      Duration timeout, PrintStream out, List<String> validIds) throws IOException {
    long t0 = System.nanoTime();
    if (cfg.provider().balanceCheck()) {
      BalanceCheck.require(runcomfy, out);
    }
    requireAcceptedToken(runcomfy);
    cleanStaging(cfg.outDir(), out);
    EmbeddedKafka kafka = null;
    LocalAssetServer assets = null;
    try {
      if (cfg.embedded()) {
        out.println("no --bootstrap-servers given: starting an embedded single-node Kafka broker (KRaft) in this process");
        kafka = EmbeddedKafka.start(null);
        cfg = cfg.withBootstrapServers(kafka.bootstrapServers());
        out.println("embedded Kafka broker ready at " + kafka.bootstrapServers());
      }
      if (serveLocalFiles) {
        assets = LocalAssetServer.start("127.0.0.1", 0);
      }
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      Instant since = Instant.now().minusSeconds(1);
      // the router re-checks every local input against the folders the producer allowed
      List<Path> allowed = new ArrayList<>();
      allowed.add(jobFile.toAbsolutePath().normalize().getParent());
      allowedInputs.forEach(f -> allowed.add(f.toAbsolutePath().normalize()));
      try (Pipeline pipeline = Pipeline.start(cfg, runcomfy, EnumSet.of(Stage.ROUTER, Stage.POLLER, Stage.DOWNLOADER),
              new dev.editstream.router.InputStager(assets, allowed),
              new PipelineMetrics(registry));
          BatchTracker tracker = new BatchTracker(cfg.bootstrapServers(), cfg.topics(), since);
          EventPublisher publisher = new EventPublisher(cfg.bootstrapServers(), "editstream-producer", Map.of())) {
        out.printf("start-up (broker, topics, workers): %.1f s%n", (System.nanoTime() - t0) / 1e9);
        // the batch's wall time counts from here: start-up is reported on its own line
        t0 = System.nanoTime();
        JobProducer.Report report = new JobProducer(publisher, cfg.topics(), Clock.systemUTC()).publish(jobFile, allowedInputs);
        List<String> ids = new ArrayList<>();
        for (Job j : report.jobs()) {
          ids.add(j.id());
          validIds.add(j.id());
        }
        report.errors().forEach(e -> {
          out.println("refused " + e.describe());
          ids.add(JobProducer.failedJobId(jobFile, e));
        });
        out.printf("%s: %d jobs published to %s, %d lines refused%n", jobFile, report.jobs().size(), cfg.topics().requested(), report.errors().size());
        tracker.expect(ids);
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        long lastPrint = 0;
        while (!tracker.allTerminal() && System.nanoTime() < deadline) {
          String line = tracker.progressLine(Duration.ofNanos(System.nanoTime() - t0));
          String counts = line.substring(line.indexOf(']'));
          if (!counts.equals(last) || System.nanoTime() - lastPrint > 5_000_000_000L) {
            out.println(line);
            last = counts;
            lastPrint = System.nanoTime();
          }
          try {
            Thread.sleep(250);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
        boolean finished = tracker.allTerminal();
        out.println(tracker.progressLine(Duration.ofNanos(System.nanoTime() - t0)));
        Map<String, BatchTracker.JobState> batchJobs = new java.util.HashMap<>();
        Map<String, BatchTracker.JobState> seen = tracker.jobs();
        for (String id : ids) {
          batchJobs.put(id, seen.get(id));
        }
        Summary summary = new Summary(batchJobs, Duration.ofNanos(System.nanoTime() - t0));
        summary.print(out, registry);
        if (!finished) {
          out.println("timed out after " + timeout.toSeconds() + " s with jobs still in flight");
        }
        Result result = new Result(summary, report.errors().size(), finished, registry);
        try {
          BatchFiles.write(cfg.outDir(), result, jobFile, report.errors());
          out.println("results: " + cfg.outDir().resolve("manifest.jsonl") + ", errors: " + cfg.outDir().resolve("errors.jsonl")
              + ", summary: " + cfg.outDir().resolve("summary.json"));
        } catch (IOException e) {
          out.println("could not write errors.jsonl / summary.json in " + cfg.outDir() + ": " + e.getMessage());
        }
        return result;
      }
    } finally {
      if (assets != null) {
        assets.close();
      }
      if (kafka != null) {
        kafka.close();
      }
    }
  }
}
