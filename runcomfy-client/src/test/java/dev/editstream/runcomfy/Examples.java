package dev.editstream.runcomfy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The documented RunComfy exchanges of {@code shared/runcomfy-examples/*.json}: found from the
 * system property {@code editstream.examples}, else by walking up from the working directory.
 */
final class Examples {
  private static final Path DIR = locate();

  private Examples() {}

  /** The {@code body} field of one example file, as JSON text. */
  static String bodyText(String file) {
    return body(file).toString();
  }

  /** The {@code body} field of one example file. */
  static JsonNode body(String file) {
    try {
      JsonNode node = Json.mapper().readTree(DIR.resolve(file).toFile());
      return node.get("body");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path locate() {
    String prop = System.getProperty("editstream.examples");
    if (prop != null) {
      return Path.of(prop);
    }
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path candidate = p.resolve("shared").resolve("runcomfy-examples");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "shared/runcomfy-examples not found above "
            + Path.of("").toAbsolutePath()
            + "; set -Deditstream.examples=<dir>");
  }
}
