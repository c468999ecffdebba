package dev.editstream.bench;

import dev.editstream.core.Json;
import dev.editstream.emulator.LatencyModel;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code editstream bench}: starts the emulator as a load model and the pipeline (with its embedded
 * Kafka broker) in this process, runs the chosen scenarios, prints one table and writes it as JSON.
 * Scenarios run: (a) 2,000 jobs, latency 2 s ± 50%, cap 50; (b) 20,000 jobs at latency 0 with no
 * cap, pipeline against a plain reactive HTTP driver ({@link OverheadScenario}); (c) the same cap
 * as (a) hidden as 40; (d) one 1 GiB and one 2 GiB output against {@code curl} ({@link
 * LargeOutputScenario}, not scaled); (e) RunComfy's CLI loop one job at a time on a sample,
 * projected to (a)'s batch; (a-fixed2s) as (a) with RunComfy's CLI's fixed 2 s polling; (p) and
 * (p-fixed2s) smart against fixed 2 s polling on a batch that is not slot-bound ({@link
 * PollingScenario}); (s) staging 200 inputs to object storage ({@link StagingScenario}); (r) the
 * router's CPU per job ({@link RoutingScenario}); (v) a restart's views with 1,000,000 finished
 * jobs on the topics, in memory against local stores ({@link ViewsScenario}); (h) and (h-lat) a
 * 100,000-job batch in a child JVM with a 512 MB heap, killed half way and resumed, on topics that
 * hold 1,000,000 finished jobs, at latency 0 and at 2 s ± 50% with cap 1,000 ({@link
 * LargeBatchScenario}). {@code --scenario all} runs every one. {@code --jobs-scale} scales the job
 * counts of every scenario but (d). Exit code 0 when every scenario ran, 1 otherwise.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Run throughput scenarios against the emulator and print one table.")
public final class BenchCommand implements Callable<Integer> {
  /** Every scenario, in the order {@code --scenario all} runs them. */
  static final List<String> ALL =
      List.of("a", "a-fixed2s", "c", "p", "p-fixed2s", "b", "d", "e", "s", "r", "v", "h", "h-lat");

  @Option(
      names = "--scenario",
      split = ",",
      defaultValue = "a,c,e",
      description =
          "Scenarios to run among a, a-fixed2s, b, c, d, e, h, h-lat, p, p-fixed2s, r, s, v, or all of them: all (default: ${DEFAULT-VALUE}).")
  List<String> scenarios = new ArrayList<>();

  @Option(
      names = "--jobs-scale",
      defaultValue = "1.0",
      description = "Multiplier of every scenario's job count, > 0 (default: ${DEFAULT-VALUE}).")
  double jobsScale = 1.0;

  @Option(
      names = "--json",
      defaultValue = "bench-results.json",
      description = "Where the table goes as JSON (default: ${DEFAULT-VALUE}).")
  Path json = Path.of("bench-results.json");

  @Option(
      names = "--work",
      defaultValue = "bench-work",
      description =
          "Scratch folder for jobs, outputs and emulator files (default: ${DEFAULT-VALUE}).")
  Path work = Path.of("bench-work");

  @Option(
      names = "--status-calls-per-second",
      description =
          "The poller's status-call budget in the pipeline scenarios with smart polling, calls/s; 0 = none (default: the product's, ${DEFAULT-VALUE}).",
      defaultValue = "85")
  double statusCallsPerSecond =
      dev.editstream.poller.StatusCallBudget.Settings.DEFAULT_CALLS_PER_SECOND;

  @Option(
      names = "--signed-outputs",
      description =
          "Emulators sign their output file URLs (?X-Amz-Signature=...), so the pipeline's downloader reads each result again. Default: public URLs, as RunComfy's documented results show.")
  boolean signedOutputs;

  @Option(
      names = "--speculative-submits",
      paramLabel = "CONFIDENCE",
      description =
          "The confidence of speculative submits in scenarios (a) (cap told: a fixed limit) and (c) (cap hidden: the adaptive limit); 0 = none (default: the product's with the adaptive limit, ${DEFAULT-VALUE}).",
      defaultValue = "0.9")
  double speculativeSubmits = dev.editstream.app.PipelineOptions.SUGGESTED_SPECULATIVE_SUBMITS;

  PrintStream out = System.out;

  /** Scenarios of the last {@link #run()} that were not run (unknown names). */
  private int skipped;

  @Override
  public Integer call() throws Exception {
    if (!(jobsScale > 0)) {
      throw new IllegalArgumentException("--jobs-scale must be > 0, was " + jobsScale);
    }
    if (!(statusCallsPerSecond >= 0) || Double.isInfinite(statusCallsPerSecond)) {
      throw new IllegalArgumentException(
          "--status-calls-per-second must be >= 0 and finite, was " + statusCallsPerSecond);
    }
    Scenarios.statusCallsPerSecond = statusCallsPerSecond;
    Scenarios.speculativeSubmits =
        dev.editstream.pipeline.flow.FlowControl.Settings.requireSpeculation(
            speculativeSubmits, "--speculative-submits");
    Scenarios.signedOutputs = signedOutputs;
    List<BenchResult> rows = run();
    print(rows, out);
    Files.writeString(
        json, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(rows));
    out.println("written " + json.toAbsolutePath());
    return skipped == 0 ? 0 : 1;
  }

