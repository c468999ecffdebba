package dev.editstream.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns an {@code input_schema} in RunComfy's dialect into standard JSON Schema (draft-07), the way
 * RunComfy's own tools do before validating (runcomfy-live-contract.md §2). Pure; the input is not
 * modified.
 *
 * <ul>
 *   <li>{@code "type": "float"} becomes {@code "number"} (also inside a type array); fed raw, a
 *       validator refuses every value of such a field;
 *   <li>{@code "default": null} is dropped (RunComfy puts it on integers such as {@code seed});
 *   <li>the non-standard {@code "format"}s ({@link #URI_FORMATS}) and {@code "validations"} (file
 *       size, aspect ratio, width/height and duration rules on input files) are dropped: they
 *       describe the files behind the URLs, which a body check cannot see.
 * </ul>
 *
 * <p>Only schema positions are rewritten ({@code properties}, {@code items}, {@code anyOf}, ...),
 * never values ({@code enum}, {@code const}, {@code default}, {@code examples}) nor property names,
 * so a field named {@code format} survives.
 */
final class SchemaDialect {
  /** The URL-input formats of the dialect (runcomfy-live-contract.md §2). */
  static final Set<String> URI_FORMATS =
      Set.of("image_uri", "image_uris", "video_uri", "video_uris", "audio_uri", "audio_uris");

  /** Keywords whose value is one schema. */
  private static final Set<String> ONE_SCHEMA =
      Set.of(
          "not",
          "if",
          "then",
          "else",
          "contains",
          "propertyNames",
          "additionalProperties",
          "additionalItems",
          "items");

  /** Keywords whose value is an array of schemas. */
  private static final Set<String> SCHEMA_ARRAY = Set.of("anyOf", "allOf", "oneOf", "items");

  /** Keywords whose value maps names to schemas. */
  private static final Set<String> SCHEMA_MAP =
      Set.of("properties", "patternProperties", "definitions", "$defs", "dependencies");

  private SchemaDialect() {}

  /**
   * The standard JSON Schema of a dialect schema.
   *
   * @param dialect an {@code input_schema} as RunComfy's catalog gives it
   * @return a new tree; a non-object input is returned as a copy, unchanged
   */
  static JsonNode toStandard(JsonNode dialect) {
    JsonNode copy = dialect.deepCopy();
    if (copy.isObject()) {
      rewrite((ObjectNode) copy);
    }
    return copy;
  }

  private static void rewrite(ObjectNode schema) {
    JsonNode type = schema.get("type");
    if (type != null && type.isTextual() && type.asText().equals("float")) {
      schema.put("type", "number");
    } else if (type != null && type.isArray()) {
      ArrayNode types = (ArrayNode) type;
      for (int i = 0; i < types.size(); i++) {
        if (types.get(i).asText().equals("float")) {
          types.set(i, types.textNode("number"));
        }
      }
    }
    JsonNode dflt = schema.get("default");
    if (dflt != null && dflt.isNull()) {
      schema.remove("default");
    }
    JsonNode format = schema.get("format");
    if (format != null && URI_FORMATS.contains(format.asText())) {
      schema.remove("format");
    }
    schema.remove("validations");
    List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
    schema.properties().forEach(entries::add);
    for (Map.Entry<String, JsonNode> e : entries) {
      String key = e.getKey();
      JsonNode value = e.getValue();
      if (ONE_SCHEMA.contains(key) && value.isObject()) {
        rewrite((ObjectNode) value);
      } else if (SCHEMA_ARRAY.contains(key) && value.isArray()) {
        value.forEach(
            s -> {
              if (s.isObject()) {
                rewrite((ObjectNode) s);
              }
            });
      } else if (SCHEMA_MAP.contains(key) && value.isObject()) {
        value.forEach(
            s -> {
              if (s.isObject()) {
                rewrite((ObjectNode) s);
              }
            });
      }
    }
  }
}
