package dev.editstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.core.job.Job;
import dev.editstream.router.Lexicon;
import dev.editstream.router.Router;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Scenario (r), issue 17: the router's CPU cost per job on its own, next to the pipeline's CPU per
 * job of scenario (b). Routes the project's labelled cases ({@code
 * router-worker/src/test/resources/routing/cases/*.jsonl}, every language), each prompt made
 * distinct with a number so that no memo answers (the worst case: a batch in which no two prompts
 * are alike). It then routes the same cases again as a bulk batch that repeats its prompts would,
 * and reports both figures. The first round is an untimed warm-up (JIT, and Lingua's detector
 * built). CPU time is the calling thread's.
 */
public final class RoutingScenario {
  private RoutingScenario() {}

  /**
   * Runs the scenario.
   *
   * @param jobs distinct prompts to route, at least 1
   * @return the row: jobs, wall time, CPU seconds; the note gives µs of CPU per job, distinct and
   *     repeated
   * @throws IOException when the cases cannot be read (run from the project folder)
   */
  public static BenchResult run(int jobs) throws IOException {
    List<Job> cases = cases();
    Router router = new Router(Lexicon.builtIn(), dev.editstream.core.model.ModelCatalog.builtIn());
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    routeDistinct(router, cases, Math.min(jobs, 2000), "warm-up");
    long cpu0 = threads.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    routeDistinct(router, cases, jobs, "run");
    double wall = (System.nanoTime() - t0) / 1e9;
    double cpuDistinct = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
    long cpu1 = threads.getCurrentThreadCpuTime();
    for (int i = 0; i < jobs; i++) {
      router.route(cases.get(i % cases.size()));
    }
    double cpuRepeated = (threads.getCurrentThreadCpuTime() - cpu1) / 1e9;
    String note =
        String.format(
            java.util.Locale.ROOT,
            "%d labelled cases in %d languages; CPU per job: %.0f µs with every prompt distinct "
                + "(language identification and every cue pattern run), %.0f µs when a batch repeats its prompts (memoised); compare (b)'s "
                + "pipeline CPU per job",
            cases.size(),
            languages(cases),
            1e6 * cpuDistinct / jobs,
            1e6 * cpuRepeated / jobs);
    return new BenchResult("r", jobs, wall, 0, 0, 0, 0, 0, 0, 0, cpuDistinct, note);
  }

  private static void routeDistinct(Router router, List<Job> cases, int n, String tag) {
    for (int i = 0; i < n; i++) {
      Job c = cases.get(i % cases.size());
      router.route(
          new Job(
              c.id(),
              c.prompt() + " (" + tag + " " + i + ")",
              c.images(),
              c.mask(),
              c.video(),
              c.model(),
              c.params(),
              c.batch()));
    }
  }

  private static long languages(List<Job> cases) {
    return cases.stream().map(Job::batch).distinct().count();
  }

  /** The labelled cases' jobs, each job's {@code batch} set to its language (for the count). */
  static List<Job> cases() throws IOException {
    Path d = Path.of("").toAbsolutePath();
    while (d != null
        && !Files.isDirectory(d.resolve("router-worker/src/test/resources/routing/cases"))) {
      d = d.getParent();
    }
    if (d == null) {
      throw new IOException(
          "router-worker/src/test/resources/routing/cases not found (run from the project folder)");
    }
    List<Job> out = new ArrayList<>();
    try (Stream<Path> files =
        Files.list(d.resolve("router-worker/src/test/resources/routing/cases"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
          if (line.isBlank()) {
            continue;
          }
          JsonNode n = Json.mapper().readTree(line);
          Job j = Json.mapper().treeToValue(n.get("job"), Job.class);
          out.add(
              new Job(
                  j.id(),
                  j.prompt(),
                  j.images(),
                  j.mask(),
                  j.video(),
                  null,
                  j.params(),
                  n.path("lang").asText("?")));
        }
      }
    }
    return out;
  }
}
