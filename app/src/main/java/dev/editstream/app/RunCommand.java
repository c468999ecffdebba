package dev.editstream.app;

import dev.editstream.runcomfy.RunComfyConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code editstream run FILE}: one batch in one process against RunComfy (or the API named by
 * {@code RUNCOMFY_MODEL_API_BASE}), with the embedded broker unless {@code --bootstrap-servers} is
 * given. The token comes from {@code RUNCOMFY_TOKEN} or RunComfy's {@code token.json}; a refused
 * token exits 77 at once. Writes {@code manifest.jsonl}, {@code errors.jsonl} and {@code
 * summary.json} into {@code --out}. A run is a durable batch: without {@code --bootstrap-servers}
 * its broker keeps its data in {@code <out>/.editstream/} ({@link BatchState}), and the same
 * command after a crash resumes it ({@link ResumePlan}): jobs that ended are counted, not run
 * again; jobs in flight are followed, never POSTed again. Exit codes ({@link BatchFiles#exitCode}):
 * 0 every job done, 2 finished with failed jobs or refused lines, 75 timed out, 65 no valid job, 64
 * usage, 77 token, 130 stopped by Ctrl-C ({@link CtrlC}).
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Run a job file end to end in this process.")
public final class RunCommand implements Callable<Integer> {
  @Mixin PipelineOptions pipeline;

  @Mixin MetricsOptions metrics;

  @Mixin StorageOptions storage;

  @Parameters(index = "0", paramLabel = "FILE", description = "JSON Lines job file.")
  Path jobs;

  @Option(
      names = "--serve-local-files",
      description =
          "Serve local input files over http from 127.0.0.1 (only an emulator on this machine can fetch them).")
  boolean serveLocalFiles;

  @Option(
      names = "--json",
      description =
          "Print the final summary as one JSON object on stdout (progress and the readable summary go to stderr).")
  boolean json;

  @Option(
      names = "--rerun",
      split = ",",
      paramLabel = "ID",
      description =
          "Run these jobs again even if they ended (done or failed) in an earlier run (repeatable or comma-separated).")
  java.util.List<String> rerun = new ArrayList<>();

  @Option(
      names = "--rerun-failed",
      description = "Run again the jobs that failed in an earlier run.")
  boolean rerunFailed;

  @Option(
      names = "--resubmit-uncertain",
      description =
          "With --rerun/--rerun-failed, also run again jobs that may have been submitted "
              + "already (may_have_been_submitted): your explicit consent to a possible second payment.")
  boolean resubmitUncertain;

  @Option(
      names = "--on-interrupt",
      defaultValue = "finish",
      description =
          "What Ctrl-C does when no terminal can ask: finish (stop "
              + "submitting, wait for the submitted jobs), cancel (also cancel the queued ones, here and at RunComfy) or stop (default: ${DEFAULT-VALUE}).")
  String onInterrupt = "finish";

  @Option(
      names = "--timeout-s",
      defaultValue = "86400",
      description = "Give up waiting after this many seconds (default: ${DEFAULT-VALUE}).")
  long timeoutSeconds;

  @Override
  public Integer call() throws IOException {
    PipelineConfig cfg = pipeline.toConfig();
    if (!Files.isRegularFile(jobs)) {
      throw new IllegalArgumentException("FILE: not found: " + jobs);
    }
    RunComfyConfig rc =
        pipeline.apply(
            RunComfyConfig.fromEnvironment(
                System.getenv(), Path.of(System.getProperty("user.home"))));
    List<String> valid = new ArrayList<>();
    // with --json, the progress and the readable summary go to stderr and stdout carries one JSON
    // object
    java.io.PrintStream human = json ? System.err : System.out;
    CtrlC.Choice interrupt = CtrlC.Choice.parse(onInterrupt);
    if (interrupt == CtrlC.Choice.NONE) {
      throw new IllegalArgumentException(
          "--on-interrupt must be finish, cancel or stop, was \"" + onInterrupt + "\"");
    }
    if (timeoutSeconds < 1) {
      throw new IllegalArgumentException("--timeout-s must be >= 1, was " + timeoutSeconds);
    }
    BatchRun.Options opts =
        new BatchRun.Options(
            java.util.Set.copyOf(rerun),
            rerunFailed,
            resubmitUncertain,
            interrupt,
            true,
            metrics,
            storage);
    BatchRun.Result r =
        BatchRun.run(
            cfg,
            rc,
            serveLocalFiles,
            jobs,
            pipeline.allowInputs,
            Duration.ofSeconds(timeoutSeconds),
            human,
            valid,
            opts);
    if (json) {
      System.out.println(
          dev.editstream.core.Json.mapper().writeValueAsString(BatchFiles.summary(r, jobs)));
    }
    return BatchFiles.exitCode(r);
  }
}
