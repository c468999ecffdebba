package dev.editstream.core.model;

import org.jspecify.annotations.Nullable;

/**
 * One pre-flight rule of a model's input file, as RunComfy's catalog writes it inside an {@code
 * input_schema} property: {@code "validations": [{"validation_rule": "file_size_mb<",
 * "validation_value": 30, "validation_error": "..."}]} ({@code runcomfy-live-contract.md} §2). Such
 * rules are not JSON Schema: the router checks them against the inputs it can see (local files) and
 * reports the rest as not checked.
 *
 * @param field the body field the rule belongs to, e.g. {@code image_url}
 * @param rule the rule as written, e.g. {@code file_size_mb<}, {@code aspect_ratio>=}, {@code
 *     width>}
 * @param value the rule's value as written: a number ({@code 30}) or a ratio ({@code 1:16})
 * @param error RunComfy's own message for a breach, or {@code null}
 */
public record InputValidation(String field, String rule, String value, @Nullable String error) {
  /** {@code image_url: file_size_mb< 30}. */
  public String describe() {
    return field + ": " + rule + " " + value;
  }
}
