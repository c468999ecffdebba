package dev.editstream.bench;

import dev.editstream.core.broker.EmbeddedBroker;
import dev.editstream.core.event.Topics;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.EmulatorStats;
import dev.editstream.emulator.Endpoint;
import dev.editstream.emulator.LatencyModel;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.pipeline.kafka.TopicAdmin;
import dev.editstream.tools.ToolsCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scenarios (h) and (h-lat), issue 19: a 100,000-job batch run by {@code editstream run} in a child
 * JVM with a 512 MB heap ({@code -Xmx512m}), on a broker that already holds {@code finished}
 * finished jobs (the records {@link ViewsScenario#publish} writes), against the emulator in this
 * process. The child is killed ({@code SIGKILL}) once half the batch was submitted and started
 * again with the same command, which must resume and end with every job done, none submitted twice.
 *
 * <p>Measured: the wall time of both runs; from each start to the first POST the emulator receives
 * after it (the first start builds the views' local stores from the topics; the restart reads only
 * what changed); the child's resident set (sampled every 100 ms from {@code /proc/<pid>/status})
 * and heap (from its GC log: the largest heap before and after a collection); status calls per job.
 * The broker and the emulator run in the bench's JVM, so the child's figures are the product's
 * alone.
 */
public final class LargeBatchScenario {
  /** The child's heap cap, MB (issue 19's bar). */
  static final int HEAP_MB = 512;

  /** The child's resident-set bar, MB (issue 19). */
  static final int RSS_BAR_MB = 1024;

  /** The restart-to-resume bar, s (issue 19). */
  static final double RESUME_BAR_S = 10;

  private static final Pattern GC_LINE = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

  private LargeBatchScenario() {}

  /**
   * Runs the scenario.
   *
   * @param name the row's name ({@code h} or {@code h-lat})
   * @param jobs jobs in the batch, at least 2
   * @param finished finished jobs on the topics before the batch starts, at least 0
   * @param latency the emulator's run time per job
   * @param meanLatencyS its mean, s (for the ideal time)
   * @param cap the provider's in-flight cap, or 0 for none
   * @param work scratch folder ({@code work/<name>})
   * @return the row
   * @throws IOException when the scratch folder or the job file cannot be written, or the child
   *     cannot start
   */
  public static BenchResult run(
      String name,
      int jobs,
      int finished,
      LatencyModel latency,
      double meanLatencyS,
      int cap,
      Path work)
      throws IOException {
    Path dir = work.resolve(name);
    Trees.delete(dir);
    Files.createDirectories(dir);
    Topics topics = new Topics("editstream");
    EmulatorConfig ec =
        Scenarios.outputs(EmulatorConfig.defaults(dir.resolve("emulator"), Scenarios.TOKEN))
            .withLatency(latency)
            .withProviderCap(cap)
            .withConcurrency(cap > 0 ? cap : jobs)
            .withRenderOutputs(false)
            .withFetchInputs(false)
            // 100,000 jobs cost about $4,000 at the catalog's prices
            .withBalanceUsd(1e9);
    try (EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("broker"));
        RunComfyEmulator emu = RunComfyEmulator.start(ec)) {
      String bootstrap = broker.bootstrapServers();
      TopicAdmin.ensureTopics(bootstrap, topics.all(), 4, (short) 1);
      long filled = ViewsScenario.publish(bootstrap, topics, 0, finished);
      Path jobFile = Scenarios.writeJobs(dir, jobs);
      List<String> cmd =
          List.of(
              ChildJvm.javaBin(),
              "-Xmx" + HEAP_MB + "m",
              "-cp",
              ChildJvm.jarPath(),
              ToolsCommand.class.getName(),
              "run",
              jobFile.toString(),
              "--bootstrap-servers",
              bootstrap,
              "--partitions",
              "4",
              "--out",
              dir.resolve("out").toString(),
              "--allow-download-host",
              "127.0.0.1:" + emu.port(),
              "--catalog-cache",
              dir.resolve("catalog-cache.json").toString(),
              "--timeout-s",
              "7200");
      List<String> first = new ArrayList<>(cmd);
      if (cap > 0) {
        first.addAll(List.of("--max-inflight", Integer.toString(cap), "--fixed-inflight"));
      } else {
        // as (b): at latency 0 the smart schedule's first check waits for the model's usual run
        // time, which this emulator does not have; the growing schedule checks at once
        first.addAll(
            List.of(
                "--max-inflight",
                Integer.toString(OverheadScenario.PIPELINE_LIMIT),
                "--fixed-inflight",
                "--poll-schedule",
                "growing"));
      }
      EmulatorStats st = emu.stats();
      long t0 = System.nanoTime();
      Run a = Run.start(first, dir, 1, emu.baseUrl());
      double firstPostS = a.untilPosts(st, 1);
      a.untilPosts(st, jobs / 2);
      long submittedAtKill = st.submits();
      a.kill();
      long postsAtKill = st.calls(Endpoint.SUBMIT);
      long callsAtKill = jobCalls(st);
      Run b = Run.start(first, dir, 2, emu.baseUrl());
      double resumeS = b.until(() -> jobCalls(st) > callsAtKill, "a job's API call");
      double resumePostS = b.untilPosts(st, postsAtKill + 1);
      int exit = b.waitFor();
      double wall = (System.nanoTime() - t0) / 1e9;
      double rss = Math.max(a.peakRssKb.get(), b.peakRssKb.get()) / 1024.0;
      long[] heapA = gcPeaks(dir.resolve("run-1.gc.log"));
      long[] heapB = gcPeaks(dir.resolve("run-2.gc.log"));
      long heapBefore = Math.max(heapA[0], heapB[0]);
      long heapAfter = Math.max(heapA[1], heapB[1]);
      double cpu = a.cpuS() + b.cpuS();
      String note =
          String.format(
              Locale.ROOT,
              "%s; child -Xmx%dm: heap peak %d MB before a GC, %d MB after (bar <= %d), RSS peak"
                  + " %.0f MB (bar <= %d); on a broker with %d finished jobs (%d records): first"
                  + " POST %.1f s after start (views' stores built from the topics); killed at %d"
                  + " submitted, restart to its first status, result or POST call %.1f s (bar <= %.0f"
                  + " s), to its first POST %.1f s; %d submits for %d jobs; %s; %s",
              note(latency, cap),
              HEAP_MB,
              heapBefore,
              heapAfter,
              HEAP_MB,
              rss,
              RSS_BAR_MB,
              finished,
              filled,
              firstPostS,
              submittedAtKill,
              resumeS,
              RESUME_BAR_S,
              resumePostS,
              st.submits(),
              jobs,
              fate(dir.resolve("out").resolve("summary.json"), exit),
              Scenarios.callsPerJob(st, jobs));
      return new BenchResult(
          name,
          jobs,
          wall,
          BenchResult.ideal(jobs, cap, meanLatencyS),
          (double) st.statusCalls() / jobs,
          0,
          0,
          0,
          Scenarios.share429(st),
          heapBefore,
          cpu,
          note);
    }
  }

  /** The calls about jobs the emulator received: POSTs, status and result reads. */
  private static long jobCalls(EmulatorStats st) {
    return st.calls(Endpoint.SUBMIT) + st.calls(Endpoint.STATUS) + st.calls(Endpoint.RESULT);
  }

  private static String note(LatencyModel latency, int cap) {
    return "latency " + latency + (cap > 0 ? ", cap " + cap : ", no cap");
  }

  /**
   * "D done, F failed (U may have been submitted: in flight at the kill), exit E" from the run's
   * {@code summary.json} and the errors it lists; the exit code alone when it cannot be read.
   */
  static String fate(Path summary, int exit) {
    try {
      com.fasterxml.jackson.databind.JsonNode s =
          dev.editstream.core.Json.mapper().readTree(summary.toFile());
      long uncertain = 0;
      Path errors = summary.resolveSibling("errors.jsonl");
      if (Files.isRegularFile(errors)) {
        try (var lines = Files.lines(errors)) {
          uncertain = lines.filter(l -> l.contains("\"may_have_been_submitted\"")).count();
        }
      }
      return String.format(
          Locale.ROOT,
          "%d done, %d failed (%d may have been submitted: their POST was in flight at the kill),"
              + " exit %d",
          s.path("done").asLong(),
          s.path("failed").asLong(),
          uncertain,
          exit);
    } catch (IOException | RuntimeException e) {
      return "exit " + exit;
    }
  }

  /**
   * The largest heap before and after a collection in a unified GC log ({@code -Xlog:gc}), MB;
   * zeros when the log is missing.
   */
  static long[] gcPeaks(Path log) {
    long before = 0;
    long after = 0;
    try {
      for (String line : Files.readAllLines(log)) {
        Matcher m = GC_LINE.matcher(line);
        if (m.find()) {
          before = Math.max(before, Long.parseLong(m.group(1)));
          after = Math.max(after, Long.parseLong(m.group(2)));
        }
      }
    } catch (IOException e) {
      return new long[] {0, 0};
    }
    return new long[] {before, after};
  }

  /** One start of the child: its process, and its resident set and CPU sampled every 100 ms. */
  private static final class Run {
    final Process process;
    final long t0 = System.nanoTime();
    final AtomicLong peakRssKb = new AtomicLong();
    final AtomicLong cpuNanos = new AtomicLong();
    final Thread sampler;

    private Run(Process process) {
      this.process = process;
      this.sampler =
          new Thread(
              () -> {
                while (process.isAlive()) {
                  peakRssKb.accumulateAndGet(
                      ChildJvm.statusKb(
                          Path.of("/proc", Long.toString(process.pid()), "status"), "VmRSS:"),
                      Math::max);
                  process
                      .info()
                      .totalCpuDuration()
                      .ifPresent(d -> cpuNanos.accumulateAndGet(d.toNanos(), Math::max));
                  try {
                    Thread.sleep(100);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "bench-h-sampler");
      sampler.setDaemon(true);
      sampler.start();
    }

    static Run start(List<String> cmd, Path dir, int n, String baseUrl) throws IOException {
      List<String> withGc = new ArrayList<>(cmd);
      withGc.add(1, "-Xlog:gc:file=" + dir.resolve("run-" + n + ".gc.log"));
      ProcessBuilder pb =
          new ProcessBuilder(withGc)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("run-" + n + ".out").toFile());
      pb.environment().put("RUNCOMFY_TOKEN", Scenarios.TOKEN);
      pb.environment().put("RUNCOMFY_MODEL_API_BASE", baseUrl);
      pb.environment().put("EDITSTREAM_LOG", dir.resolve("run-" + n + ".log").toString());
      return new Run(pb.start());
    }

    /**
     * Waits until the emulator received {@code posts} POSTs in all (checked every 5 ms) and returns
     * the seconds since this start.
     *
     * @throws IllegalStateException if the child ends first
     */
    double untilPosts(EmulatorStats st, long posts) {
      return until(() -> st.calls(Endpoint.SUBMIT) >= posts, "POST " + posts);
    }

    /**
     * Waits until {@code reached} holds (checked every 5 ms) and returns the seconds since this
     * start.
     *
     * @throws IllegalStateException if the child ends first
     */
    double until(java.util.function.BooleanSupplier reached, String what) {
      while (!reached.getAsBoolean()) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              "the child ended (exit " + process.exitValue() + ") before " + what);
        }
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted", e);
        }
      }
      return (System.nanoTime() - t0) / 1e9;
    }

    void kill() {
      process.destroyForcibly();
      waitFor();
    }

    int waitFor() {
      try {
        process.waitFor(3, TimeUnit.HOURS);
        sampler.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return process.isAlive() ? -1 : process.exitValue();
    }

    double cpuS() {
      return cpuNanos.get() / 1e9;
    }
  }
}
