package dev.editstream.app;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.core.model.ModelSpec;
import dev.editstream.router.CatalogLoader;
import dev.editstream.router.Lexicon;
import dev.editstream.router.Router;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.RunComfyConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code editstream models}: RunComfy's model catalog as editstream reads it: id, category, price,
 * unit, required fields, source (live, cache or built-in) and age; {@code --diff} shows what
 * changed against editstream's built-in snapshot and how each routing target resolves; {@code
 * --write-snapshot FILE} saves the live catalog as a new built-in snapshot (docs/runcomfy.md). Exit
 * 0; 65 with {@code --diff} when a routing target is missing from the catalog.
 */
@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    description =
        "List RunComfy's model catalog (live by default), show drift against the built-in snapshot (--diff) or save a new snapshot.")
public final class ModelsCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--catalog",
      defaultValue = "live",
      description =
          "live (RunComfy's API, falling back to the disk copy, then the "
              + "built-in snapshot), cache or built-in (default: ${DEFAULT-VALUE}).")
  String source = "live";

  @Option(
      names = "--catalog-cache",
      description =
          "The catalog's disk copy (default: $XDG_CACHE_HOME/editstream or ~/.cache/editstream).")
  @Nullable Path cacheFile;

  @Option(
      names = "--search",
      description =
          "Only models whose id or name contains this (case-insensitive; '.' and '-' alike).")
  @Nullable String search;

  @Option(
      names = "--category",
      description = "Only models of this category (e.g. image-to-image, edit-video).")
  @Nullable String category;

  @Option(
      names = "--diff",
      description =
          "Show what changed against editstream's built-in snapshot, and how each routing target resolves.")
  boolean diff;

  @Option(names = "--json", description = "One JSON object per model instead of a table.")
  boolean json;

  @Option(
      names = "--write-snapshot",
      paramLabel = "FILE",
      description =
          "Read the live catalog and write it as a built-in snapshot "
              + "(core/src/main/resources/editstream/models/catalog-snapshot.json).")
  @Nullable Path snapshot;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (snapshot != null) {
      return writeSnapshot(out, snapshot);
    }
    ModelCatalog c = Catalogs.forDryRun(source, cacheFile);
    err.println(Catalogs.describe(c));
    List<ModelSpec> models = c.all().stream().filter(this::matches).toList();
    for (ModelSpec m : models) {
      out.println(json ? Json.mapper().writeValueAsString(row(m, c)) : line(m, c));
    }
    c.problems().forEach((id, why) -> err.println("not understood: " + id + ": " + why));
    if (!diff) {
      out.flush();
      return 0;
    }
    out.println();
    out.println(
        "changes against editstream's built-in snapshot of "
            + ModelCatalog.builtIn().fetchedAt()
            + ":");
    List<String> changes = CatalogDiff.lines(c, ModelCatalog.builtIn());
    (changes.isEmpty() ? List.of("  (none)") : changes.stream().map(l -> "  " + l).toList())
        .forEach(out::println);
    out.println();
    out.println("routing targets:");
    Router router = new Router(Lexicon.builtIn(), c);
    for (String t : Router.TARGETS) {
      String got = router.target(t);
      out.println(
          "  "
              + t
              + (router.missingTargets().contains(t)
                  ? "  MISSING: jobs routed here fail (class 65) before any payment"
                  : got.equals(t) ? "  ok" : "  -> " + got));
    }
    out.flush();
    return router.missingTargets().isEmpty() ? 0 : 65;
  }

  private boolean matches(ModelSpec m) {
    if (category != null && !m.categories().contains(category)) {
      return false;
    }
    if (search == null) {
      return true;
    }
    String s = ModelCatalog.spelling(search);
    return ModelCatalog.spelling(m.modelId()).contains(s)
        || ModelCatalog.spelling(m.displayName()).contains(s);
  }

  private static String line(ModelSpec m, ModelCatalog c) {
    return String.format(
        Locale.ROOT,
        "%-48s %-16s %-26s required %-40s %s",
        m.modelId(),
        m.category(),
        CatalogDiff.price(m),
        String.join(",", m.required()),
        c.source().wire());
  }

  private static ObjectNode row(ModelSpec m, ModelCatalog c) {
    ObjectNode o = Json.mapper().createObjectNode();
    o.put("model_id", m.modelId());
    ArrayNode cats = o.putArray("categories");
    m.categories().forEach(cats::add);
    o.put("base_price_usd", m.price().baseUsd());
    o.put("price_unit", m.price().unit());
    o.put("pricing_mode", m.price().mode());
    ArrayNode req = o.putArray("required");
    m.required().forEach(req::add);
    ObjectNode f = o.putObject("job_fields");
    f.put("prompt", m.fields().prompt());
    f.put("images", m.fields().images());
    f.put("images_array", m.fields().imagesArray());
    f.put("mask", m.fields().mask());
    f.put("video", m.fields().video());
    o.put("source", c.source().wire());
    o.put("read_at", c.fetchedAt().toString());
    o.put("age_s", Math.max(0, Duration.between(c.fetchedAt(), Instant.now()).toSeconds()));
    return o;
  }

  private int writeSnapshot(PrintWriter out, Path snapshot) throws IOException {
    RunComfyConfig rc =
        RunComfyConfig.fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
    ArrayNode models;
    try (RunComfyClient client = new RunComfyClient(rc)) {
      models =
          Objects.requireNonNull( // fetchLive yields the catalog or fails
              CatalogLoader.fetchLive(client).block(Catalogs.LIVE_TIMEOUT), "catalog");
    }
    ObjectNode doc = Json.mapper().createObjectNode();
    doc.put(
        "_source",
        "RunComfy's live catalog (GET /v1/models?include_schema=true) read by `editstream models --write-snapshot` from "
            + rc.baseUrl()
            + "; used only when neither the live catalog nor its disk cache can be read (docs/runcomfy.md)");
    doc.put("snapshot_at", Clock.systemUTC().instant().toString());
    doc.set("models", models);
    doc.put("total", models.size());
    Path parent = snapshot.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.write(snapshot, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(doc));
    out.println("wrote " + models.size() + " models to " + snapshot);
    out.flush();
    return 0;
  }
}
