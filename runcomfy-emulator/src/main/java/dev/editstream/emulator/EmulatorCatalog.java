package dev.editstream.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.editstream.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The models the emulator serves, in RunComfy's own shape and schema dialect, independent of
 * editstream's model files: so the emulator can disagree with editstream, as RunComfy would.
 *
 * <p>The built-in fixture is {@code dev/editstream/emulator/catalog.json} ({@link #RESOURCE}),
 * written from runcomfy-live-contract.md (§1 ids and fields, §2 dialect, §3 prices and categories):
 * {@code {"categories": [...], "models": [entry, ...]}}, each entry as {@code GET
 * /v1/models?include_schema=true} gives it ({@link EmulatorModel}). Every schema is translated
 * ({@link SchemaDialect}) and compiled (networknt json-schema-validator, draft-07) at load, so a
 * broken fixture fails at start, not on a submit. Immutable and thread-safe.
 */
public final class EmulatorCatalog {
  /** Classpath location of the built-in fixture. */
  public static final String RESOURCE = "/dev/editstream/emulator/catalog.json";

  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);

  private final List<String> categories;
  private final Map<String, EmulatorModel> models;
  private final Map<String, JsonSchema> schemas;

  private EmulatorCatalog(
      List<String> categories, Map<String, EmulatorModel> models, Map<String, JsonSchema> schemas) {
    this.categories = categories;
    this.models = models;
    this.schemas = schemas;
  }

  /**
   * The built-in fixture (loaded once per JVM).
   *
   * @throws IllegalStateException if the fixture is missing or invalid (a packaging bug)
   */
  public static EmulatorCatalog builtIn() {
    return BuiltIn.CATALOG;
  }

  /**
   * Reads a catalog document.
   *
   * @param in the JSON of {@code {"categories": [...], "models": [...]}}; not closed
   * @throws UncheckedIOException if it cannot be read or is not JSON
   * @throws IllegalArgumentException naming the entry and field when an entry is invalid: a
   *     duplicate model_id, a category not in {@code categories}, {@code inputs} or {@code
   *     required_inputs} that differ from the schema's properties and required, or a schema that
   *     does not compile after translation
   */
  public static EmulatorCatalog read(InputStream in) {
    try {
      return of(Json.mapper().readTree(in));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the emulator catalog", e);
    }
  }

  /**
   * Builds a catalog from its JSON tree.
   *
   * @throws IllegalArgumentException as {@link #read(InputStream)}
   */
  public static EmulatorCatalog of(JsonNode doc) {
    List<String> categories = strings(doc.path("categories"));
    if (categories.isEmpty()) {
      throw new IllegalArgumentException("catalog: categories must not be empty");
    }
    Map<String, EmulatorModel> models = new LinkedHashMap<>();
    Map<String, JsonSchema> schemas = new LinkedHashMap<>();
    for (JsonNode e : doc.path("models")) {
      EmulatorModel m = entry(e);
      if (models.putIfAbsent(m.modelId(), m) != null) {
        throw new IllegalArgumentException("catalog entry " + m.modelId() + ": duplicate model_id");
      }
      for (String c : m.categories()) {
        if (!categories.contains(c)) {
          throw new IllegalArgumentException(
              "catalog entry " + m.modelId() + ": category " + c + " is not one of " + categories);
        }
      }
      schemas.put(m.modelId(), compile(m));
    }
    return new EmulatorCatalog(List.copyOf(categories), models, schemas);
  }

  /** Every model, in fixture order. */
  public List<EmulatorModel> all() {
    return List.copyOf(models.values());
  }

  /**
   * The model of an exact model_id (no spelling tolerance: {@code wan-2-7} is not {@code wan-2.7}).
   */
  public Optional<EmulatorModel> find(String modelId) {
    return Optional.ofNullable(models.get(modelId));
  }

  /** The categories RunComfy knows (runcomfy-live-contract.md §3), in fixture order. */
  public List<String> categories() {
    return categories;
  }

  /**
   * Validates a submitted body against the model's translated schema.
   *
   * @return the violations, sorted by field then rule; empty when the body is valid
   * @throws IllegalArgumentException if the model is unknown
   */
  public List<Violation> check(String modelId, JsonNode body) {
    JsonSchema schema = schemas.get(modelId);
    if (schema == null) {
      throw new IllegalArgumentException("unknown model_id " + modelId);
    }
    List<Violation> out = new ArrayList<>();
    for (ValidationMessage m : schema.validate(body)) {
      out.add(new Violation(field(m), rule(m)));
    }
    out.sort(Comparator.comparing(Violation::field).thenComparing(Violation::rule));
    return out;
  }

  private static EmulatorModel entry(JsonNode e) {
    String id = e.path("model_id").asText(null);
    JsonNode schema = e.get("input_schema");
    EmulatorModel m =
        new EmulatorModel(
            id,
            e.path("display_name").asText(null),
            e.path("description").asText(null),
            strings(e.path("categories")),
            e.path("kind").asText(null),
            strings(e.path("inputs")),
            strings(e.path("required_inputs")),
            e.path("base_price_usd").asDouble(-1),
            e.path("price_unit").asText(null),
            e.path("pricing_mode").asText(null),
            e.path("pricing_note").asText(null),
            e.path("model_url").asText(null),
            schema);
    List<String> properties = new ArrayList<>();
    schema.path("properties").fieldNames().forEachRemaining(properties::add);
    if (!m.inputs().equals(properties)) {
      throw new IllegalArgumentException(
          "catalog entry "
              + id
              + ": inputs "
              + m.inputs()
              + " differ from the schema's properties "
              + properties);
    }
    if (!new HashSet<>(m.requiredInputs()).equals(Set.copyOf(strings(schema.path("required"))))) {
      throw new IllegalArgumentException(
          "catalog entry " + id + ": required_inputs differ from the schema's required");
    }
    return m;
  }

  private static JsonSchema compile(EmulatorModel m) {
    try {
      JsonSchema s = FACTORY.getSchema(SchemaDialect.toStandard(m.inputSchema()));
      s.initializeValidators();
      return s;
    } catch (RuntimeException ex) {
      throw new IllegalArgumentException(
          "catalog entry " + m.modelId() + ": input_schema does not compile: " + ex.getMessage(),
          ex);
    }
  }

  private static String field(ValidationMessage m) {
    String loc = m.getInstanceLocation() == null ? "$" : m.getInstanceLocation().toString();
    if (m.getProperty() != null
        && ("required".equals(m.getType()) || "additionalProperties".equals(m.getType()))) {
      loc = loc.equals("$") ? m.getProperty() : loc + "." + m.getProperty();
    }
    return loc.startsWith("$.") ? loc.substring(2) : loc;
  }

  private static String rule(ValidationMessage m) {
    String msg = m.getMessage();
    int colon = msg.indexOf(": ");
    return colon >= 0 && msg.startsWith("$") ? msg.substring(colon + 2) : msg;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** Lazy holder of the built-in fixture. */
  private static final class BuiltIn {
    static final EmulatorCatalog CATALOG = load();

    private static EmulatorCatalog load() {
      try (InputStream in = EmulatorCatalog.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(
              "the emulator catalog " + RESOURCE + " is missing from the classpath");
        }
        return read(in);
      } catch (IOException | RuntimeException e) {
        throw new IllegalStateException(
            "the emulator catalog " + RESOURCE + " cannot be loaded: " + e.getMessage(), e);
      }
    }
  }
}
