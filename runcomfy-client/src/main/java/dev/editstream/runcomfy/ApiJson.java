package dev.editstream.runcomfy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * Parses API answers with bounds tighter than core's {@link Json#mapper()} (Jackson 2.20 defaults:
 * nesting 1,000, strings 20,000,000 characters, numbers 1,000 digits, no token limit), so a hostile
 * answer cannot exhaust the stack, the heap or the CPU. Pure.
 *
 * <p>Limits: nesting depth {@value #MAX_DEPTH}, numbers {@value #MAX_NUMBER_CHARS} characters,
 * property names {@value #MAX_NAME_CHARS} characters, {@value #MAX_TOKENS} tokens per document;
 * string and document lengths are bounded by the answer's byte cap ({@link
 * RunComfyConfig#maxResponseBytes()}), which is checked before parsing. Parsing is iterative in
 * Jackson's tree reader, so even a document at the depth limit needs no deep stack.
 */
final class ApiJson {
  /** Deepest nesting of arrays and objects accepted (RunComfy's schemas nest about 10 deep). */
  static final int MAX_DEPTH = 256;

  /** Longest number accepted, characters. */
  static final int MAX_NUMBER_CHARS = 100;

  /** Longest property name accepted, characters. */
  static final int MAX_NAME_CHARS = 4096;

  /** Most tokens in one answer (a 500-model catalog page with schemas has about 10^5). */
  static final long MAX_TOKENS = 2_000_000;

  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(MAX_DEPTH)
                  .maxNumberLength(MAX_NUMBER_CHARS)
                  .maxNameLength(MAX_NAME_CHARS)
                  .maxTokenCount(MAX_TOKENS)
                  .build())
          .build();

  private ApiJson() {}

  /**
   * @param body an answer's text
   * @return the JSON tree, or {@code null} for a blank body, text that is not JSON, or JSON outside
   *     the limits
   */
  static @Nullable JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try (JsonParser p = FACTORY.createParser(body)) {
      JsonNode node = Json.mapper().readTree(p);
      return node == null || node.isMissingNode() ? null : node;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
