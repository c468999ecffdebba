package dev.editstream.router;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.job.Job;
import dev.editstream.core.model.ModelSpec;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * Builds the request body of {@code POST /models/{model_id}} for one job: RunComfy takes the
 * model's input object as the body, no wrapper ({@code ../shared/docs/runcomfy-model-api.md}).
 * Field names come from the model's {@link ModelSpec.Fields} (data in core's model catalog), never
 * from code. Pure and thread-safe.
 */
public final class BodyBuilder {
  private BodyBuilder() {}

  /**
   * Maps a job onto a model's fields. Field order: the prompt, then the inputs (images, mask,
   * video), then {@code job.params()} sorted by name ({@link Job} keeps params in an unordered map,
   * so sorting keeps the body the same on every run).
   *
   * @param job the job
   * @param spec the model the job was routed to
   * @param inputUrl maps each input reference (https URL or local path) to the URL RunComfy will
   *     fetch; the caller serves local files
   * @return a new body; it is not yet checked against the model's schema (see {@link BodyCheck})
   * @throws StageException {@link ExitClass#DATA}, reason {@code input_mismatch}, when the job's
   *     inputs do not fit the model (several images for a one-image model, a mask or video the
   *     model does not take, no video for a video model, images for a model without an image field,
   *     or a param that would overwrite one of those fields); the message names the field
   */
  public static ObjectNode build(Job job, ModelSpec spec, UnaryOperator<String> inputUrl) {
    ModelSpec.Fields f = spec.fields();
    ObjectNode body = Json.mapper().createObjectNode();
    if (f.prompt() != null) {
      body.put(f.prompt(), job.prompt());
    } else if (job.prompt() != null && !job.prompt().isBlank()) {
      throw mismatch(
          "prompt: "
              + spec.modelId()
              + " takes no prompt (its schema has no prompt field), the job has one");
    }
    putImages(job, spec, inputUrl, body);
    if (job.mask() != null) {
      if (f.mask() == null) {
        throw mismatch("mask: " + spec.modelId() + " takes no mask, the job has one");
      }
      body.put(f.mask(), inputUrl.apply(job.mask()));
    }
    if (f.video() != null) {
      if (job.video() == null) {
        throw mismatch(f.video() + ": " + spec.modelId() + " needs a video, the job has none");
      }
      body.put(f.video(), inputUrl.apply(job.video()));
    } else if (job.video() != null) {
      throw mismatch("video: " + spec.modelId() + " takes no video, the job has one");
    }
    for (Map.Entry<String, Object> p : new TreeMap<>(job.params()).entrySet()) {
      if (body.has(p.getKey())) {
        throw mismatch(
            "params."
                + p.getKey()
                + ": "
                + spec.modelId()
                + " takes "
                + p.getKey()
                + " from the job's prompt or inputs, a param may not overwrite it");
      }
      body.set(p.getKey(), Json.mapper().valueToTree(p.getValue()));
    }
    return body;
  }

  private static void putImages(
      Job job, ModelSpec spec, UnaryOperator<String> inputUrl, ObjectNode body) {
    ModelSpec.Fields f = spec.fields();
    int n = job.images().size();
    if (n == 0) {
      return;
    }
    if (f.images() == null) {
      throw mismatch("images: " + spec.modelId() + " takes no images, the job has " + n);
    }
    if (f.imagesArray()) {
      ArrayNode arr = body.putArray(f.images());
      job.images().forEach(i -> arr.add(inputUrl.apply(i)));
    } else if (n == 1) {
      body.put(f.images(), inputUrl.apply(job.images().get(0)));
    } else {
      throw mismatch(
          f.images() + ": " + spec.modelId() + " takes exactly one image, the job has " + n);
    }
  }

  private static StageException mismatch(String message) {
    return new StageException(ExitClass.DATA, FailureReason.INPUT_MISMATCH, message);
  }
}
