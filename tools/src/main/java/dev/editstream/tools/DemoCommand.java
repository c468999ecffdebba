package dev.editstream.tools;

import dev.editstream.app.BatchRun;
import dev.editstream.app.MetricsOptions;
import dev.editstream.app.PipelineConfig;
import dev.editstream.app.PipelineOptions;
import dev.editstream.app.ProviderSettings;
import dev.editstream.app.StorageOptions;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.EmulatorStats;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.runcomfy.RunComfyConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code editstream demo}: the sample batch end to end in one process: embedded Kafka, the local
 * RunComfy emulator (with a few injected 429s and 5xx), every worker, live progress, the summary,
 * outputs and {@code manifest.jsonl} under {@code ./out/}. Exits 0 when every valid job is done.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Run the sample batch (examples/demo-jobs.jsonl) end to end against the local RunComfy emulator.")
public final class DemoCommand implements Callable<Integer> {
  @Mixin PipelineOptions pipeline;

  @Mixin MetricsOptions metrics;

  @Mixin StorageOptions storage;

  @Option(
      names = "--with-local-s3",
      description =
          "Start a local S3 API server (S3Proxy on 127.0.0.1, data in <out>/.s3) and use it as "
              + "--stage-to s3://editstream-demo/inputs and --results-to s3://editstream-demo/results, unless those are given: the production path "
              + "for local files, end to end.")
  boolean withLocalS3;

  @Option(
      names = "--jobs",
      defaultValue = "${env:EDITSTREAM_HOME:-.}/examples/demo-jobs.jsonl",
      description = "Job file (default: ${DEFAULT-VALUE}).")
  Path jobs;

  @Option(
      names = "--rate-429",
      defaultValue = "0.05",
      description = "Emulator: share of API calls answered 429 (default: ${DEFAULT-VALUE}).")
  double rate429;

  @Option(
      names = "--rate-5xx",
      defaultValue = "0.05",
      description = "Emulator: share of API calls answered 503 (default: ${DEFAULT-VALUE}).")
  double rate5xx;

  @Option(
      names = "--latency-ms",
      defaultValue = "500..2500",
      description = "Emulator: in_progress time per job, MIN..MAX ms (default: ${DEFAULT-VALUE}).")
  String latency;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Emulator: seed of faults and latencies (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--timeout-s",
      defaultValue = "300",
      description = "Give up waiting after this many seconds (default: ${DEFAULT-VALUE}).")
  long timeoutSeconds;

  @Override
  public Integer call() throws IOException {
    PrintStream out = System.out;
    PipelineConfig cfg = pipeline.toConfig();
    long[] lat = parseRange(latency);
    if (!Files.isRegularFile(jobs)) {
      throw new IllegalArgumentException(
          "--jobs: file not found: " + jobs + " (run from the project folder)");
    }
    clean(cfg.outDir(), out);
    String token = "demo-" + UUID.randomUUID();
    Path emulatorFiles = Files.createTempDirectory("editstream-emulator-");
    // the run's broker starts while the emulator does (issue 19: command to first POST)
    BatchRun.StateOpening opening = BatchRun.openState(cfg);
    boolean handedOver = false;
    EmulatorConfig ec =
        EmulatorConfig.defaults(emulatorFiles, token)
            .withLatency(lat[0], lat[1])
            .withRate429(rate429)
            .withRate5xx(rate5xx)
            .withSeed(seed)
            .withConcurrency(8);
    try (RunComfyEmulator emulator = RunComfyEmulator.start(ec)) {
      out.println(
          "RunComfy emulator at "
              + emulator.baseUrl()
              + " (429 rate "
              + rate429
              + ", 5xx rate "
              + rate5xx
              + ")");
      // the emulator's catalog is read live like RunComfy's; its disk copy lives with the
      // emulator's files, not in ~/.cache
      PipelineConfig withEmulator =
          cfg.allowingDownloadsFrom("127.0.0.1:" + emulator.port())
              .withProvider(
                  new ProviderSettings(
                      cfg.provider().catalogCache() == null
                          ? emulatorFiles.resolve("catalog-cache.json")
                          : cfg.provider().catalogCache(),
                      cfg.provider().catalogRefresh(),
                      cfg.provider().budgetUsd(),
                      cfg.provider().balanceCheck()));
      List<String> valid = new ArrayList<>();
      dev.editstream.locals3.LocalS3 s3 = null;
      BatchRun.Result r;
      try {
        if (withLocalS3) {
          s3 = dev.editstream.locals3.LocalS3.start(cfg.outDir().resolve(".s3"), "editstream-demo");
          storage.useLocalStore(s3.endpoint(), "editstream-demo", s3.accessKey(), s3.secret());
          out.println(
              "local S3 (S3Proxy) at "
                  + s3.endpoint()
                  + ", bucket editstream-demo, data in "
                  + cfg.outDir().resolve(".s3")
                  + "; inputs staged to "
                  + storage.stageTo()
                  + ", results stored in "
                  + storage.resultsTo());
        }
        handedOver = true;
        r =
            BatchRun.run(
                withEmulator,
                RunComfyConfig.of(emulator.baseUrl(), token),
                !storage.any(),
                jobs,
                pipeline.allowInputs(),
                Duration.ofSeconds(timeoutSeconds),
                out,
                valid,
                opening == null
                    ? BatchRun.Options.DEFAULT.withMetrics(metrics).withStorage(storage)
                    : BatchRun.Options.DEFAULT
                        .withMetrics(metrics)
                        .withStorage(storage)
                        .withOpening(opening));
      } finally {
        if (s3 != null) {
          s3.close();
        }
      }
      EmulatorStats s = emulator.stats();
      out.printf(
          "emulator: %d submits, %d status calls, %d result calls, %d answered 429, %d answered 5xx, %d file downloads%n",
          s.submits(),
          s.statusCalls(),
          s.resultCalls(),
          s.rateLimited(),
          s.unavailable(),
          s.downloads());
      java.time.Instant firstPost = s.firstPostAt();
      if (firstPost != null) {
        long startMs = java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
        out.printf(
            "first POST %.1f s after the command started (the JVM's start)%n",
            (firstPost.toEpochMilli() - startMs) / 1000.0);
      }
      out.println("outputs and manifest: " + cfg.outDir().resolve("manifest.jsonl"));
      boolean ok = r.everyValidJobDone(valid);
      out.println(ok ? "every valid job is done" : "not every valid job is done");
      return ok ? 0 : 1;
    } finally {
      if (!handedOver && opening != null) {
        opening.discard(); // the run never took the broker over
      }
      dev.editstream.bench.Trees.delete(emulatorFiles);
    }
  }

  static long[] parseRange(String s) {
    String[] p = s.split("\\.\\.");
    try {
      long a = Long.parseLong(p[0].trim());
      long b = p.length > 1 ? Long.parseLong(p[1].trim()) : a;
      if (a < 0 || b < a) {
        throw new NumberFormatException();
      }
      return new long[] {a, b};
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--latency-ms must be MIN..MAX with 0 <= MIN <= MAX, was \"" + s + "\"");
    }
  }

  private static void clean(Path outDir, PrintStream out) throws IOException {
    if (Files.exists(outDir)) {
      out.println("removing the previous demo output in " + outDir);
      dev.editstream.bench.Trees.delete(outDir);
    }
    Files.createDirectories(outDir);
  }
}
