package dev.editstream.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import dev.editstream.core.event.EventType;
import dev.editstream.core.event.JobEvent;
import dev.editstream.pipeline.kafka.EventPublisher;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.RunComfyConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The batch commands, as RunComfy's CLI has {@code status}, {@code result} and {@code cancel} for
 * one request: {@code editstream status}, {@code editstream list} and {@code editstream cancel}, on
 * the state folder of {@code --out} (the live run's broker, or the folder's own when no run is
 * live) or on {@code --bootstrap-servers} ({@link BatchAccess}). Every job on the topics counts, or
 * only those whose job line carries {@code "batch": B} with {@code --batch B}.
 */
public final class BatchCommands {
  private BatchCommands() {}

  /** The state of a job for people and {@code --state}. */
  static String state(JobFold f) {
    if (f.isDone()) {
      return "done";
    }
    if (f.isFailed()) {
      return "failed";
    }
    return f.phase() == EventType.REQUESTED
        ? "queued"
        : f.phase() == EventType.COMPLETED ? "downloading" : "in_flight";
  }

  /** Options every batch command shares. */
  abstract static class Base implements Callable<Integer> {
    @Mixin PipelineOptions pipeline;

    @Option(
        names = "--batch",
        description = "Only jobs whose job line has this \"batch\" label (repeatable).")
    List<String> batches = new ArrayList<>();

    @Option(
        names = "--json",
        description = "Print JSON (one object, or one line per job for list).")
    boolean json;

    /** The folds of the batch's jobs, by id, sorted. */
    Map<String, JobFold> folds(BatchAccess access) {
      Map<String, JobFold> out = new TreeMap<>();
      forEachFold(access, out::put);
      return out;
    }

    /**
     * Visits the fold of each of the batch's jobs (those of {@code --batch} when given), one at a
     * time: O(1) folds in memory, however long the folder's history.
     */
    void forEachFold(BatchAccess access, java.util.function.BiConsumer<String, JobFold> visit) {
      PipelineConfig cfg = pipeline.toConfig();
      try (BatchTracker t =
          new BatchTracker(access.bootstrapServers(), cfg.topics(), null, cfg.stateDir())) {
        t.forEachFold(
            (id, f) -> {
              if (batches.isEmpty() || (f.batch() != null && batches.contains(f.batch()))) {
                visit.accept(id, f);
              }
            });
      }
    }
  }

