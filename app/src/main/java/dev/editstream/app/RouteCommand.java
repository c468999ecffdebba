package dev.editstream.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.event.RouteDecision;
import dev.editstream.core.job.Job;
import dev.editstream.core.job.LineError;
import dev.editstream.core.model.CostEstimate;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.producer.JobFileReader;
import dev.editstream.router.InputStager;
import dev.editstream.router.JobPreparer;
import dev.editstream.router.Lexicon;
import dev.editstream.router.PromptLint;
import dev.editstream.router.Router;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code editstream route FILE [--explain]}: a dry run of the router. Reads a JSON Lines job file
 * ({@link JobFileReader}), prepares each valid job exactly as the router-worker would ({@link
 * JobPreparer}: route, prompt lint, local mask check, body built and checked against the model's
 * schema) but with no Kafka and no HTTP: local inputs appear in the body as {@code file:} URIs
 * ({@link InputStager#dryRun(List)}, confined to the job file's folder as the producer is), nothing
 * is submitted.
 *
 * <p>Output, one JSON line per non-blank line of the file, in file order: {@code {"id", "model",
 * "rule", "cues", "body", "warnings"}} for a routed job, {@code {"id", "line", "error": {"field",
 * "rule", "exit_class"}}} for a refused line or a job that cannot be routed ({@code id} null when
 * the line has none); a routed job also carries {@code estimate_usd} and {@code estimate_exact}
 * (catalog price × outputs or seconds). {@code --explain} prints a table (id, model, rule,
 * estimate, cues, warning codes) and the estimated total, followed by the full warnings and errors.
 * The catalog used (cache or built-in by default: no HTTP; {@code --catalog live} reads
 * RunComfy's), missing routing targets, a count and the total go to stderr. Exit 0 when every job
 * routed, 65 otherwise; 64 when FILE is missing.
 */
@Command(
    name = "route",
    mixinStandardHelpOptions = true,
    description =
        "Route a job file without Kafka or HTTP (dry run): one JSON line per job, or a table with --explain.")
public final class RouteCommand implements Callable<Integer> {
  private static final Pattern FIELD =
      Pattern.compile("^([A-Za-z0-9_.\\[\\]]+): (.*)$", Pattern.DOTALL);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "JSON Lines job file.")
  Path jobs;

  @Option(
      names = "--explain",
      description =
          "Print a readable table (id, model, rule, estimate, cues, warnings) instead of JSON lines.")
  boolean explain;

  @Option(
      names = "--strict-routing",
      description =
          "Refuse (class 65) a prompt in a language no routing lexicon covers, as the router-worker does with this option.")
  boolean strictRouting;

  @Option(
      names = "--catalog",
      defaultValue = "cache",
      description =
          "Which model catalog to route over: cache (the disk copy of "
              + "the last live read, else the built-in snapshot; no HTTP), live (read RunComfy's catalog now: needs a token) or built-in "
              + "(default: ${DEFAULT-VALUE}).")
  String catalogSource = "cache";

  @Option(
      names = "--catalog-cache",
      description =
          "The catalog's disk copy (default: $XDG_CACHE_HOME/editstream or ~/.cache/editstream, one file per API base).")
  @Nullable Path catalogCache;

  /**
   * The outcome of one line.
   *
   * @param id the job's id, or {@code null}
   * @param line 1-based line number in the file
   * @param prepared the routed job, or {@code null} on error
   * @param field the field that broke a rule (on error)
   * @param rule the rule broken, in words (on error)
   * @param exitClass the error's exit class (on error), 0 when routed
   * @param job the job as read, or {@code null} for a refused line
   */
  record Row(
      @Nullable String id,
      int line,
      JobPreparer.@Nullable Prepared prepared,
      @Nullable String field,
      @Nullable String rule,
      int exitClass,
      @Nullable Job job) {
    boolean ok() {
      return prepared != null;
    }

    /** The routed job of a row that is {@link #ok()}. */
    JobPreparer.Prepared routed() {
      return Objects.requireNonNull(prepared, "prepared");
    }
  }

  /**
   * @return 0 when every job routed, 65 otherwise
   * @throws IllegalArgumentException (exit 64) when FILE is not a regular file
   * @throws IOException when FILE cannot be read
   */
  @Override
  public Integer call() throws IOException {
    if (!Files.isRegularFile(jobs)) {
      throw new IllegalArgumentException("FILE: not found: " + jobs);
    }
    ModelCatalog catalog = Catalogs.forDryRun(catalogSource, catalogCache);
    Router router = new Router(Lexicon.builtIn(), catalog).withStrictRouting(strictRouting);
    JobPreparer preparer =
        new JobPreparer(
            router,
            catalog,
            PromptLint.of(router.lexicon()),
            InputStager.dryRun(List.of(jobs.toAbsolutePath().normalize().getParent())));
    List<Row> rows = route(jobs, preparer);
    PrintWriter out = spec.commandLine().getOut();
    if (explain) {
      explain(rows, out, router);
    } else {
      rows.forEach(r -> out.println(json(r)));
    }
    out.flush();
    long failed = rows.stream().filter(r -> !r.ok()).count();
    PrintWriter err = spec.commandLine().getErr();
    err.println(Catalogs.describe(catalog));
    router
        .missingTargets()
        .forEach(
            m ->
                err.println(
                    "routing target missing from the catalog: "
                        + m
                        + " (jobs routed to it fail, class 65)"));
    err.printf("%d jobs routed, %d lines not routed%n", rows.size() - failed, failed);
    err.println(total(rows));
    err.flush();
    return failed == 0 ? 0 : 65;
  }

  /**
   * Reads and prepares every line of a job file, in file order.
   *
   * @throws IOException when the file cannot be read
   */
  static List<Row> route(Path file, JobPreparer preparer) throws IOException {
    List<Integer> lines = nonBlankLines(file);
    List<Row> rows = new ArrayList<>();
    JobFileReader.read(
        file,
        job ->
            rows.add(
                prepare(job, rows.size() < lines.size() ? lines.get(rows.size()) : 0, preparer)),
        e -> rows.add(refused(e)));
    return rows;
  }

  private static Row prepare(Job job, int line, JobPreparer preparer) {
    try {
      return new Row(job.id(), line, preparer.prepare(job), null, null, 0, job);
    } catch (StageException e) {
      String msg = String.valueOf(e.getMessage());
      String prefix = "job " + job.id() + ": ";
      String text = msg.startsWith(prefix) ? msg.substring(prefix.length()) : msg;
      Matcher m = FIELD.matcher(text);
      return m.matches()
          ? new Row(job.id(), line, null, m.group(1), m.group(2), e.exitClass().code(), job)
          : new Row(
              job.id(), line, null, defaultField(e.reason()), text, e.exitClass().code(), job);
    }
  }

  /**
   * {@code estimated cost: $1.2345 for 30 jobs (exact for 12; the rest from base prices or built-in
   * estimates)}.
   */
  static String total(List<Row> rows) {
    double usd = 0;
    int n = 0;
    int exact = 0;
    for (Row r : rows) {
      if (r.ok() && r.routed().route().estimate() != null) {
        CostEstimate e = r.routed().route().estimate();
        usd += e.usd();
        n++;
        exact += e.exact() ? 1 : 0;
      }
    }
    return String.format(
        java.util.Locale.ROOT,
        "estimated cost: $%.4f for %d jobs (exact for %d; the rest are base prices or "
            + "editstream's built-in estimates, the actual cost can be higher)",
        usd,
        n,
        exact);
  }

  /** The field a failure without a {@code field: } prefix is about, from its reason. */
  private static String defaultField(FailureReason reason) {
    return switch (reason) {
      case SCHEMA -> "body";
      case UNKNOWN_MODEL, MODEL_UNAVAILABLE, SCHEMA_UNUSABLE -> "model";
      case MASK -> "mask";
      default -> "inputs";
    };
  }

  private static Row refused(LineError e) {
    return new Row(e.jobId(), e.line(), null, e.field(), e.rule(), e.exitClass(), null);
  }

  /**
   * The 1-based numbers of the lines {@link JobFileReader} hands on (it skips blank lines), in
   * order.
   */
  static List<Integer> nonBlankLines(Path file) throws IOException {
    List<Integer> out = new ArrayList<>();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      ByteArrayOutputStream line = new ByteArrayOutputStream(512);
      int lineNo = 0;
      int b;
      boolean any = false;
      do {
        b = in.read();
        if (b >= 0 && b != '\n') {
          any = true;
          if (line.size() < 4096) {
            line.write(b);
          }
          continue;
        }
        if (b < 0 && !any) {
          break;
        }
        lineNo++;
        if (!new String(line.toByteArray(), StandardCharsets.UTF_8).isBlank()
            || line.size() >= 4096) {
          out.add(lineNo);
        }
        line.reset();
        any = false;
      } while (b >= 0);
    }
    return out;
  }

  /** One JSON line for a row. */
  static String json(Row r) {
    ObjectNode o = Json.mapper().createObjectNode();
    o.put("id", r.id());
    if (r.ok()) {
      RouteDecision d = r.routed().route();
      o.put("model", d.modelId());
      o.put("rule", d.rule());
      if (d.language() != null) {
        o.put("language", d.language());
        o.put("confidence", d.confidence());
      }
      ArrayNode cues = o.putArray("cues");
      r.routed().route().cues().forEach(cues::add);
      o.set("body", r.routed().body());
      CostEstimate e = r.routed().route().estimate();
      if (e != null) {
        o.put("estimate_usd", e.usd());
        o.put("estimate_exact", e.exact());
      }
      ArrayNode warnings = o.putArray("warnings");
      r.routed().route().warnings().forEach(warnings::add);
    } else {
      o.put("line", r.line());
      ObjectNode err = o.putObject("error");
      err.put("field", r.field());
      err.put("rule", r.rule());
      err.put("exit_class", r.exitClass());
    }
    try {
      return Json.mapper().writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void explain(List<Row> rows, PrintWriter out, Router router) {
    List<String[]> table = new ArrayList<>();
    table.add(new String[] {"ID", "MODEL", "RULE", "LANGUAGE", "ESTIMATE", "CUES", "WARNINGS"});
    for (Row r : rows) {
      String id = r.id() == null ? "(line " + r.line() + ")" : r.id();
      if (r.ok()) {
        RouteDecision d = r.routed().route();
        List<String> codes =
            d.warnings().stream()
                .map(w -> w.contains(":") ? w.substring(0, w.indexOf(':')) : w)
                .toList();
        table.add(
            new String[] {
              id,
              d.modelId(),
              d.rule(),
              language(d),
              d.estimate() == null ? "-" : d.estimate().describe(),
              d.cues().isEmpty() ? "-" : String.join(", ", d.cues()),
              codes.isEmpty() ? "-" : String.join(", ", codes)
            });
      } else {
        table.add(
            new String[] {id, "-", "error (" + r.exitClass() + ")", "-", "-", r.field(), "-"});
      }
    }
    int cols = table.get(0).length;
    int[] width = new int[cols - 1];
    for (String[] row : table) {
      for (int i = 0; i < cols - 1; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    for (String[] row : table) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < cols - 1; i++) {
        b.append(row[i]).append(" ".repeat(width[i] - row[i].length() + 2));
      }
      out.println(b.append(row[cols - 1]));
    }
    out.println();
    out.println(total(rows));
    List<String> why = new ArrayList<>();
    for (Row r : rows) {
      if (r.ok()) {
        why.add(
            "  " + r.id() + ": " + why(router.candidates(Objects.requireNonNull(r.job(), "job"))));
      }
    }
    if (!why.isEmpty()) {
      out.println();
      out.println("why each rule won (rules are tried in order; the first that applies decides):");
      why.forEach(out::println);
    }
    List<String> notes = new ArrayList<>();
    for (Row r : rows) {
      String id = r.id() == null ? "(line " + r.line() + ")" : r.id();
      if (r.ok()) {
        r.routed().route().warnings().forEach(w -> notes.add("  " + id + ": " + w));
      } else {
        notes.add(
            "  "
                + id
                + " (line "
                + r.line()
                + "): error "
                + r.exitClass()
                + ": "
                + r.field()
                + ": "
                + r.rule());
      }
    }
    if (!notes.isEmpty()) {
      out.println();
      out.println("warnings and errors:");
      notes.forEach(out::println);
    }
  }

  /** {@code de 0.83}, or {@code -} when the router identified no language. */
  static String language(RouteDecision d) {
    return d.language() == null
        ? "-"
        : d.language()
            + (d.confidence() == null
                ? ""
                : String.format(java.util.Locale.ROOT, " %.2f", d.confidence()));
  }

  /**
   * One line on why the winning rule won: its cues, and each rule that also applied and lost to it
   * by order, with that rule's cues ({@code mask (mask:given) won over multi-reference (images:2,
   * reference:image 2)}).
   */
  static String why(List<RouteDecision> candidates) {
    RouteDecision won = candidates.get(0);
    StringBuilder b = new StringBuilder(won.rule()).append(cueList(won));
    List<RouteDecision> lost =
        candidates.stream().skip(1).filter(c -> !c.rule().equals("default")).toList();
    if (lost.isEmpty()) {
      return b.append(
              won.rule().equals("default")
                  ? ": no rule's cues were found"
                  : ": no other rule applied")
          .toString();
    }
    b.append(" won over ");
    for (int i = 0; i < lost.size(); i++) {
      b.append(i == 0 ? "" : ", ").append(lost.get(i).rule()).append(cueList(lost.get(i)));
    }
    return b.toString();
  }

  private static String cueList(RouteDecision d) {
    return d.cues().isEmpty() ? "" : " (" + String.join(", ", d.cues()) + ")";
  }
}
