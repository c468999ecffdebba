package dev.editstream.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names the deploy files depend on: every name referenced by an {@code expr} of {@code
 * deploy/prometheus/alerts.yml} and of {@code deploy/grafana/editstream-dashboard.json}, found by a
 * small PromQL tokenizer ({@link #metricNames(String)}) that skips functions, aggregations,
 * keywords, label matchers, grouping label lists, string literals, durations, numbers and Grafana
 * variables. A test against a live {@code /metrics} compares these names with what the workers
 * serve.
 */
final class DeployMetrics {
  private DeployMetrics() {}

  /** Keywords and operators that look like identifiers but are no metric. */
  private static final Set<String> KEYWORDS =
      Set.of(
          "and",
          "or",
          "unless",
          "bool",
          "offset",
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "inf",
          "nan",
          "start",
          "end",
          "atan2");

  /** Keywords followed by a parenthesised list of label names. */
  private static final Set<String> LABEL_LISTS =
      Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

  private static final Pattern TOKEN =
      Pattern.compile(
          "(?<num>\\d[\\d.]*(?:[eE][+-]?\\d+)?(?:ms|[smhdwy])*(?:\\d+(?:ms|[smhdwy]))*)"
              + "|(?<var>\\$\\{[^}]*}|\\$\\w+)"
              + "|(?<id>[a-zA-Z_:][a-zA-Z0-9_:]*)"
              + "|(?<str>\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`)"
              + "|(?<brace>\\{)|(?<bracket>\\[)|(?<open>\\()|(?<other>\\S)");

  /**
   * The project's {@code deploy/} folder, from the module or the project root as working directory.
   */
  static Path deployDir() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path d = p.resolve("deploy");
      if (Files.isDirectory(d.resolve("prometheus"))) {
        return d;
      }
    }
    throw new IllegalStateException("no deploy/prometheus above " + Path.of("").toAbsolutePath());
  }

  /** Every metric name referenced in alerts.yml and the dashboard's {@code expr}s. */
  static Set<String> promqlMetricNames() {
    Set<String> names = new TreeSet<>();
    expressions().forEach(e -> names.addAll(metricNames(e)));
    return names;
  }

  /**
   * The PromQL expressions of alerts.yml (rules' {@code expr}) and of the dashboard (targets'
   * {@code expr}).
   */
  static List<String> expressions() {
    try {
      List<String> out = new ArrayList<>();
      JsonNode alerts =
          new ObjectMapper(new YAMLFactory())
              .readTree(deployDir().resolve("prometheus/alerts.yml").toFile());
      for (JsonNode group : alerts.path("groups")) {
        for (JsonNode rule : group.path("rules")) {
          out.add(rule.path("expr").asText());
        }
      }
      JsonNode dashboard =
          new ObjectMapper()
              .readTree(deployDir().resolve("grafana/editstream-dashboard.json").toFile());
      dashboard.findValues("expr").forEach(e -> out.add(e.asText()));
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The metric names of one PromQL expression: identifiers not followed by {@code (} (a function or
   * aggregation, also {@code sum by (l) (...)}), not a keyword, outside braces, brackets and
   * grouping lists.
   */
  static Set<String> metricNames(String promql) {
    Set<String> names = new TreeSet<>();
    List<String[]> tokens = new ArrayList<>();
    Matcher m = TOKEN.matcher(promql);
    int i = 0;
    while (i < promql.length()) {
      if (Character.isWhitespace(promql.charAt(i))) {
        i++;
        continue;
      }
      if (!m.find(i) || m.start() != i) {
        throw new IllegalArgumentException("cannot tokenize at " + i + ": " + promql);
      }
      for (String kind : List.of("num", "var", "id", "str", "brace", "bracket", "open", "other")) {
        if (m.group(kind) != null) {
          tokens.add(new String[] {kind, m.group(kind)});
          break;
        }
      }
      i = m.end();
    }
    for (int t = 0; t < tokens.size(); t++) {
      String kind = tokens.get(t)[0];
      String text = tokens.get(t)[1];
      if (kind.equals("brace")) {
        t = skipTo(tokens, t, "}");
      } else if (kind.equals("bracket")) {
        t = skipTo(tokens, t, "]");
      } else if (kind.equals("id")) {
        String next = t + 1 < tokens.size() ? tokens.get(t + 1)[1] : "";
        // a call, or an aggregation with its grouping first: sum by (stage) (...)
        boolean call =
            next.equals("(")
                || (!LABEL_LISTS.contains(text) && (next.equals("by") || next.equals("without")));
        if (LABEL_LISTS.contains(text)) {
          if (call) {
            t = skipTo(tokens, t + 1, ")");
          }
        } else if (!call && !KEYWORDS.contains(text.toLowerCase(java.util.Locale.ROOT))) {
          names.add(text);
        }
      }
    }
    return names;
  }

  /**
   * The index of the token closing the group opened at {@code from} (strings inside are single
   * tokens).
   */
  private static int skipTo(List<String[]> tokens, int from, String close) {
    for (int t = from + 1; t < tokens.size(); t++) {
      if (tokens.get(t)[1].equals(close)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unclosed group, expected " + close);
  }
}
