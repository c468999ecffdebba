package dev.editstream.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.editstream.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The models editstream can submit to, read from RunComfy's catalog entries ({@code GET
 * /v1/models?include_schema=true}, {@code runcomfy-live-contract.md} §2-3): ids, categories,
 * prices, schemas in RunComfy's dialect (translated by {@link SchemaDialect}) and the body field
 * names ({@link FieldRoles}). The live catalog is the source of truth; the copy shipped in this jar
 * ({@code editstream/models/catalog-snapshot.json}, same format) is used only when neither the API
 * nor its disk cache can be read. Thread-safe once built.
 *
 * <p>An entry whose schema cannot be understood is kept out of the usable models and reported by
 * name ({@link #problems()}); it is never replaced by another copy's schema.
 */
public final class ModelCatalog {
  /** Where a catalog came from. */
  public enum Source {
    /** read from RunComfy's API now */
    LIVE,
    /** read from the disk cache of an earlier live read */
    CACHE,
    /** editstream's built-in snapshot */
    BUILT_IN;

    /** {@code live}, {@code cache}, {@code built-in}. */
    public String wire() {
      return this == BUILT_IN ? "built-in" : name().toLowerCase(Locale.ROOT);
    }
  }

  private static final String SNAPSHOT = "/editstream/models/catalog-snapshot.json";
  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);

  private final Map<String, ModelSpec> specs;
  private final Map<String, JsonSchema> schemas;
  private final Map<String, String> problems;
  private final Source source;
  private final Instant fetchedAt;

  private ModelCatalog(
      Map<String, ModelSpec> specs,
      Map<String, JsonSchema> schemas,
      Map<String, String> problems,
      Source source,
      Instant fetchedAt) {
    this.specs = specs;
    this.schemas = schemas;
    this.problems = problems;
    this.source = source;
    this.fetchedAt = fetchedAt;
  }

  /**
   * Reads catalog entries ({@code model_id}, {@code display_name}, {@code categories}, {@code
   * kind}, {@code base_price_usd}, {@code price_unit}, {@code pricing_mode}, {@code pricing_note},
   * {@code input_schema}). An entry without a model_id is skipped; one whose schema is missing or
   * not understood is listed in {@link #problems()}.
   *
   * @param entries the {@code models} array of one or more list pages, or single entries
   * @param source where they come from
   * @param fetchedAt when they were read from RunComfy
   */
  public static ModelCatalog fromEntries(
      Iterable<JsonNode> entries, Source source, Instant fetchedAt) {
    Map<String, ModelSpec> specs = new LinkedHashMap<>();
    Map<String, JsonSchema> schemas = new LinkedHashMap<>();
    Map<String, String> problems = new LinkedHashMap<>();
    for (JsonNode e : entries) {
      String id = e.path("model_id").asText("");
      if (id.isEmpty()) {
        continue;
      }
      SchemaDialect.Normalised n = SchemaDialect.normalise(e.get("input_schema"));
      if (!n.usable()) {
        problems.put(id, String.join("; ", n.problems()));
        continue;
      }
      JsonSchema compiled;
      try {
        compiled = FACTORY.getSchema(n.schema());
      } catch (RuntimeException ex) {
        problems.put(id, "input_schema: the validator refuses it: " + ex.getMessage());
        continue;
      }
      List<String> categories = new ArrayList<>();
      e.path("categories").forEach(c -> categories.add(c.asText()));
      if (categories.isEmpty() && e.hasNonNull("category")) {
        categories.add(e.get("category").asText());
      }
      boolean video =
          e.path("kind").asText("").equalsIgnoreCase("video")
              || categories.stream().anyMatch(c -> c.endsWith("-video") || c.equals("edit-video"));
      ModelSpec.Price price =
          new ModelSpec.Price(
              Math.max(0, e.path("base_price_usd").asDouble(0)),
              ModelSpec.Price.unitOf(e.path("price_unit").asText(null)),
              e.hasNonNull("pricing_mode")
                  ? e.get("pricing_mode").asText().toLowerCase(Locale.ROOT)
                  : null,
              e.hasNonNull("pricing_note") ? e.get("pricing_note").asText() : null);
      specs.put(
          id,
          new ModelSpec(
              id,
              e.path("display_name").asText(id),
              categories,
              video ? "video" : "images",
              FieldRoles.infer(n),
              n.schema(),
              price,
              n.validations()));
      schemas.put(id, compiled);
    }
    return new ModelCatalog(
        Map.copyOf(specs),
        Map.copyOf(schemas),
        java.util.Collections.unmodifiableMap(problems),
        source,
        fetchedAt);
  }

  /**
   * The catalog shipped in this jar: editstream's snapshot of RunComfy's catalog.
   *
   * @throws UncheckedIOException if the snapshot cannot be read
   */
  public static ModelCatalog builtIn() {
    JsonNode doc = builtInDocument();
    Instant at =
        doc.hasNonNull("snapshot_at")
            ? Instant.parse(doc.get("snapshot_at").asText())
            : Instant.EPOCH;
    return fromEntries(doc.path("models"), Source.BUILT_IN, at);
  }

  /**
   * The built-in snapshot document {@code {_source, snapshot_at, models: [...], total}}.
   *
   * @throws UncheckedIOException if it cannot be read
   */
  public static JsonNode builtInDocument() {
    try (InputStream in = ModelCatalog.class.getResourceAsStream(SNAPSHOT)) {
      if (in == null) {
        throw new IOException("missing resource " + SNAPSHOT);
      }
      return Json.mapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the built-in model catalog " + SNAPSHOT, e);
    }
  }

  /** Where this catalog came from. */
  public Source source() {
    return source;
  }

  /** When its entries were read from RunComfy (the snapshot's date for the built-in one). */
  public Instant fetchedAt() {
    return fetchedAt;
  }

  /** The entries whose schema could not be understood, by model_id, with what was wrong. */
  public Map<String, String> problems() {
    return problems;
  }

  /** The usable model with exactly this model_id, if any. */
  public Optional<ModelSpec> find(String modelId) {
    return Optional.ofNullable(specs.get(modelId));
  }

  /**
   * The model a routing table names, by id, tolerating RunComfy's two spellings of version dots
   * ({@code wan-2-7} / {@code wan-2.7}, {@code runcomfy-live-contract.md} §1): the exact id, else
   * the one model whose id is the same once lower-cased and with {@code .} read as {@code -}.
   *
   * @return the model; empty when none or several match
   */
  public Optional<ModelSpec> resolve(String wanted) {
    Optional<ModelSpec> exact = find(wanted);
    if (exact.isPresent() || wanted == null) {
      return exact;
    }
    String key = spelling(wanted);
    List<ModelSpec> hits =
        specs.values().stream().filter(m -> spelling(m.modelId()).equals(key)).toList();
    return hits.size() == 1 ? Optional.of(hits.get(0)) : Optional.empty();
  }

  /** An id in the form both spellings share: lower case, {@code .} read as {@code -}. */
  public static String spelling(String id) {
    return id.toLowerCase(Locale.ROOT).replace('.', '-');
  }

  /** Every usable model, sorted by model_id. */
  public List<ModelSpec> all() {
    List<ModelSpec> l = new ArrayList<>(specs.values());
    l.sort(Comparator.comparing(ModelSpec::modelId));
    return l;
  }

  /**
   * Checks a request body against the model's input schema.
   *
   * @param modelId a model_id {@link #find} knows
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

  /**
   * The expected cost of one request to a model ({@link CostEstimator}); exact only when the price
   * came from RunComfy.
   *
   * @throws IllegalArgumentException if the model is unknown
   */
  public CostEstimate estimate(String modelId, JsonNode body) {
    ModelSpec spec =
        find(modelId)
            .orElseThrow(() -> new IllegalArgumentException("unknown model_id: " + modelId));
    return CostEstimator.estimate(spec, body, source != Source.BUILT_IN);
  }

  private static String field(ValidationMessage m) {
    String loc = m.getInstanceLocation() == null ? "$" : m.getInstanceLocation().toString();
    if (m.getProperty() != null
        && ("required".equals(m.getType()) || "additionalProperties".equals(m.getType()))) {
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