  List<BenchResult> run() throws Exception {
    Files.createDirectories(work);
    List<BenchResult> rows = new ArrayList<>();
    skipped = 0;
    LatencyModel twoSeconds = new LatencyModel.Uniform(1000, 3000);
    int aJobs = scaled(2000);
    List<String> chosen =
        scenarios.stream().map(String::trim).anyMatch("all"::equals) ? ALL : scenarios;
    for (String s : chosen) {
      switch (s.trim()) {
        case "a" ->
            rows.add(
                Scenarios.judgedA(
                    Scenarios.pipeline(
                        "a", aJobs, 50, twoSeconds, 2.0, work, "latency 2 s ± 50%, cap 50")));
        case "c" ->
            rows.add(
                Scenarios.pipeline(
                    "c",
                    aJobs,
                    40,
                    twoSeconds,
                    2.0,
                    work,
                    "cap 40 not told to the client (adaptive limit)",
                    true,
                    dev.editstream.poller.PollSchedule.defaults(),
                    dev.editstream.pipeline.flow.FlowControl.Settings.adaptive(1000)
                        .withSpeculation(Scenarios.speculativeSubmits)));
        case "a-fixed2s" ->
            rows.add(
                Scenarios.pipeline(
                    "a-fixed2s",
                    aJobs,
                    50,
                    twoSeconds,
                    2.0,
                    work,
                    "as (a), polling every 2 s like RunComfy's CLI",
                    false,
                    dev.editstream.poller.PollSchedule.fixed(java.time.Duration.ofSeconds(2)),
                    dev.editstream.pipeline.flow.FlowControl.Settings.fixed(50, 50)));
        case "b" -> rows.addAll(OverheadScenario.run(scaled(20_000), work));
        case "d" -> {
          rows.add(
              LargeOutputScenario.run(
                  "d-1GiB", LargeOutputScenario.GIB, work, work.resolve("curl-blob")));
          rows.add(
              LargeOutputScenario.run(
                  "d-2GiB", 2 * LargeOutputScenario.GIB, work, work.resolve("curl-blob")));
        }
        case "e" -> rows.add(Scenarios.cliLoop(Math.max(3, scaled(20)), aJobs, twoSeconds, work));
        case "p" -> rows.add(PollingScenario.run(scaled(1000), true, work));
        case "p-fixed2s" -> rows.add(PollingScenario.run(scaled(1000), false, work));
        case "s" -> rows.add(StagingScenario.run(work));
        case "r" -> rows.add(RoutingScenario.run(scaled(20_000)));
        case "v" -> rows.addAll(ViewsScenario.run(scaled(1_000_000), work));
        case "h" ->
            rows.add(
                LargeBatchScenario.run(
                    "h",
                    scaled(100_000),
                    scaled(1_000_000),
                    new LatencyModel.Fixed(0),
                    0,
                    0,
                    work));
        case "h-lat" ->
            rows.add(
                LargeBatchScenario.run(
                    "h-lat", scaled(100_000), scaled(1_000_000), twoSeconds, 2.0, 1000, work));
        default -> {
          skipped++;
          out.println(
              "scenario "
                  + s
                  + " is not implemented in this build ("
                  + String.join(", ", ALL)
                  + " are); skipped");
        }
      }
    }
    return PollingScenario.compare(rows);
  }

  private int scaled(int jobs) {
    return Math.max(1, (int) Math.round(jobs * jobsScale));
  }

  /** Prints the table, one row per result. */
  static void print(List<BenchResult> rows, PrintStream out) {
    out.printf(
        "%-6s %7s %8s %8s %6s %8s %7s %7s %7s %7s %6s %8s %7s  %s%n",
        "scen", "jobs", "wall_s", "ideal_s", "ratio", "jobs/s", "stat/j", "p50_ms", "p95_ms",
        "p99_ms", "429%", "heap_MB", "cpu_s", "note");
    for (BenchResult r : rows) {
      out.printf(
          "%-6s %7d %8.1f %8.1f %6.2f %8.1f %7.2f %7d %7d %7d %6.2f %8.0f %7.1f  %s%n",
          r.scenario(),
          r.jobs(),
          r.wallS(),
          r.idealS(),
          r.ratioToIdeal(),
          r.jobsPerSecond(),
          r.statusCallsPerJob(),
          r.delayP50Ms(),
          r.delayP95Ms(),
          r.delayP99Ms(),
          100 * r.share429(),
          r.peakHeapMb(),
          r.cpuS(),
          r.note());
    }
  }

  /** Runs the command standalone. */
  public static void main(String[] args) {
    System.exit(new picocli.CommandLine(new BenchCommand()).execute(args));
  }
}
