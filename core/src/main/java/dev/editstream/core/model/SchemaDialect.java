package dev.editstream.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Turns an {@code input_schema} in RunComfy's dialect into a standard JSON Schema (draft-07) a
 * validator understands, and keeps what the dialect adds beside it. Pure.
 *
 * <p>The dialect ({@code runcomfy-live-contract.md} §2; RunComfy's own tools rewrite {@code float}
 * before validating):
 *
 * <ul>
 *   <li>{@code "type": "float"} (alone or in a type array) becomes {@code "number"};
 *   <li>{@code "default": null} is dropped (a null default says "none", not "null is valid");
 *   <li>{@code "format"} {@code image_uri(s)}, {@code video_uri(s)}, {@code audio_uri(s)} marks a
 *       URL input: removed from the schema (no validator knows it) and kept as the field's {@link
 *       Media};
 *   <li>{@code "validations"} (file size, aspect ratio, width/height rules) is removed and kept as
 *       {@link InputValidation}s.
 * </ul>
 *
 * A type name outside JSON Schema's and {@code float}, or a schema node that is not an object where
 * one is needed, makes the schema {@link Normalised#problems() not understood}; the caller reports
 * it by name and never replaces it silently. A validation rule of an unknown shape does not: it is
 * kept, and the router reports it as not checked.
 */
public final class SchemaDialect {
  /** What kind of media a URL field carries. */
  public enum Media {
    IMAGE,
    IMAGES,
    VIDEO,
    VIDEOS,
    AUDIO,
    AUDIOS;

    /** Whether the field takes several URLs. */
    public boolean many() {
      return this == IMAGES || this == VIDEOS || this == AUDIOS;
    }

    /** Whether the field carries images. */
    public boolean image() {
      return this == IMAGE || this == IMAGES;
    }

    /** Whether the field carries videos. */
    public boolean video() {
      return this == VIDEO || this == VIDEOS;
    }
  }

  private static final Set<String> TYPES =
      Set.of("object", "array", "string", "number", "integer", "boolean", "null");
  private static final Map<String, Media> FORMATS =
      Map.of(
          "image_uri",
          Media.IMAGE,
          "image_uris",
          Media.IMAGES,
          "video_uri",
          Media.VIDEO,
          "video_uris",
          Media.VIDEOS,
          "audio_uri",
          Media.AUDIO,
          "audio_uris",
          Media.AUDIOS);

  /**
   * A schema in standard JSON Schema and what the dialect said beside it.
   *
   * @param schema the draft-07 schema (a new tree; the input is not changed)
   * @param media the URL inputs, by top-level field name, in schema order
   * @param validations the input-file rules, in schema order
   * @param problems what could not be understood, each naming its place ({@code
   *     properties.strength.type: unknown type "decimal"}); empty when the schema is usable
   */
  public record Normalised(
      ObjectNode schema,
      Map<String, Media> media,
      List<InputValidation> validations,
      List<String> problems) {
    /** Whether the schema can be used to check bodies. */
    public boolean usable() {
      return problems.isEmpty();
    }
  }

  private SchemaDialect() {}

  /**
   * Normalises one {@code input_schema}.
   *
   * @param raw the schema as RunComfy serves it; {@code null} or a non-object gives a problem
   * @return the normalised schema; never {@code null}
   */
  public static Normalised normalise(@Nullable JsonNode raw) {
    List<String> problems = new ArrayList<>();
    Map<String, Media> media = new LinkedHashMap<>();
    List<InputValidation> validations = new ArrayList<>();
    if (raw == null || !raw.isObject()) {
      problems.add(
          "input_schema: must be a JSON object, was "
              + (raw == null ? "missing" : raw.getNodeType().name().toLowerCase(Locale.ROOT)));
      return new Normalised(
          dev.editstream.core.Json.mapper().createObjectNode(), media, validations, problems);
    }
    ObjectNode out = raw.deepCopy();
    walk(out, "", null, media, validations, problems);
    return new Normalised(
        out,
        java.util.Collections.unmodifiableMap(media),
        List.copyOf(validations),
        List.copyOf(problems));
  }

  /**
   * Rewrites {@code node} in place; {@code field} is the top-level property it belongs to, or null.
   */
  private static void walk(
      ObjectNode node,
      String path,
      @Nullable String field,
      Map<String, Media> media,
      List<InputValidation> validations,
      List<String> problems) {
    JsonNode type = node.get("type");
    if (type != null) {
      node.set("type", type(type, path + "type", problems));
    }
    JsonNode dflt = node.get("default");
    if (dflt != null && dflt.isNull()) {
      node.remove("default");
    }
    JsonNode format = node.get("format");
    if (format != null && format.isTextual() && FORMATS.containsKey(format.asText())) {
      node.remove("format");
      if (field != null) {
        media.putIfAbsent(field, FORMATS.get(format.asText()));
      }
    }
    JsonNode rules = node.remove("validations");
    if (rules != null) {
      readValidations(rules, path, field, validations, problems);
    }
    JsonNode props = node.get("properties");
    if (props != null) {
      if (!props.isObject()) {
        problems.add(path + "properties: must be an object");
      } else {
        props
            .properties()
            .forEach(
                e ->
                    child(
                        e.getValue(),
                        path + "properties." + e.getKey() + ".",
                        field == null ? e.getKey() : field,
                        media,
                        validations,
                        problems));
      }
    }
    for (String k : List.of("items", "additionalProperties", "not")) {
      JsonNode c = node.get(k);
      if (c != null && c.isObject()) {
        child(c, path + k + ".", field, media, validations, problems);
      }
    }
    for (String k : List.of("anyOf", "oneOf", "allOf")) {
      JsonNode c = node.get(k);
      if (c != null && c.isArray()) {
        for (int i = 0; i < c.size(); i++) {
          child(c.get(i), path + k + "[" + i + "].", field, media, validations, problems);
        }
      }
    }
  }

  private static void child(
      JsonNode c,
      String path,
      @Nullable String field,
      Map<String, Media> media,
      List<InputValidation> validations,
      List<String> problems) {
    if (c.isObject()) {
      walk((ObjectNode) c, path, field, media, validations, problems);
    } else if (!c.isBoolean()) {
      problems.add(path.substring(0, Math.max(0, path.length() - 1)) + ": must be a schema object");
    }
  }

  private static JsonNode type(JsonNode type, String path, List<String> problems) {
    if (type.isTextual()) {
      return dev.editstream.core.Json.mapper()
          .getNodeFactory()
          .textNode(typeName(type.asText(), path, problems));
    }
    if (type.isArray()) {
      ArrayNode a = dev.editstream.core.Json.mapper().createArrayNode();
      type.forEach(
          t ->
              a.add(
                  t.isTextual()
                      ? typeName(t.asText(), path, problems)
                      : bad(t.toString(), path, problems)));
      return a;
    }
    return dev.editstream.core.Json.mapper()
        .getNodeFactory()
        .textNode(bad(type.toString(), path, problems));
  }

  private static String typeName(String t, String path, List<String> problems) {
    if (t.equals("float") || t.equals("double")) {
      return "number";
    }
    return TYPES.contains(t) ? t : bad("\"" + t + "\"", path, problems);
  }

  private static String bad(String t, String path, List<String> problems) {
    problems.add(path + ": unknown type " + t);
    return "null";
  }

  private static void readValidations(
      JsonNode rules,
      String path,
      @Nullable String field,
      List<InputValidation> out,
      List<String> problems) {
    if (!rules.isArray()) {
      problems.add(path + "validations: must be an array");
      return;
    }
    for (JsonNode r : rules) {
      // a rule editstream cannot read is kept (and reported as unchecked), never a reason to refuse
      // the schema
      String rule = r.path("validation_rule").asText("");
      JsonNode v = r.get("validation_value");
      String value = v == null || v.isNull() ? "" : v.isContainerNode() ? v.toString() : v.asText();
      String err = r.hasNonNull("validation_error") ? r.get("validation_error").asText() : null;
      out.add(
          new InputValidation(
              field == null ? "$" : field, rule.isEmpty() ? "(no rule)" : rule, value, err));
    }
  }
}
