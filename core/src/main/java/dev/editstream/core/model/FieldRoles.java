package dev.editstream.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.model.SchemaDialect.Media;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Finds where a job's prompt, images, mask and video go in a model's body, from the model's live
 * schema: the live catalog renames fields ({@code images} vs {@code image_urls}, {@code video} vs
 * {@code video_url}, {@code runcomfy-live-contract.md} §1), so no field name is written in code per
 * model. Pure.
 *
 * <p>Rules, in order: the prompt is {@code prompt}, else {@code text}, else the first string
 * property whose name contains {@code prompt}. URL inputs are the fields the dialect marks with an
 * {@code *_uri(s)} format ({@link SchemaDialect.Normalised#media()}); where a schema marks none,
 * the conventional names are used ({@code image_urls}, {@code images}, {@code image_url}, {@code
 * image}, {@code mask_image_url}, {@code mask_url}, {@code video_url}, {@code video}). An image
 * field whose name contains {@code mask} is the mask. The first video field takes the job's video.
 * The job's images go to the image field named most like a main input ({@code images}, {@code
 * image_urls}, {@code image_url}, {@code image}, then any required one, then the first); on a video
 * model that is a reference image field such as {@code reference_image_url}. It takes an array when
 * its schema type is {@code array}.
 */
public final class FieldRoles {
  private static final List<String> IMAGE_NAMES =
      List.of("images", "image_urls", "image_url", "image", "input_image", "input_images");
  private static final List<String> MASK_NAMES =
      List.of("mask_image_url", "mask_url", "mask_image", "mask");
  private static final List<String> VIDEO_NAMES =
      List.of("video_url", "video", "input_video", "video_urls");

  private FieldRoles() {}

  /**
   * @param n the normalised schema
   * @return the fields; any of images, mask, video may be {@code null} (the model takes none), and
   *     the prompt is {@code null} for a model without one
   */
  public static ModelSpec.Fields infer(SchemaDialect.Normalised n) {
    JsonNode props = n.schema().path("properties");
    List<String> required = new ArrayList<>();
    n.schema().path("required").forEach(r -> required.add(r.asText()));
    String prompt = prompt(props);
    List<String> imageFields = new ArrayList<>();
    String mask = null;
    String video = null;
    Map<String, Media> media = n.media();
    if (media.isEmpty()) {
      for (String name : IMAGE_NAMES) {
        if (props.has(name)) {
          imageFields.add(name);
        }
      }
      mask = first(props, MASK_NAMES);
      video = first(props, VIDEO_NAMES);
    } else {
      for (Map.Entry<String, Media> e : media.entrySet()) {
        boolean isMask = e.getKey().toLowerCase(Locale.ROOT).contains("mask");
        if (e.getValue().image() && isMask && mask == null) {
          mask = e.getKey();
        } else if (e.getValue().image() && !isMask) {
          imageFields.add(e.getKey());
        } else if (e.getValue().video() && video == null) {
          video = e.getKey();
        }
      }
    }
    String images = mainImage(imageFields, required);
    boolean array = images != null && "array".equals(props.path(images).path("type").asText());
    return new ModelSpec.Fields(prompt, images, array, mask, video);
  }

  private static @Nullable String prompt(JsonNode props) {
    if (props.has("prompt")) {
      return "prompt";
    }
    if (props.has("text")) {
      return "text";
    }
    for (var it = props.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (name.toLowerCase(Locale.ROOT).contains("prompt")
          && !name.toLowerCase(Locale.ROOT).contains("negative")
          && "string".equals(props.path(name).path("type").asText())) {
        return name;
      }
    }
    return null;
  }

  private static @Nullable String mainImage(List<String> fields, List<String> required) {
    for (String name : IMAGE_NAMES) {
      if (fields.contains(name)) {
        return name;
      }
    }
    for (String f : fields) {
      if (required.contains(f)) {
        return f;
      }
    }
    return fields.isEmpty() ? null : fields.get(0);
  }

  private static @Nullable String first(JsonNode props, List<String> names) {
    for (String n : names) {
      if (props.has(n)) {
        return n;
      }
    }
    return null;
  }
}
