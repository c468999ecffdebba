package dev.editstream.core.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One edit job, as read from a line of a JSON Lines job file and carried in every event.
 *
 * @param id required, unique in its file, {@code [A-Za-z0-9._-]{1,128}} not starting with a dot;
 *     the Kafka record key and the output folder name
 * @param prompt the edit instruction, any language; may be empty for explicit-model jobs
 * @param images input images: public https URLs or local file paths (resolved against the job
 *     file's folder, inside an allowed input folder); empty when none
 * @param mask an inpainting mask (https URL or local path), white = fill, or {@code null}
 * @param video an input video (https URL or local path), or {@code null}
 * @param model an explicit RunComfy {@code model_id} that wins over routing, or {@code null}
 * @param params extra model fields (seed, aspect_ratio, resolution, strength, ...) copied into the
 *     request body; empty when none
 * @param batch a free batch label for reports and replay filters, or {@code null}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Job(
    String id,
    String prompt,
    List<String> images,
    @Nullable String mask,
    @Nullable String video,
    @Nullable String model,
    Map<String, Object> params,
    @Nullable String batch) {

  /** Normalises absent collections to empty ones; params keep their order. */
  public Job {
    prompt = prompt == null ? "" : prompt;
    images = images == null ? List.of() : List.copyOf(images);
    params =
        params == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(params));
  }

  /**
   * A fingerprint of what the job line asks for: the SHA-256 (hex, 64 characters) of the job's JSON
   * with object keys sorted, so the same line gives the same fingerprint whatever the order of its
   * keys. A resumed batch compares it with the job that ran before to report a changed line.
   */
  public String fingerprint() {
    try {
      byte[] json = dev.editstream.core.Json.canonicalWriter().writeValueAsBytes(this);
      return java.util.HexFormat.of()
          .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(json));
    } catch (com.fasterxml.jackson.core.JsonProcessingException
        | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot fingerprint job " + id, e);
    }
  }

  /** Every input reference of the job: images, then mask, then video. */
  public List<String> inputs() {
    var all = new java.util.ArrayList<>(images);
    if (mask != null) {
      all.add(mask);
    }
    if (video != null) {
      all.add(video);
    }
    return all;
  }

  /**
   * A copy safe to carry after the submit: every input URL and every URL-valued param without its
   * query string and fragment ({@link dev.editstream.core.Redact#url}), so the signatures of
   * pre-signed inputs live only in the {@code requested} event. Local paths are kept.
   */
  @SuppressWarnings("unchecked")
  public Job redacted() {
    java.util.function.UnaryOperator<String> r =
        s -> s == null ? null : (String) dev.editstream.core.Redact.urls(s);
    return new Job(
        id,
        prompt,
        images.stream().map(r).toList(),
        r.apply(mask),
        r.apply(video),
        model,
        dev.editstream.core.Redact.urlsIn(params),
        batch);
  }

  /**
   * Whether an input lost its query string to {@link #redacted()} (a replay cannot fetch it as it
   * was).
   */
  public boolean hasRedactedInputs() {
    return inputs().stream().anyMatch(dev.editstream.core.Redact::wasRedacted);
  }

  /** A copy with the inputs replaced (same order as {@link #inputs()}). */
  public Job withInputs(
      List<String> newImages, @Nullable String newMask, @Nullable String newVideo) {
    return new Job(id, prompt, newImages, newMask, newVideo, model, params, batch);
  }
}
