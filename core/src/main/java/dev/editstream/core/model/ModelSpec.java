package dev.editstream.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What editstream knows of one RunComfy model, read from a catalog entry ({@code GET
 * /v1/models/{model_id}} or the list; {@code runcomfy-live-contract.md} §3): its id, categories,
 * price, how a job maps onto its field names ({@link FieldRoles}, from the schema), its input
 * schema translated to standard JSON Schema ({@link SchemaDialect}) and the input-file rules the
 * dialect adds.
 *
 * @param modelId RunComfy model_id, slashes kept
 * @param displayName human name
 * @param categories RunComfy's categories, e.g. {@code image-to-image}, {@code edit-video}
 * @param output {@code images} or {@code video}: what the model produces
 * @param fields where the job's prompt, images, mask and video go in the body
 * @param inputSchema the model's input schema as draft-07 JSON Schema (dialect translated)
 * @param price the catalog's price
 * @param validations the input-file rules of the schema ({@code validations}), checked before a job
 *     is paid for where the input can be seen
 */
public record ModelSpec(
    String modelId,
    String displayName,
    List<String> categories,
    String output,
    Fields fields,
    JsonNode inputSchema,
    Price price,
    List<InputValidation> validations) {

  public ModelSpec {
    categories = categories == null ? List.of() : List.copyOf(categories);
    validations = validations == null ? List.of() : List.copyOf(validations);
  }

  /**
   * The body field names of a model.
   *
   * @param prompt the prompt field ({@code prompt}, or {@code text} for Seedream), or {@code null}
   * @param images the field the job's images go to, or {@code null} when the model takes none
   * @param imagesArray whether {@code images} takes an array (else exactly one URL string)
   * @param mask the mask field, or {@code null} when the model takes none
   * @param video the video field, or {@code null} for image models
   */
  public record Fields(
      @Nullable String prompt,
      @Nullable String images,
      boolean imagesArray,
      @Nullable String mask,
      @Nullable String video) {}

  /**
   * A catalog price ({@code runcomfy-live-contract.md} §3).
   *
   * @param baseUsd {@code base_price_usd}, USD per unit, {@code >= 0}
   * @param unit {@code output} (per produced image), {@code second} (per video second) or {@code
   *     request}; RunComfy's older {@code image} reads as {@code output} and {@code video} as
   *     {@code second}
   * @param mode {@code pricing_mode}: {@code fixed} (the base price is the whole price), {@code
   *     base} (options may add to it), or {@code null} when not given
   * @param note {@code pricing_note}, or {@code null}
   */
  public record Price(double baseUsd, String unit, @Nullable String mode, @Nullable String note) {
    /** Reads RunComfy's unit words into {@code output}, {@code second} or {@code request}. */
    public static String unitOf(@Nullable String raw) {
      String u = raw == null ? "" : raw.trim().toLowerCase(java.util.Locale.ROOT);
      return switch (u) {
        case "output", "outputs", "image", "images" -> "output";
        case "second", "seconds", "video", "sec", "s" -> "second";
        default -> "request";
      };
    }
  }

  /** The first category, or {@code ""}. */
  public String category() {
    return categories.isEmpty() ? "" : categories.get(0);
  }

  /** Whether this model produces a video. */
  public boolean producesVideo() {
    return "video".equals(output);
  }

  /** The largest image count the schema allows, or 1 for single-image fields, 0 if none. */
  public int maxImages() {
    if (fields.images() == null) {
      return 0;
    }
    if (!fields.imagesArray()) {
      return 1;
    }
    return inputSchema
        .path("properties")
        .path(fields.images())
        .path("maxItems")
        .asInt(Integer.MAX_VALUE);
  }

  /** The required fields of the schema, in schema order. */
  public List<String> required() {
    List<String> out = new java.util.ArrayList<>();
    inputSchema.path("required").forEach(r -> out.add(r.asText()));
    return out;
  }
}
