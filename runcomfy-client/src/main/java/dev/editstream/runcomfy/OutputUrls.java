package dev.editstream.runcomfy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Finds the files a RunComfy result points to. Pure.
 *
 * <p>The output shape is per model and undocumented: RunComfy's own clients read {@code
 * output.images}, {@code output.image}, {@code output.video(s)}, and its MCP server scans for
 * {@code url}, {@code path}, {@code audio}. The robust rule (from {@code runcomfy-model-api.md}):
 * every http(s) string anywhere inside {@code output}, never outside it (the result record also
 * carries API links that are not files).
 */
public final class OutputUrls {
  private OutputUrls() {}

  /**
   * @param output the result's {@code output} node, or {@code null}
   * @return every string value inside it that starts with {@code http://} or {@code https://}
   *     (case-insensitive, surrounding whitespace trimmed), in document order, without duplicates
   */
  public static List<String> collect(JsonNode output) {
    Set<String> found = new LinkedHashSet<>();
    walk(output, found);
    return List.copyOf(new ArrayList<>(found));
  }

  private static void walk(JsonNode node, Set<String> found) {
    if (node == null) {
      return;
    }
    if (node.isTextual()) {
      String s = node.asText().trim();
      String lower = s.toLowerCase(Locale.ROOT);
      if ((lower.startsWith("https://") || lower.startsWith("http://"))
          && s.length() > 8
          && s.chars().noneMatch(Character::isWhitespace)) {
        found.add(s);
      }
    } else if (node.isContainerNode()) {
      node.forEach(child -> walk(child, found));
    }
  }
}
