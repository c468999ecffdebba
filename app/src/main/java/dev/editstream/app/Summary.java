package dev.editstream.app;

import dev.editstream.core.event.Failure;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.event.JobEvent;
import dev.editstream.pipeline.metrics.Meters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.jetbrains.annotations.Contract;
import org.jspecify.annotations.Nullable;

/**
 * The end-of-batch report: jobs per route with done and failed counts and RunComfy's actual cost
 * (from the {@code done} events' {@code remote.cost_usd}; jobs whose cost RunComfy did not give are
 * counted apart), every failure with its class and reason, the jobs a budget left unsubmitted, wall
 * time, and the stage meters (jobs in, succeeded, retries, failures by class, latency per stage and
 * model).
 *
 * @param jobs the tracker's view of every job of the batch
 * @param wall wall time of the batch, from the first job published or the router's first read of
 *     its topic, whichever came later (the start-up is reported apart), to the last job ended
 */
public record Summary(Map<String, BatchTracker.JobState> jobs, Duration wall) {

  /** Jobs that ended with exactly one {@code done} and no {@code failed}. */
  public long done() {
    return jobs.values().stream()
        .filter(s -> !s.doneEvents().isEmpty() && s.failedEvents().isEmpty())
        .count();
  }

  /** Jobs that ended {@code failed}. */
  public long failed() {
    return jobs.values().stream().filter(s -> !s.failedEvents().isEmpty()).count();
  }

  /** Prints the report. */
  public void print(PrintStream out, MeterRegistry registry) {
    Map<String, int[]> perRoute = new TreeMap<>();
    Map<String, double[]> cost = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    for (var e : new TreeMap<>(jobs).entrySet()) {
      BatchTracker.JobState s = e.getValue();
      String route = s.model() == null ? "(not routed)" : s.model();
      int[] c = perRoute.computeIfAbsent(route, k -> new int[3]);
      c[0]++;
      if (!s.doneEvents().isEmpty()) {
        c[1]++;
        JobEvent d = s.doneEvents().get(0);
        double[] k = cost.computeIfAbsent(route, x -> new double[2]);
        if (d.remote() != null && d.remote().costUsd() != null) {
          k[0] += d.remote().costUsd();
        } else {
          k[1]++;
        }
      }
      if (!s.failedEvents().isEmpty()) {
        c[2]++;
        JobEvent f = s.failedEvents().get(0);
        Failure fl = FailedCommand.failureOf(f);
        failures.add(
            String.format(
                "  %-28s class %-3d %-10s %-18s %s",
                e.getKey(),
                fl.exitClass().code(),
                fl.stage().wire(),
                fl.reasonText(),
                withoutId(e.getKey(), fl.message())));
      }
    }
    out.println();
    out.println("== editstream summary ==");
    out.printf(
        "%-44s %6s %6s %6s %12s%n", "route (model_id)", "jobs", "done", "failed", "cost USD");
    perRoute.forEach(
        (route, c) ->
            out.printf("%-44s %6d %6d %6d %12s%n", route, c[0], c[1], c[2], usd(cost.get(route))));
    double[] all = new double[2];
    cost.values()
        .forEach(
            k -> {
              all[0] += k[0];
              all[1] += k[1];
            });
    out.printf("%-44s %6d %6d %6d %12s%n", "total", jobs.size(), done(), failed(), usd(all));
    if (all[1] > 0) {
      out.printf(
          "(%d done jobs without a cost from RunComfy are not in the cost column)%n",
          (long) all[1]);
    }
    long budget =
        jobs.values().stream()
            .filter(
                s ->
                    !s.failedEvents().isEmpty()
                        && FailedCommand.failureOf(s.failedEvents().get(0)).reason()
                            == FailureReason.BUDGET)
            .count();
    if (budget > 0) {
      out.printf(
          "%d jobs were not submitted because the budget was reached (reason budget): raise --budget-usd and "
              + "`editstream replay --reason budget`%n",
          budget);
    }
    if (!failures.isEmpty()) {
      out.println();
      out.println("failed jobs (id, exit class, stage, reason, message):");
      failures.forEach(out::println);
    }
    out.println();
    out.println("stage meters:");
    printCounters(out, registry, Meters.JOBS_IN, "stage");
    printCounters(out, registry, Meters.STAGE_SUCCEEDED, "stage");
    printCounters(out, registry, Meters.RETRIES, "stage", "exit_class");
    printCounters(out, registry, Meters.JOBS_FAILED, "stage", "exit_class");
    List<Timer> timers = new ArrayList<>(registry.find(Meters.STAGE_LATENCY.meterName()).timers());
    timers.sort(
        java.util.Comparator.comparing((Timer t) -> stageOrder(t.getId().getTag("stage")))
            .thenComparing(t -> t.getId().getTag("model")));
    for (Timer t : timers) {
      out.printf(
          "  %-26s stage=%-10s model=%-42s n=%-5d mean=%7.0f ms max=%7.0f ms%n",
          Meters.STAGE_LATENCY.meterName(),
          t.getId().getTag("stage"),
          t.getId().getTag("model"),
          t.count(),
          t.mean(TimeUnit.MILLISECONDS),
          t.max(TimeUnit.MILLISECONDS));
    }
    out.printf("%nwall time: %.1f s%n", wall.toMillis() / 1000.0);
  }

  /**
   * A failure message for a line that already names the job: without its leading {@code "job ID: "}
   * (stages write messages that stand alone in logs and events), so a person reads the id once.
   */
  @Contract("_, !null -> !null")
  static @Nullable String withoutId(String jobId, @Nullable String message) {
    String prefix = "job " + jobId + ": ";
    return message != null && message.startsWith(prefix)
        ? message.substring(prefix.length())
        : message;
  }

  /** Actual cost in USD of the done jobs (sum over {@link #jobs}, jobs without a cost left out). */
  public double costUsd() {
    return jobs.values().stream()
        .filter(s -> !s.doneEvents().isEmpty())
        .map(s -> s.doneEvents().get(0).remote())
        .filter(r -> r != null && r.costUsd() != null)
        .mapToDouble(r -> r.costUsd())
        .sum();
  }

  private static String usd(double @Nullable [] k) {
    return k == null ? "-" : String.format(java.util.Locale.ROOT, "%.4f", k[0]);
  }

  private static int stageOrder(@Nullable String stage) {
    return List.of("producer", "router", "poller", "downloader").indexOf(stage);
  }

  private static void printCounters(
      PrintStream out, MeterRegistry registry, Meters m, String... tags) {
    Map<String, Double> sums = new TreeMap<>();
    for (Counter c : registry.find(m.meterName()).counters()) {
      StringBuilder k = new StringBuilder();
      for (String t : tags) {
        k.append(t).append('=').append(c.getId().getTag(t)).append(' ');
      }
      sums.merge(k.toString().trim(), c.count(), Double::sum);
    }
    sums.forEach((k, v) -> out.printf("  %-26s %-34s %6.0f%n", m.meterName(), k, v));
  }
}