  /** {@code editstream status}. */
  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description =
          "Counts of a batch per state and model, cost so far, ETA, oldest job in flight.")
  public static final class Status extends Base {
    @Override
    public Integer call() throws Exception {
      PipelineConfig cfg = pipeline.toConfig();
      try (BatchAccess access = BatchAccess.open(cfg)) {
        // counted while the folds are read: a folder with a long history is not held in memory
        Tally tally = new Tally();
        forEachFold(access, tally::add);
        ObjectNode o =
            tally.toJson(
                access.live() && cfg.embedded()
                    ? BatchState.progress(cfg.outDir()).orElse(null)
                    : null,
                Instant.now());
        o.put("source", access.where());
        if (json) {
          System.out.println(Json.mapper().writeValueAsString(o));
        } else {
          print(o);
        }
      }
      return 0;
    }

    /**
     * The status object: {@code jobs}, {@code states} (queued, in_flight, downloading, done,
     * failed), {@code models} (jobs, done, failed, cost_usd per model_id), {@code cost_usd}, {@code
     * oldest_in_flight} ({@code job_id}, {@code since}, {@code age_s}: the job in flight longest
     * without news), and from a live run's progress: {@code jobs_per_s}, {@code eta_s}, {@code
     * paused}. Pure.
     */
    static ObjectNode status(Map<String, JobFold> folds, @Nullable JsonNode progress, Instant now) {
      Tally t = new Tally();
      folds.forEach(t::add);
      return t.toJson(progress, now);
    }

    /**
     * The counts of {@link #status}, added one job at a time (memory O(models), not O(jobs)). Of
     * two jobs in flight equally long without news, the oldest is the one whose id sorts first,
     * whatever the order of the visit.
     */
    static final class Tally {
      private int jobs;
      private final Map<String, Integer> states = new TreeMap<>();
      private final Map<String, double[]> models = new TreeMap<>();
      private double cost;
      private @Nullable String oldest;
      private @Nullable Instant oldestAt;

      Tally() {
        for (String st : List.of("queued", "in_flight", "downloading", "done", "failed")) {
          states.put(st, 0);
        }
      }

      /** Counts one job. */
      void add(String id, JobFold f) {
        jobs++;
        states.merge(state(f), 1, Integer::sum);
        double[] m =
            models.computeIfAbsent(
                f.model() == null ? "(not routed)" : f.model(), k -> new double[4]);
        m[0]++;
        if (f.isDone()) {
          m[1]++;
          double c = f.costUsd() == null ? 0 : f.costUsd();
          m[3] += c;
          cost += c;
        } else if (f.isFailed()) {
          m[2]++;
        } else if (f.lastAt() != null
            && (oldestAt == null
                || f.lastAt().isBefore(oldestAt)
                || (f.lastAt().equals(oldestAt)
                    && id.compareTo(Objects.requireNonNull(oldest)) < 0))) {
          oldest = id;
          oldestAt = f.lastAt();
        }
      }

      /** The status object of the jobs added (see {@link #status}). */
      ObjectNode toJson(@Nullable JsonNode progress, Instant now) {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("jobs", jobs);
        ObjectNode s = o.putObject("states");
        states.forEach(s::put);
        ObjectNode ms = o.putObject("models");
        models.forEach(
            (id, m) -> {
              ObjectNode x = ms.putObject(id);
              x.put("jobs", (int) m[0]);
              x.put("done", (int) m[1]);
              x.put("failed", (int) m[2]);
              x.put("cost_usd", round(m[3]));
            });
        o.put("cost_usd", round(cost));
        String old = oldest;
        Instant oldAt = oldestAt;
        if (old != null && oldAt != null) { // set together
          ObjectNode x = o.putObject("oldest_in_flight");
          x.put("job_id", old);
          x.put("since", oldAt.toString());
          x.put("age_s", Math.max(0, Duration.between(oldAt, now).toSeconds()));
        }
        // every state is counted from 0 (the constructor)
        int remaining =
            jobs
                - Objects.requireNonNull(states.get("done"))
                - Objects.requireNonNull(states.get("failed"));
        if (progress != null) {
          double rate = progress.path("jobs_per_s").asDouble(0);
          o.put("jobs_per_s", round(rate));
          if (rate > 0) {
            o.put("eta_s", Math.round(remaining / rate));
          }
          if (progress.path("paused").isTextual()) {
            o.put("paused", progress.path("paused").asText());
          }
        }
        return o;
      }
    }

    private static double round(double v) {
      return Math.round(v * 1_000_000d) / 1_000_000d;
    }

    private static void print(ObjectNode o) {
      System.out.println(
          "batch in " + o.path("source").asText() + ": " + o.path("jobs").asInt() + " jobs");
      StringBuilder b = new StringBuilder();
      o.path("states")
          .properties()
          .forEach(e -> b.append(String.format("%s %d  ", e.getKey(), e.getValue().asInt())));
      System.out.println("  " + b.toString().trim());
      System.out.printf(
          "  cost so far: $%.4f%s%n",
          o.path("cost_usd").asDouble(),
          o.has("eta_s")
              ? String.format(
                  "  rate %.1f jobs/s  ETA %s",
                  o.path("jobs_per_s").asDouble(), ProgressLine.duration(o.path("eta_s").asLong()))
              : "");
      if (o.has("paused")) {
        System.out.println("  submission paused: " + o.path("paused").asText());
      }
      if (o.has("oldest_in_flight")) {
        JsonNode old = o.path("oldest_in_flight");
        System.out.printf(
            "  oldest in flight: %s, no news for %d s%n",
            old.path("job_id").asText(), old.path("age_s").asLong());
      }
      System.out.printf(
          "  %-44s %6s %6s %6s %10s%n", "model_id", "jobs", "done", "failed", "cost USD");
      o.path("models")
          .properties()
          .forEach(
              e ->
                  System.out.printf(
                      "  %-44s %6d %6d %6d %10.4f%n",
                      e.getKey(),
                      e.getValue().path("jobs").asInt(),
                      e.getValue().path("done").asInt(),
                      e.getValue().path("failed").asInt(),
                      e.getValue().path("cost_usd").asDouble()));
    }
  }

  /** {@code editstream list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "The jobs of a batch in one state, one per line.")
  public static final class ListJobs extends Base {
    @Option(
        names = "--state",
        description = "queued, in_flight, downloading, done or failed (repeatable; default: all).")
    List<String> states = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      for (String s : states) {
        if (!List.of("queued", "in_flight", "downloading", "done", "failed").contains(s)) {
          throw new IllegalArgumentException(
              "--state must be queued, in_flight, downloading, done or failed, was \"" + s + "\"");
        }
      }
      PipelineConfig cfg = pipeline.toConfig();
      int n = 0;
      try (BatchAccess access = BatchAccess.open(cfg)) {
        for (var e : folds(access).entrySet()) {
          ObjectNode line = line(e.getKey(), e.getValue());
          if (!states.isEmpty() && !states.contains(line.path("state").asText())) {
            continue;
          }
          n++;
          if (json) {
            System.out.println(Json.mapper().writeValueAsString(line));
          } else {
            System.out.printf(
                "%-30s %-11s %-40s %s%n",
                e.getKey(),
                line.path("state").asText(),
                line.path("model").asText("-"),
                line.has("reason")
                    ? line.path("reason").asText()
                        + ": "
                        + Summary.withoutId(e.getKey(), line.path("message").asText())
                    : line.path("request_id").asText(""));
          }
        }
      }
      if (!json) {
        System.out.println(n + " jobs");
      }
      return 0;
    }

    /**
     * One job's line: {@code id}, {@code state}, {@code model}, {@code request_id}, {@code
     * replays}, {@code at}, and for a failed job its class, stage, reason and message.
     */
    static ObjectNode line(String id, JobFold f) {
      ObjectNode o = Json.mapper().createObjectNode();
      o.put("id", id);
      o.put("state", state(f));
      o.put("model", f.model());
      o.put("request_id", f.requestId());
      o.put("replays", f.replays());
      o.put("at", f.lastAt() == null ? null : f.lastAt().toString());
      if (f.isDone() && f.costUsd() != null) {
        o.put("cost_usd", f.costUsd());
      }
      JobEvent fail = f.isDone() ? null : f.lastFailure();
      if (fail != null && fail.failure() != null) {
        o.put("exit_class", fail.failure().exitClass().code());
        o.put("stage", fail.failure().stage().wire());
        o.put("reason", fail.failure().reasonText());
        o.put("message", fail.failure().message());
        o.put("may_have_been_submitted", ReplayRule.UNCERTAIN.contains(fail.failure().reason()));
      }
      return o;
    }
  }

  /** {@code editstream cancel}. */
  @Command(
      name = "cancel",
      mixinStandardHelpOptions = true,
      description =
          "Cancel jobs: withdraw those not submitted, cancel those queued at "
              + "RunComfy; report those RunComfy already runs (they finish and are billed).")
  public static final class Cancel extends Base {
    @Option(
        names = "--id",
        split = ",",
        description = "These jobs (repeatable or comma-separated).")
    List<String> ids = new ArrayList<>();

    @Option(
        names = "--all",
        description = "Every job of the batch (with --batch: of those batches).")
    boolean all;

    @Override
    public Integer call() throws Exception {
      if (ids.isEmpty() && !all && batches.isEmpty()) {
        throw new IllegalArgumentException("say which jobs: --id ID, --batch B or --all");
      }
      PipelineConfig cfg = pipeline.toConfig();
      RunComfyConfig rc =
          pipeline.apply(
              RunComfyConfig.fromEnvironment(
                  System.getenv(), java.nio.file.Path.of(System.getProperty("user.home"))));
      try (BatchAccess access = BatchAccess.open(cfg);
          EventPublisher publisher =
              new EventPublisher(access.bootstrapServers(), "editstream-cancel", Map.of());
          RunComfyClient client = new RunComfyClient(rc)) {
        Map<String, JobFold> folds = folds(access);
        Map<String, JobFold> targets = new TreeMap<>();
        Set<String> unknown = new HashSet<>(ids);
        folds.forEach(
            (id, f) -> {
              if (ids.isEmpty() || ids.contains(id)) {
                targets.put(id, f);
                unknown.remove(id);
              }
            });
        BatchCanceller.Report r =
            BatchCanceller.cancel(targets, publisher, cfg.topics(), client, Clock.systemUTC());
        ObjectNode o = Json.mapper().createObjectNode();
        o.set("withdrawn", Json.mapper().valueToTree(r.withdrawn()));
        o.set("cancelled_at_runcomfy", Json.mapper().valueToTree(r.cancelled()));
        o.set("running_not_cancellable", Json.mapper().valueToTree(r.running()));
        o.set("errors", Json.mapper().valueToTree(r.errors()));
        o.put("ended_or_downloading", r.left());
        ArrayNode u = o.putArray("unknown_ids");
        unknown.stream().sorted().forEach(u::add);
        if (json) {
          System.out.println(Json.mapper().writeValueAsString(o));
        } else {
          System.out.printf(
              "withdrawn before submission: %d%ncancelled at RunComfy (queued): %d%nalready running at RunComfy, not "
                  + "cancellable (they finish, are billed and downloaded): %d %s%nended or downloading, left as they are: %d%n",
              r.withdrawn().size(),
              r.cancelled().size(),
              r.running().size(),
              r.running().isEmpty() ? "" : r.running().keySet(),
              r.left());
          if (!r.errors().isEmpty()) {
            System.out.println("cancel calls that failed (try again): " + r.errors());
          }
          if (!unknown.isEmpty()) {
            System.out.println(
                "no such job: " + String.join(", ", unknown.stream().sorted().toList()));
          }
        }
        return r.errors().isEmpty() ? 0 : 75;
      }
    }
  }
}
