package dev.editstream.router;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.core.job.Job;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads labelled routing cases ({@code job}, {@code expect}, {@code intent}, optional {@code rule},
 * {@code lang}).
 */
final class RoutingCases {
  private RoutingCases() {}

  /** One labelled case. */
  record Case(Job job, String expect, String intent, String rule, String lang) {
    @Override
    public String toString() {
      return job.id() + " (" + intent + ")";
    }
  }

  /**
   * The project root: the nearest ancestor of the working directory whose pom lists the core
   * module.
   */
  static Path projectRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path pom = dir.resolve("pom.xml");
      try {
        if (Files.isRegularFile(pom) && Files.readString(pom).contains("<module>core</module>")) {
          return dir;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalStateException(
        "no pom.xml with <module>core</module> above " + Path.of("").toAbsolutePath());
  }

  /** {@code ../shared/routing/routing-cases.jsonl} from the project root. */
  static Path sharedCases() {
    return projectRoot().resolve("../shared/routing/routing-cases.jsonl").normalize();
  }

  /** The folder of this module's own labelled cases: one {@code <lang>.jsonl} per language. */
  static Path ownCasesFolder() {
    return projectRoot().resolve("router-worker/src/test/resources/routing/cases");
  }

  /** This module's own labelled cases, every language's file in name order. */
  static List<Case> ownCases() {
    List<Case> out = new ArrayList<>();
    try (java.util.stream.Stream<Path> files = Files.list(ownCasesFolder())) {
      for (Path f :
          files.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList()) {
        out.addAll(load(f));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + ownCasesFolder(), e);
    }
    return out;
  }

  static List<Case> load(Path file) {
    List<Case> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode node = Json.mapper().readTree(line);
        Job job = Json.mapper().treeToValue(node.get("job"), Job.class);
        out.add(
            new Case(
                job,
                node.path("expect").asText(),
                node.path("intent").asText(),
                node.path("rule").asText(null),
                node.path("lang").asText(null)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read routing cases " + file, e);
    }
    return out;
  }
}
