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
 * given. The token comes from {@code RUNCOMFY_TOKEN} or RunComfy's {@code token.json}.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run a job file end to end in this process.")
public final class RunCommand implements Callable<Integer> {
  @Mixin PipelineOptions pipeline;

  @Parameters(index = "0", paramLabel = "FILE", description = "JSON Lines job file.")
  Path jobs;

  @Option(names = "--serve-local-files", description = "Serve local input files over http from 127.0.0.1 (only an emulator on this machine can fetch them).")
  boolean serveLocalFiles;

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
    BatchRun.Result r = BatchRun.run(cfg, rc, serveLocalFiles, jobs, pipeline.allowInputs, Duration.ofSeconds(timeoutSeconds), System.out, valid);
    return r.everyValidJobDone(valid) && r.invalidLines() == 0 ? 0 : 1;
  }
}
