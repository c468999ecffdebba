package dev.editstream.core.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What editstream knows of one RunComfy model: its id, how a job maps onto its field names, and
 * its input JSON Schema (data in {@code core/src/main/resources/editstream/models/}).
 *
 * @param modelId RunComfy model_id, slashes kept
 * @param displayName human name
 * @param category {@code image-edit}, {@code image-inpainting} or {@code video-edit}
 * @param output {@code images} or {@code video}: the output shape the emulator produces
 * @param fields where the job's prompt, images, mask and video go in the body
 * @param inputSchema the model's input JSON Schema (draft-07)
 * @param basePriceUsd catalog price, USD per unit (placeholder values)
 * @param priceUnit {@code image} or {@code video}
 */
public record ModelSpec(
    String modelId,
    String displayName,
    String category,
    String output,
    Fields fields,
    JsonNode inputSchema,
    double basePriceUsd,
    String priceUnit) {

  /**
   * The body field names of a model.
   *
   * @param prompt the prompt field ({@code prompt}, or {@code text} for Seedream)
   * @param images the images field, or {@code null} for video models
   * @param imagesArray whether {@code images} takes an array (else exactly one URL string)
   * @param mask the mask field, or {@code null} when the model takes none
   * @param video the video field, or {@code null} for image models
   */
  public record Fields(String prompt, String images, boolean imagesArray, String mask, String video) {}

  /** Whether this model produces a video. */
  public boolean producesVideo() {
    return "video".equals(output);
  }

  /** The largest image count the schema allows, or 1 for single-image models, 0 if none. */
  public int maxImages() {
    if (fields.images() == null) {
      return 0;
    }
    if (!fields.imagesArray()) {
      return 1;
    }
    return inputSchema.path("properties").path(fields.images()).path("maxItems").asInt(Integer.MAX_VALUE);
  }
}
