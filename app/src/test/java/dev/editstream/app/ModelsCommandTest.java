package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.router.CatalogCache;
import dev.editstream.router.Router;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 11, point 2: {@code editstream models} lists the catalog (id, category, price, required
 * fields, source, age), {@code --diff} shows the changes against the built-in snapshot and how each
 * routing target resolves, and exits 65 when a target is missing, before any job is paid for.
 */
class ModelsCommandTest {
  @TempDir Path dir;

  record Ran(int exit, String out, String err) {}

  static Ran models(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = EditstreamCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    String[] all = new String[args.length + 1];
    all[0] = "models";
    System.arraycopy(args, 0, all, 1, args.length);
    int exit = cl.execute(all);
    return new Ran(exit, out.toString(), err.toString());
  }

  /** The built-in snapshot's model entries, as RunComfy's API lists them. */
  static ArrayNode snapshotEntries() throws Exception {
    try (InputStream in =
        ModelCatalog.class.getResourceAsStream("/editstream/models/catalog-snapshot.json")) {
      return (ArrayNode) Json.mapper().readTree(in).path("models");
    }
  }

  /** A disk copy of the live catalog read {@code age} ago, holding {@code entries}. */
  Path cache(ArrayNode entries, Duration age) throws Exception {
    Path f = dir.resolve("catalog-cache.json");
    new CatalogCache(f).write(Catalogs.baseUrl(), entries, Instant.now().minus(age));
    return f;
  }

  @Test
  void shouldListEveryModelWithItsCategoryPriceRequiredFieldsAndSource() {
    Ran r = models("--catalog", "built-in");
    assertThat(r.exit()).isZero();
    assertThat(r.err()).contains("catalog: editstream's built-in snapshot");
    List<String> lines = r.out().lines().toList();
    assertThat(lines).hasSize(ModelCatalog.builtIn().all().size());
    String nano =
        lines.stream()
            .filter(l -> l.startsWith(Router.NANO_BANANA + " "))
            .findFirst()
            .orElseThrow();
    assertThat(nano).contains("required", "built-in").containsPattern("\\$\\d");

    Ran json = models("--catalog", "built-in", "--json", "--search", "nano banana");
    assertThat(json.exit()).isZero();
    List<JsonNode> rows =
        json.out()
            .lines()
            .map(
                l -> {
                  try {
                    return Json.mapper().readTree(l);
                  } catch (Exception e) {
                    throw new IllegalStateException(l, e);
                  }
                })
            .toList();
    assertThat(rows)
        .isNotEmpty()
        .allSatisfy(
            o -> {
              assertThat(o.path("model_id").asText()).contains("nano-banana");
              assertThat(o.path("source").asText()).isEqualTo("built-in");
              assertThat(o.has("base_price_usd") && o.has("required") && o.has("age_s")).isTrue();
            });
  }

  @Test
  void shouldShowTheCachesAgeAndNoChangesWhenItHoldsTheSnapshot() throws Exception {
    Path f = cache(snapshotEntries(), Duration.ofHours(5));
    Ran r = models("--catalog", "cache", "--catalog-cache", f.toString(), "--diff");
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.err()).contains("catalog: disk copy of the live catalog read", "old");
    assertThat(r.out()).contains("routing targets:");
    for (String t : Router.TARGETS) {
      assertThat(r.out()).contains("  " + t + "  ok");
    }
  }

  @Test
  void shouldResolveATargetSpelledTheOtherWayAndExit65WhenOneIsMissing() throws Exception {
    ArrayNode entries = Json.mapper().createArrayNode();
    for (JsonNode e : snapshotEntries()) {
      String id = e.path("model_id").asText();
      if (id.equals(Router.SEEDREAM)) {
        continue; // gone from the catalog
      }
      ObjectNode copy = e.deepCopy();
      if (id.equals(Router.WAN)) {
        copy.put("model_id", id.replace("2.7", "2-7")); // the other spelling
      }
      entries.add(copy);
    }
    Ran r =
        models(
            "--catalog",
            "cache",
            "--catalog-cache",
            cache(entries, Duration.ofMinutes(3)).toString(),
            "--diff");
    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(65);
    assertThat(r.out())
        .contains(
            "  "
                + Router.SEEDREAM
                + "  MISSING: jobs routed here fail (class 65) before any payment");
    assertThat(r.out()).contains("  " + Router.WAN + "  -> " + Router.WAN.replace("2.7", "2-7"));
    assertThat(r.out()).contains("changes against editstream's built-in snapshot");
  }
}
