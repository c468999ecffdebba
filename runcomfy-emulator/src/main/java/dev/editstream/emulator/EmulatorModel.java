package dev.editstream.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One entry of the emulator's catalog, as RunComfy's {@code GET /v1/models?include_schema=true}
 * gives it (runcomfy-live-contract.md §3): identity, categories, kind, inputs, price and the {@code
 * input_schema} in RunComfy's dialect (§2). Immutable; the schema is not copied, do not mutate it.
 *
 * <p>The roles of the fields, used to render outputs, come from the schema alone: a property whose
 * {@code format} is {@code image_uri(s)} is an input image, {@code video_uri(s)} an input video; an
 * image field whose name contains {@code mask} is the mask. A model whose categories contain a
 * video category ({@link #VIDEO_CATEGORIES}) outputs a video, any other images.
 *
 * @param modelId the model_id, slashes kept, e.g. {@code wan-ai/wan-2.7/edit-video}
 * @param displayName the human name
 * @param description one sentence, shown by {@code GET /v1/models/{model_id}}
 * @param categories one or more of the catalog's categories, e.g. {@code image-to-image}
 * @param kind what it outputs: {@code image} or {@code video} (others allowed)
 * @param inputs every field name of the schema, in schema order
 * @param requiredInputs the schema's {@code required} fields
 * @param basePriceUsd the price of one {@code priceUnit}, USD, {@code >= 0}
 * @param priceUnit {@code output} (per output file) or {@code second} (per output second)
 * @param pricingMode {@code fixed} (the base price is the whole price) or {@code base} (options
 *     such as resolution or quality change it)
 * @param pricingNote the price in words
 * @param modelUrl the model's page
 * @param inputSchema the {@code input_schema}, in RunComfy's dialect
 */
public record EmulatorModel(
    String modelId,
    String displayName,
    String description,
    List<String> categories,
    String kind,
    List<String> inputs,
    List<String> requiredInputs,
    double basePriceUsd,
    String priceUnit,
    String pricingMode,
    String pricingNote,
    String modelUrl,
    JsonNode inputSchema) {

  /** Categories whose models output a video. */
  public static final Set<String> VIDEO_CATEGORIES =
      Set.of("edit-video", "image-to-video", "text-to-video");

  /** {@link #priceUnit()} of a price per output file. */
  public static final String PER_OUTPUT = "output";

  /** {@link #priceUnit()} of a price per output second. */
  public static final String PER_SECOND = "second";

  /**
   * Checks the entry.
   *
   * @throws IllegalArgumentException naming the model and the bad field
   */
  public EmulatorModel {
    require(modelId != null && !modelId.isBlank(), modelId, "model_id", "must not be blank");
    require(
        displayName != null && !displayName.isBlank(),
        modelId,
        "display_name",
        "must not be blank");
    require(
        categories != null && !categories.isEmpty(), modelId, "categories", "must not be empty");
    categories = List.copyOf(categories);
    require(kind != null && !kind.isBlank(), modelId, "kind", "must not be blank");
    inputs = List.copyOf(inputs);
    requiredInputs = List.copyOf(requiredInputs);
    require(
        Double.isFinite(basePriceUsd) && basePriceUsd >= 0,
        modelId,
        "base_price_usd",
        "must be >= 0");
    require(
        PER_OUTPUT.equals(priceUnit) || PER_SECOND.equals(priceUnit),
        modelId,
        "price_unit",
        "must be output or second");
    require(
        "fixed".equals(pricingMode) || "base".equals(pricingMode),
        modelId,
        "pricing_mode",
        "must be fixed or base");
    require(
        inputSchema != null && inputSchema.isObject(),
        modelId,
        "input_schema",
        "must be an object");
    description = description == null ? displayName : description;
    pricingNote = pricingNote == null ? "" : pricingNote;
    modelUrl = modelUrl == null ? "" : modelUrl;
  }

  /** Whether it outputs a video: its categories contain one of {@link #VIDEO_CATEGORIES}. */
  public boolean producesVideo() {
    return categories.stream().anyMatch(VIDEO_CATEGORIES::contains);
  }

  /** The input image fields ({@code image_uri(s)}), masks excluded, in schema order. */
  public List<String> imageFields() {
    return urlFields("image").stream().filter(f -> !isMask(f)).toList();
  }

  /** The mask field (an image field whose name contains {@code mask}), or {@code null}. */
  public @Nullable String maskField() {
    return urlFields("image").stream().filter(EmulatorModel::isMask).findFirst().orElse(null);
  }

  /** The first input video field ({@code video_uri(s)}), or {@code null}. */
  public @Nullable String videoField() {
    return urlFields("video").stream().findFirst().orElse(null);
  }

  /** The instruction field: {@code prompt}, else {@code text}, else {@code null}. */
  public @Nullable String promptField() {
    return inputs.contains("prompt") ? "prompt" : inputs.contains("text") ? "text" : null;
  }

  /** The schema's default of an integer field (e.g. {@code duration}), or {@code null}. */
  public @Nullable Integer integerDefault(String field) {
    JsonNode d = inputSchema.path("properties").path(field).path("default");
    return d.isIntegralNumber() ? d.asInt() : null;
  }

  private List<String> urlFields(String media) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, JsonNode> p : inputSchema.path("properties").properties()) {
      String format =
          p.getValue().path("format").asText(p.getValue().path("items").path("format").asText(""));
      if (format.equals(media + "_uri") || format.equals(media + "_uris")) {
        out.add(p.getKey());
      }
    }
    return out;
  }

  private static boolean isMask(String field) {
    return field.toLowerCase(Locale.ROOT).contains("mask");
  }

  private static void require(boolean ok, String modelId, String field, String rule) {
    if (!ok) {
      throw new IllegalArgumentException("catalog entry " + modelId + ": " + field + " " + rule);
    }
  }
}
