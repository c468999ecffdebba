package dev.editstream.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import dev.editstream.core.event.Failure;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.job.LineError;
import dev.editstream.producer.JobProducer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A batch's results as files a program reads, beside {@code manifest.jsonl} in the output folder:
 * {@code errors.jsonl} (one line per job that did not end {@code done}: {@code id}, {@code line}
 * when known, {@code exit_class}, {@code stage}, {@code reason}, {@code message}, {@code
 * may_have_been_submitted}, {@code at}) and {@code summary.json} (counts, cost per model and in
 * total, wall time, whether it finished, the exit code). Both are written to a temporary file and
 * renamed, so a reader never sees half of one. The exit codes ({@link #exitCode}):
 *
 * <ul>
 *   <li>0: every line of the file became a job and every job is {@code done};
 *   <li>{@value #SOME_FAILED}: the batch finished and some jobs failed or lines were refused
 *       ({@code errors.jsonl} lists them);
 *   <li>75: the timeout passed with jobs still in flight (EX_TEMPFAIL);
 *   <li>65: no line of the file was a valid job (EX_DATAERR);
 *   <li>{@value #INTERRUPTED}: stopped by Ctrl-C (128 + SIGINT); jobs in flight or queued resume
 *       with the same command.
 * </ul>
 */
final class BatchFiles {
  /** The exit code of a batch that finished with some failed jobs or refused lines. */
  static final int SOME_FAILED = 2;

  /** The exit code of a batch stopped by Ctrl-C. */
  static final int INTERRUPTED = 130;

  private BatchFiles() {}

  /** The exit code of a batch, as listed in the class comment. */
  static int exitCode(BatchRun.Result r) {
    if (r.interrupted()) {
      return INTERRUPTED;
    }
    if (!r.finished()) {
      return 75;
    }
    if (r.summary().jobs().size() == r.invalidLines()) {
      return 65;
    }
    return r.summary().failed() == 0 && r.invalidLines() == 0 ? 0 : SOME_FAILED;
  }

  /** One {@code errors.jsonl} line per job without a {@code done}, sorted by id. */
  static List<ObjectNode> errors(Summary summary, Path jobFile, List<LineError> refused) {
    Map<String, Integer> lineOf = new HashMap<>();
    refused.forEach(e -> lineOf.put(JobProducer.failedJobId(jobFile, e), e.line()));
    List<ObjectNode> out = new ArrayList<>();
    new TreeMap<>(summary.jobs())
        .forEach(
            (id, s) -> {
              if (s == null || !s.doneEvents().isEmpty() || s.failedEvents().isEmpty()) {
                return;
              }
              JobEvent f = s.failedEvents().get(s.failedEvents().size() - 1);
              Failure failure = Objects.requireNonNull(f.failure(), "failure"); // a failed event
              ObjectNode o = Json.mapper().createObjectNode();
              o.put("id", id);
              if (lineOf.containsKey(id)) {
                o.put("line", lineOf.get(id));
              }
              o.put("exit_class", failure.exitClass().code());
              o.put("stage", failure.stage().wire());
              o.put("reason", failure.reasonText());
              o.put("message", failure.message());
              o.put("may_have_been_submitted", ReplayRule.UNCERTAIN.contains(failure.reason()));
              o.put("at", f.at().toString());
              out.add(o);
            });
    return out;
  }

  /** {@code summary.json}: counts, cost per model and in total, wall time, finished, exit code. */
  static ObjectNode summary(BatchRun.Result r, Path jobFile) {
    ObjectNode o = Json.mapper().createObjectNode();
    Summary s = r.summary();
    o.put("file", jobFile.toString());
    o.put("jobs", s.jobs().size());
    o.put("done", s.done());
    o.put("failed", s.failed());
    o.put("refused_lines", r.invalidLines());
    o.put("in_flight", s.jobs().size() - s.done() - s.failed());
    o.put("finished", r.finished());
    o.put("interrupted", r.interrupted());
    if (r.plan() != null) {
      ObjectNode plan = o.putObject("this_run");
      plan.put("published", r.plan().count(java.util.List.of(ResumePlan.Action.PUBLISH)));
      plan.put("rerun", r.plan().count(java.util.List.of(ResumePlan.Action.RERUN)));
      plan.put("done_before", r.plan().count(java.util.List.of(ResumePlan.Action.DONE)));
      plan.put("failed_before", r.plan().count(java.util.List.of(ResumePlan.Action.FAILED)));
      plan.put(
          "followed",
          r.plan()
              .count(
                  java.util.List.of(ResumePlan.Action.FOLLOW, ResumePlan.Action.IN_FLIGHT_RERUN)));
      plan.set("changed", Json.mapper().valueToTree(r.plan().ids(ResumePlan.Action.CHANGED)));
      plan.set(
          "uncertain_not_rerun",
          Json.mapper().valueToTree(r.plan().ids(ResumePlan.Action.UNCERTAIN)));
    }
    o.put("wall_s", s.wall().toMillis() / 1000.0);
    o.put("cost_usd", Math.round(s.costUsd() * 1_000_000d) / 1_000_000d);
    ObjectNode models = o.putObject("models");
    new TreeMap<>(s.jobs())
        .forEach(
            (id, st) -> {
              if (st == null || st.model() == null) {
                return;
              }
              ObjectNode m =
                  models.has(st.model())
                      ? (ObjectNode) models.get(st.model())
                      : models.putObject(st.model());
              m.put("jobs", m.path("jobs").asInt() + 1);
              m.put("done", m.path("done").asInt() + (st.doneEvents().isEmpty() ? 0 : 1));
              m.put(
                  "failed",
                  m.path("failed").asInt()
                      + (st.doneEvents().isEmpty() && !st.failedEvents().isEmpty() ? 1 : 0));
              Double cost =
                  st.doneEvents().isEmpty() || st.doneEvents().get(0).remote() == null
                      ? null
                      : st.doneEvents().get(0).remote().costUsd();
              m.put(
                  "cost_usd",
                  Math.round(
                          (m.path("cost_usd").asDouble() + (cost == null ? 0 : cost)) * 1_000_000d)
                      / 1_000_000d);
            });
    o.put("exit_code", exitCode(r));
    return o;
  }

  /**
   * Writes {@code errors.jsonl} and {@code summary.json} into {@code outDir}.
   *
   * @throws IOException when they cannot be written
   */
  static void write(Path outDir, BatchRun.Result r, Path jobFile, List<LineError> refused)
      throws IOException {
    Files.createDirectories(outDir);
    StringBuilder lines = new StringBuilder();
    for (ObjectNode e : errors(r.summary(), jobFile, refused)) {
      lines.append(Json.mapper().writeValueAsString(e)).append('\n');
    }
    replace(outDir.resolve("errors.jsonl"), lines.toString());
    replace(
        outDir.resolve("summary.json"),
        Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(summary(r, jobFile))
            + "\n");
  }

  private static void replace(Path target, String text) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
