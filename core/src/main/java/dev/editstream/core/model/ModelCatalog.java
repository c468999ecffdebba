package dev.editstream.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.editstream.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The models editstream can route to, with their JSON Schemas, loaded from data files. Both the
 * router (before paying for a call) and the emulator (answering 422) check bodies against the same
 * schemas. Thread-safe once built.
 */
public final class ModelCatalog {
  private static final String ROOT = "/editstream/models/";
  private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);

  private final Map<String, ModelSpec> specs;
  private final Map<String, JsonSchema> schemas;

  private ModelCatalog(Collection<ModelSpec> models) {
    Map<String, ModelSpec> s = new LinkedHashMap<>();
    Map<String, JsonSchema> c = new LinkedHashMap<>();
    for (ModelSpec m : models) {
      s.put(m.modelId(), m);
      c.put(m.modelId(), FACTORY.getSchema(m.inputSchema()));
    }
    this.specs = Map.copyOf(s);
    this.schemas = Map.copyOf(c);
  }

  /**
   * The catalog shipped in this jar ({@code editstream/models/models.json}).
   *
   * @throws UncheckedIOException if the data files cannot be read
   */
  public static ModelCatalog builtIn() {
    ObjectMapper json = Json.mapper();
    try (InputStream in = resource("models.json")) {
      JsonNode index = json.readTree(in);
      List<ModelSpec> out = new ArrayList<>();
      for (JsonNode m : index.path("models")) {
        JsonNode schema;
        try (InputStream s = resource(m.path("schema").asText())) {
          schema = json.readTree(s);
        }
        JsonNode f = m.path("fields");
        out.add(
            new ModelSpec(
                m.path("model_id").asText(),
                m.path("display_name").asText(),
                m.path("category").asText(),
                m.path("output").asText(),
                new ModelSpec.Fields(
                    f.path("prompt").asText("prompt"),
                    f.hasNonNull("images") ? f.get("images").asText() : null,
                    f.path("images_array").asBoolean(false),
                    f.hasNonNull("mask") ? f.get("mask").asText() : null,
                    f.hasNonNull("video") ? f.get("video").asText() : null),
                schema,
                m.path("base_price_usd").asDouble(0.0),
                m.path("price_unit").asText("image")));
      }
      return new ModelCatalog(out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the model catalog " + ROOT + "models.json", e);
    }
  }

  /**
   * A copy of this catalog where one model's input schema is replaced (for example by the {@code
   * input_schema} of RunComfy's {@code GET /models/{model_id}}).
   */
  public ModelCatalog withSchema(String modelId, JsonNode inputSchema) {
    List<ModelSpec> out = new ArrayList<>();
    for (ModelSpec m : specs.values()) {
      out.add(m.modelId().equals(modelId)
          ? new ModelSpec(m.modelId(), m.displayName(), m.category(), m.output(), m.fields(), inputSchema, m.basePriceUsd(), m.priceUnit())
          : m);
    }
    return new ModelCatalog(out);
  }

  private static InputStream resource(String name) throws IOException {
    InputStream in = ModelCatalog.class.getResourceAsStream(ROOT + name);
    if (in == null) {
      throw new IOException("missing resource " + ROOT + name);
    }
    return in;
  }

  /** The model with this model_id, if known. */
  public Optional<ModelSpec> find(String modelId) {
    return Optional.ofNullable(specs.get(modelId));
  }

  /** Every model, sorted by model_id. */
  public List<ModelSpec> all() {
    List<ModelSpec> l = new ArrayList<>(specs.values());
    l.sort(Comparator.comparing(ModelSpec::modelId));
    return l;
  }

  /**
   * Checks a request body against the model's input schema.
   *
   * @param modelId a known model_id
   * @param body the request body
   * @return every violation, sorted by field; empty when the body is valid
   * @throws IllegalArgumentException if the model is unknown
   */
  public List<SchemaViolation> check(String modelId, JsonNode body) {
    JsonSchema schema = schemas.get(modelId);
    if (schema == null) {
      throw new IllegalArgumentException("unknown model_id: " + modelId);
    }
    List<SchemaViolation> out = new ArrayList<>();
    for (ValidationMessage m : schema.validate(body)) {
      out.add(new SchemaViolation(field(m), rule(m)));
    }
    out.sort(Comparator.comparing(SchemaViolation::field).thenComparing(SchemaViolation::rule));
    return out;
  }

  private static String field(ValidationMessage m) {
    String loc = m.getInstanceLocation() == null ? "$" : m.getInstanceLocation().toString();
    if (m.getProperty() != null && ("required".equals(m.getType()) || "additionalProperties".equals(m.getType()))) {
      loc = loc.equals("$") ? m.getProperty() : loc + "." + m.getProperty();
    }
    if (loc.startsWith("$.")) {
      loc = loc.substring(2);
    }
    return loc;
  }

  private static String rule(ValidationMessage m) {
    String msg = m.getMessage();
    int colon = msg.indexOf(": ");
    return colon >= 0 && msg.startsWith("$") ? msg.substring(colon + 2) : msg;
  }
}
