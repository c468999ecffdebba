package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.event.RouteDecision;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The report of docs/routing.md ("Accuracy of our labelled cases"): per language and per rule, how
 * many of our labelled cases route as labelled and in how many the prompt's language is identified
 * as labelled. The test computes it from the cases and fails when the docs show another table;
 * {@code -Drouting.report.write=true} writes the computed table into the docs instead (then review
 * the diff).
 */
class RoutingReportTest {
  static final String START = "<!-- routing-report:start (RoutingReportTest writes this table) -->";
  static final String END = "<!-- routing-report:end -->";

  /** Counts of one row. */
  static final class Row {
    int cases;
    int routed;
    int identified;
  }

  static String report(Router router, List<RoutingCases.Case> cases) {
    Map<String, Row> byLanguage = new TreeMap<>();
    Map<String, Row> byRule = new TreeMap<>();
    Row all = new Row();
    for (RoutingCases.Case c : cases) {
      RouteDecision d = router.route(c.job());
      boolean routed = d.modelId().equals(router.target(c.expect())) && d.rule().equals(c.rule());
      boolean identified = c.lang() != null && c.lang().equals(d.language());
      for (Row r :
          List.of(
              byLanguage.computeIfAbsent(c.lang(), k -> new Row()),
              byRule.computeIfAbsent(c.rule(), k -> new Row()),
              all)) {
        r.cases++;
        r.routed += routed ? 1 : 0;
        r.identified += identified ? 1 : 0;
      }
    }
    StringBuilder b = new StringBuilder();
    b.append(
        "| language | cases | routed as labelled | language identified |\n|---|---|---|---|\n");
    byLanguage.forEach(
        (lang, r) ->
            b.append(
                row(
                    lang
                        + " ("
                        + Locale.forLanguageTag(lang).getDisplayLanguage(Locale.ENGLISH)
                        + ")",
                    r)));
    b.append(row("**all**", all));
    b.append("\n| rule | cases | routed as labelled | language identified |\n|---|---|---|---|\n");
    byRule.forEach((rule, r) -> b.append(row("`" + rule + "`", r)));
    return b.toString();
  }

  private static String row(String name, Row r) {
    return String.format(
        Locale.ROOT,
        "| %s | %d | %d (%.0f%%) | %d (%.0f%%) |%n",
        name,
        r.cases,
        r.routed,
        100.0 * r.routed / r.cases,
        r.identified,
        100.0 * r.identified / r.cases);
  }

  @Test
  void docsShowTheReportOfTheCurrentCases() throws IOException {
    String table = report(Router.builtIn(), RoutingCases.ownCases());
    Path docs = RoutingCases.projectRoot().resolve("docs/routing.md");
    String text = Files.readString(docs, StandardCharsets.UTF_8);
    int start = text.indexOf(START);
    int end = text.indexOf(END);
    assertThat(start).as("docs/routing.md has the report markers").isGreaterThanOrEqualTo(0);
    assertThat(end).isGreaterThan(start);
    String shown = text.substring(start + START.length(), end).strip();
    if (Boolean.getBoolean("routing.report.write") && !shown.equals(table.strip())) {
      Files.writeString(
          docs,
          text.substring(0, start + START.length()) + "\n" + table + text.substring(end),
          StandardCharsets.UTF_8);
      return;
    }
    assertThat(shown)
        .as("docs/routing.md's report (rewrite it with -Drouting.report.write=true)")
        .isEqualTo(table.strip());
  }
}
