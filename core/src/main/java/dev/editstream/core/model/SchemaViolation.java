package dev.editstream.core.model;

/**
 * One rule a request body breaks.
 *
 * @param field the body field, as a path ({@code images}, {@code loras[0].scale}; {@code $} for the
 *     whole body)
 * @param rule the rule in words, e.g. "must have at most 10 items"
 */
public record SchemaViolation(String field, String rule) {
  /** {@code field: rule}. */
  public String describe() {
    return field + ": " + rule;
  }
}
