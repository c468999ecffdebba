package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.job.Job;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.core.model.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class BodyBuilderTest {
  private static final ModelCatalog CATALOG = ModelCatalog.builtIn();

  /** Maps local paths to served URLs, as the worker's stager does; URLs pass through. */
  private static final UnaryOperator<String> SERVE =
      ref ->
          ref.startsWith("https://")
              ? ref
              : "https://serve.example/" + ref.substring(ref.lastIndexOf('/') + 1);

  private static ModelSpec spec(String modelId) {
    return CATALOG.find(modelId).orElseThrow();
  }

  private static List<String> fieldNames(ObjectNode body) {
    List<String> names = new ArrayList<>();
    body.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static Job job(
      String prompt, List<String> images, String mask, String video, Map<String, Object> params) {
    return new Job("j1", prompt, images, mask, video, null, params, null);
  }

  @Test
  void shouldPutPromptThenImagesThenParamsSortedByNameForAnImageArrayModel() {
    Map<String, Object> params = Map.of("resolution", "2K", "number_of_images", 2);
    Job job =
        job("warmer", List.of("/data/a.jpg", "https://cdn.example/b.jpg"), null, null, params);

    ObjectNode body = BodyBuilder.build(job, spec(Router.NANO_BANANA), SERVE);

    assertThat(fieldNames(body))
        .containsExactly("prompt", "image_urls", "number_of_images", "resolution");
    assertThat(body.get("image_urls").get(0).asText()).isEqualTo("https://serve.example/a.jpg");
    assertThat(body.get("image_urls").get(1).asText()).isEqualTo("https://cdn.example/b.jpg");
    assertThat(body.get("number_of_images").isInt()).isTrue();
    assertThat(BodyCheck.check(CATALOG, Router.NANO_BANANA, body)).isEmpty();
  }

  @Test
  void shouldUseTheTextFieldForSeedreamsPrompt() {
    ObjectNode body =
        BodyBuilder.build(
            job("dusk", Jobs.images(3), null, null, null), spec(Router.SEEDREAM), SERVE);

    assertThat(fieldNames(body)).containsExactly("text", "images");
    assertThat(body.get("images")).hasSize(3);
    assertThat(BodyCheck.check(CATALOG, Router.SEEDREAM, body)).isEmpty();
  }

  @Test
  void shouldPutTheOnlyImageAsAStringForASingleImageModel() {
    ObjectNode body =
        BodyBuilder.build(
            job("red car", List.of("/x/car.jpg"), null, null, Map.of("seed", 7)),
            spec(Router.FLUX_KONTEXT),
            SERVE);

    assertThat(fieldNames(body)).containsExactly("prompt", "image_url", "seed");
    assertThat(body.get("image_url").asText()).isEqualTo("https://serve.example/car.jpg");
    assertThat(BodyCheck.check(CATALOG, Router.FLUX_KONTEXT, body)).isEmpty();
  }

  @Test
  void shouldRefuseSeveralImagesForAOneImageModelNamingFieldAndLimit() {
    Job job = job("red car", Jobs.images(3), null, null, null);

    assertThatThrownBy(() -> BodyBuilder.build(job, spec(Router.FLUX_KONTEXT), SERVE))
        .isInstanceOfSatisfying(
            StageException.class,
            e -> {
              assertThat(e.exitClass()).isEqualTo(ExitClass.DATA);
              assertThat(e.reasonText()).isEqualTo("input_mismatch");
              assertThat(e.getMessage())
                  .isEqualTo(
                      "image_url: blackforestlabs/flux-1-kontext/pro/edit takes exactly one image, the job has 3");
            });
  }

  @Test
  void shouldRefuseTwoImagesForFlux() {
    assertThatThrownBy(
            () ->
                BodyBuilder.build(
                    job("x", Jobs.images(2), null, null, null), spec(Router.FLUX_KONTEXT), SERVE))
        .isInstanceOf(StageException.class)
        .hasMessageContaining("image_url")
        .hasMessageContaining("the job has 2");
  }

  @Test
  void shouldMapTheMaskToTheInpaintingMaskFieldAndCopyLoras() {
    Map<String, Object> params =
        Map.of(
            "strength",
            0.8,
            "loras",
            List.of(Map.of("path", "https://cdn.example/brand.safetensors", "scale", 0.7)));
    Job job = job("fill", List.of("/p/hero.jpg"), "/p/hero-mask.png", null, params);

    ObjectNode body = BodyBuilder.build(job, spec(Router.Z_IMAGE_LORA), SERVE);

    assertThat(fieldNames(body))
        .containsExactly("prompt", "image_url", "mask_image_url", "loras", "strength");
    assertThat(body.get("mask_image_url").asText())
        .isEqualTo("https://serve.example/hero-mask.png");
    assertThat(body.get("loras").get(0).get("scale").asDouble()).isEqualTo(0.7);
    assertThat(BodyCheck.check(CATALOG, Router.Z_IMAGE_LORA, body)).isEmpty();
  }

  @Test
  void shouldRefuseAMaskForAModelThatTakesNone() {
    Job job = job("x", Jobs.images(1), "https://a.example/m.png", null, null);

    assertThatThrownBy(() -> BodyBuilder.build(job, spec(Router.NANO_BANANA), SERVE))
        .isInstanceOf(StageException.class)
        .hasMessage("mask: google/nano-banana-2/edit takes no mask, the job has one");
  }

  @Test
  void shouldMapTheVideoToEachVideoModelsOwnField() {
    Job job = job("sunset sky", null, null, "/v/beach.mp4", Map.of("duration", 5));

    ObjectNode wan = BodyBuilder.build(job, spec(Router.WAN), SERVE);
    ObjectNode lucy =
        BodyBuilder.build(job("anime", null, null, "/v/beach.mp4", null), spec(Router.LUCY), SERVE);

    assertThat(fieldNames(wan)).containsExactly("prompt", "video_url", "duration");
    assertThat(wan.get("video_url").asText()).isEqualTo("https://serve.example/beach.mp4");
    assertThat(fieldNames(lucy)).containsExactly("prompt", "video_url");
    assertThat(BodyCheck.check(CATALOG, Router.WAN, wan)).isEmpty();
    assertThat(BodyCheck.check(CATALOG, Router.LUCY, lucy)).isEmpty();
  }

  @Test
  void shouldRefuseAVideoModelWhenTheJobHasNoVideo() {
    assertThatThrownBy(
            () -> BodyBuilder.build(job("x", null, null, null, null), spec(Router.LUCY), SERVE))
        .isInstanceOfSatisfying(
            StageException.class,
            e -> {
              assertThat(e.reasonText()).isEqualTo("input_mismatch");
              assertThat(e.getMessage())
                  .isEqualTo("video_url: decart/lucy-edit/restyle needs a video, the job has none");
            });
  }

  @Test
  void shouldRefuseAVideoForAnImageModel() {
    Job job = job("x", Jobs.images(1), null, "https://a.example/v.mp4", null);

    assertThatThrownBy(() -> BodyBuilder.build(job, spec(Router.GPT_IMAGE), SERVE))
        .isInstanceOf(StageException.class)
        .hasMessageStartingWith("video: openai/gpt-image-2/edit takes no video");
  }

  @Test
  void shouldSendAVideoJobsOneImageAsTheReferenceImageAndRefuseTwo() {
    ObjectNode wan =
        BodyBuilder.build(
            job("x", Jobs.images(1), null, "https://a.example/v.mp4", null),
            spec(Router.WAN),
            SERVE);
    assertThat(fieldNames(wan)).containsExactly("prompt", "reference_image_url", "video_url");
    assertThat(BodyCheck.check(CATALOG, Router.WAN, wan)).isEmpty();

    Job two = job("x", Jobs.images(2), null, "https://a.example/v.mp4", null);
    assertThatThrownBy(() -> BodyBuilder.build(two, spec(Router.WAN), SERVE))
        .isInstanceOf(StageException.class)
        .hasMessage(
            "reference_image_url: wan-ai/wan-2.7/edit-video takes exactly one image, the job has 2");
  }

  @Test
  void shouldRefuseImagesForAModelWithoutAnImageField() {
    Job job = job("x", Jobs.images(2), null, "https://a.example/v.mp4", null);

    assertThatThrownBy(() -> BodyBuilder.build(job, spec(Router.LUCY), SERVE))
        .isInstanceOf(StageException.class)
        .hasMessage("images: decart/lucy-edit/restyle takes no images, the job has 2");
  }

  @Test
  void shouldUseTheLiveSchemasFieldNamesWhateverTheSeedsCalledThem() throws Exception {
    com.fasterxml.jackson.databind.JsonNode entry =
        dev.editstream.core.Json.mapper()
            .readTree(
                ("{'model_id':'x/edit','input_schema':"
                        + "{'type':'object','properties':{'prompt':{'type':'string'},'input_images':{'type':'array','format':'image_uris'},"
                        + "'mask':{'type':'string','format':'image_uri'}}}}")
                    .replace('\'', '"'));
    var spec =
        ModelCatalog.fromEntries(List.of(entry), ModelCatalog.Source.LIVE, java.time.Instant.EPOCH)
            .find("x/edit")
            .orElseThrow();
    ObjectNode body =
        BodyBuilder.build(
            job("x", Jobs.images(2), "https://a.example/m.png", null, null), spec, SERVE);
    assertThat(fieldNames(body)).containsExactly("prompt", "input_images", "mask");
  }

  @Test
  void shouldRefuseAParamThatWouldOverwriteAnInputField() {
    Job job =
        job(
            "x",
            Jobs.images(1),
            null,
            null,
            Map.of("image_urls", List.of("https://evil.example/x.jpg")));

    assertThatThrownBy(() -> BodyBuilder.build(job, spec(Router.NANO_BANANA), SERVE))
        .isInstanceOfSatisfying(
            StageException.class,
            e -> {
              assertThat(e.exitClass()).isEqualTo(ExitClass.DATA);
              assertThat(e.getMessage()).startsWith("params.image_urls:");
            });
  }

  @Test
  void shouldLeaveAbsentImagesToTheSchemaCheck() {
    ObjectNode body =
        BodyBuilder.build(job("x", null, null, null, null), spec(Router.GPT_IMAGE), SERVE);

    assertThat(fieldNames(body)).containsExactly("prompt");
    assertThat(BodyCheck.check(CATALOG, Router.GPT_IMAGE, body))
        .extracting(v -> v.field())
        .containsExactly("images");
  }
}
