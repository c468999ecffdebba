package dev.editstream.runcomfy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Finds the files a RunComfy result points to. Pure.
 *
 * <p>The output shape is per model and undocumented: RunComfy's own clients read {@code
 * output.images}, {@code output.image}, {@code output.video(s)}, and its MCP server scans for
 * {@code url}, {@code path}, {@code audio}. The robust rule (from {@code runcomfy-model-api.md}):
 * every http(s) string anywhere inside {@code output}, never outside it (the result record also
 * carries API links that are not files).
 *
 * <p>A hostile answer cannot make the list unbounded: at most {@code maxUrls} URLs are taken
 * (default {@value #DEFAULT_MAX_URLS}, {@link DownloadConfig#maxOutputUrls()}), and strings longer
 * than {@value DownloadPolicy#MAX_URL_CHARS} characters are skipped.
 */
public final class OutputUrls {
  /** The default cap on URLs taken from one result. */
  public static final int DEFAULT_MAX_URLS = 1000;

  private OutputUrls() {}

  /**
   * What {@link #find} found.
   *
   * @param urls the URLs taken, in document order, without duplicates, at most the cap
   * @param truncated whether the output held more (distinct) URLs than the cap
   */
  public record Found(List<String> urls, boolean truncated) {}

  /**
   * As {@link #find(JsonNode, int)} with the default cap of {@value #DEFAULT_MAX_URLS}, URLs only.
   *
   * @param output the result's {@code output} node, or {@code null}
   * @return every string value inside it that starts with {@code http://} or {@code https://}
   *     (case-insensitive, surrounding whitespace trimmed), in document order, without duplicates,
   *     at most {@value #DEFAULT_MAX_URLS}
   */
  public static List<String> collect(@Nullable JsonNode output) {
    return find(output, DEFAULT_MAX_URLS).urls();
  }

  /**
   * @param output the result's {@code output} node, or {@code null}
   * @param maxUrls the most URLs to take, at least 1
   * @return the first {@code maxUrls} http(s) strings (see {@link #collect}) and whether there were
   *     more
   * @throws IllegalArgumentException when {@code maxUrls} is below 1
   */
  public static Found find(@Nullable JsonNode output, int maxUrls) {
    if (maxUrls < 1) {
      throw new IllegalArgumentException("maxUrls: must be at least 1, was " + maxUrls);
    }
    Set<String> found = new LinkedHashSet<>();
    boolean more = walk(output, found, maxUrls);
    return new Found(List.copyOf(new ArrayList<>(found)), more);
  }

  /**
   * @return true when a URL beyond the cap was seen (the walk stops there)
   */
  private static boolean walk(@Nullable JsonNode node, Set<String> found, int max) {
    if (node == null) {
      return false;
    }
    if (node.isTextual()) {
      String s = node.asText().trim();
      if (s.length() > 8 && s.length() <= DownloadPolicy.MAX_URL_CHARS) {
        String lower = s.substring(0, 8).toLowerCase(Locale.ROOT);
        if ((lower.startsWith("https://") || lower.startsWith("http://"))
            && s.chars().noneMatch(Character::isWhitespace)
            && !found.contains(s)) {
          if (found.size() >= max) {
            return true;
          }
          found.add(s);
        }
      }
    } else if (node.isContainerNode()) {
      for (JsonNode child : node) {
        if (walk(child, found, max)) {
          return true;
        }
      }
    }
    return false;
  }
}
