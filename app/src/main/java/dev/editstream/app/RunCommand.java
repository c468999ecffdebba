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
 * summary.json} into {@code --out}. Exit codes ({@link BatchFiles#exitCode}): 0 every job done, 2
 * finished with failed jobs or refused lines, 75 timed out, 65 no valid job, 64 usage, 77 token.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run a job file end to end in this process.")
public final class RunCommand implements Callable<Integer> {
  @Mixin PipelineOptions pipeline;

  @Parameters(index = "0", paramLabel = "FILE", description = "JSON Lines job file.")
  Path jobs;

  @Option(names = "--serve-local-files", description = "Serve local input files over http from 127.0.0.1 (only an emulator on this machine can fetch them).")
  boolean serveLocalFiles;

  @Option(names = "--json", description = "Print the final summary as one JSON object on stdout (progress and the readable summary go to stderr).")
  boolean json;

  @Option(names = "--timeout-s", defaultValue = "86400", description = "Give up waiting after this many seconds (default: ${DEFAULT-VALUE}).")
  long timeoutSeconds;

  @Override
  public Integer call() throws IOException {
    PipelineConfig cfg = pipeline.toConfig();
    if (!Files.isRegularFile(jobs)) {
      throw new IllegalArgumentException("FILE: not found: " + jobs);
    }
    RunComfyConfig rc = pipeline.apply(RunComfyConfig.fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home"))));
    List<String> valid = new ArrayList<>();
    // with --json, the progress and the readable summary go to stderr and stdout carries one JSON object
    java.io.PrintStream human = json ? System.err : System.out;
    BatchRun.Result r = BatchRun.run(cfg, rc, serveLocalFiles, jobs, pipeline.allowInputs, Duration.ofSeconds(timeoutSeconds), human, valid);
    if (json) {
      System.out.println(dev.editstream.core.Json.mapper().writeValueAsString(BatchFiles.summary(r, jobs)));
    }
    return BatchFiles.exitCode(r);
  }
}
