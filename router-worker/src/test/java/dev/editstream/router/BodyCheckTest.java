package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.core.model.SchemaViolation;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class BodyCheckTest {
  private static final ModelCatalog CATALOG = ModelCatalog.builtIn();

  /** A body each model accepts; the cases below break one documented limit of it. */
  private static ObjectNode valid(String modelId) {
    ObjectNode b = Json.mapper().createObjectNode();
    switch (modelId) {
      case Router.NANO_BANANA -> urls(b.put("prompt", "p").putArray("image_urls"), 1);
      case Router.GPT_IMAGE -> urls(b.put("prompt", "p").putArray("images"), 1);
      case Router.FLUX_KONTEXT -> b.put("prompt", "p").put("image_url", "https://a.example/1.jpg");
      case Router.Z_IMAGE, Router.Z_IMAGE_LORA ->
          b.put("prompt", "p").put("image_url", "https://a.example/1.jpg").put("mask_image_url", "https://a.example/m.png");
      case Router.WAN -> b.put("prompt", "p").put("video", "https://a.example/v.mp4");
      case Router.LUCY -> b.put("prompt", "p").put("video_url", "https://a.example/v.mp4");
      case Router.SEEDREAM -> urls(b.put("text", "p").putArray("images"), 2);
      default -> throw new IllegalArgumentException(modelId);
    }
    return b;
  }

  private static void urls(ArrayNode arr, int n) {
    arr.removeAll();
    for (int i = 1; i <= n; i++) {
      arr.add("https://a.example/" + i + ".jpg");
    }
  }

  static Stream<Arguments> documentedLimits() {
    return Stream.of(
        broken(Router.NANO_BANANA, "21 images", b -> urls((ArrayNode) b.get("image_urls"), 21), "image_urls", "at most 20"),
        broken(Router.NANO_BANANA, "number_of_images 5", b -> b.put("number_of_images", 5), "number_of_images", "4"),
        broken(Router.NANO_BANANA, "resolution 8K", b -> b.put("resolution", "8K"), "resolution", "enum"),
        broken(Router.NANO_BANANA, "safety_tolerance 7", b -> b.put("safety_tolerance", 7), "safety_tolerance", "6"),
        broken(Router.GPT_IMAGE, "11 images", b -> urls((ArrayNode) b.get("images"), 11), "images", "at most 10"),
        broken(Router.GPT_IMAGE, "size 512_512", b -> b.put("size", "512_512"), "size", "enum"),
        broken(Router.FLUX_KONTEXT, "no image", b -> b.remove("image_url"), "image_url", "required"),
        broken(Router.Z_IMAGE, "missing mask", b -> b.remove("mask_image_url"), "mask_image_url", "required"),
        broken(Router.Z_IMAGE, "strength 1.5", b -> b.put("strength", 1.5), "strength", "1"),
        broken(Router.Z_IMAGE, "control_scale -0.1", b -> b.put("control_scale", -0.1), "control_scale", "0"),
        broken(Router.Z_IMAGE_LORA, "missing mask", b -> b.remove("mask_image_url"), "mask_image_url", "required"),
        broken(Router.WAN, "duration 1", b -> b.put("duration", 1), "duration", ""),
        broken(Router.WAN, "duration 11", b -> b.put("duration", 11), "duration", ""),
        broken(Router.WAN, "no video", b -> b.remove("video"), "video", "required"),
        broken(Router.LUCY, "missing video", b -> b.remove("video_url"), "video_url", "required"),
        broken(Router.LUCY, "resolution 1080p", b -> b.put("resolution", "1080p"), "resolution", "enum"),
        broken(Router.SEEDREAM, "prompt as 'prompt'", b -> b.set("prompt", b.remove("text")), "text", "required"));
  }

  private static Arguments broken(String model, String what, Consumer<ObjectNode> breakIt, String field, String ruleHint) {
    return Arguments.of(model, what, breakIt, field, ruleHint);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("documentedLimits")
  void shouldRejectEachDocumentedLimitViolationNamingTheField(
      String model, String what, Consumer<ObjectNode> breakIt, String field, String ruleHint) {
    ObjectNode body = valid(model);
    assertThat(BodyCheck.check(CATALOG, model, body)).as("valid baseline").isEmpty();
    breakIt.accept(body);

    List<SchemaViolation> v = BodyCheck.check(CATALOG, model, body);

    assertThat(v).isNotEmpty();
    assertThat(v).extracting(SchemaViolation::field).contains(field);
    assertThat(v).filteredOn(x -> x.field().equals(field)).extracting(SchemaViolation::rule)
        .anySatisfy(rule -> assertThat(rule).containsIgnoringCase(ruleHint));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 2, 5, 10})
  void shouldAcceptWanDurationZeroOrTwoToTen(int seconds) {
    assertThat(BodyCheck.check(CATALOG, Router.WAN, valid(Router.WAN).put("duration", seconds))).isEmpty();
  }

  @Test
  void shouldBuildADataFailureListingEveryViolation() {
    ObjectNode body = valid(Router.NANO_BANANA).put("safety_tolerance", 7);
    urls((ArrayNode) body.get("image_urls"), 21);

    StageException e = BodyCheck.toFailure("j9", Router.NANO_BANANA, BodyCheck.check(CATALOG, Router.NANO_BANANA, body));

    assertThat(e.exitClass()).isEqualTo(ExitClass.DATA);
    assertThat(e.reason()).isEqualTo("schema");
    assertThat(e.getMessage())
        .startsWith("job j9: body for google/nano-banana-2/edit breaks its schema: image_urls: must have at most 20 items")
        .contains("safety_tolerance: ");
  }

  @Test
  void shouldRefuseToBuildAFailureFromNoViolations() {
    assertThatThrownBy(() -> BodyCheck.toFailure("j9", Router.NANO_BANANA, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void requireShouldThrowOnlyForABrokenBody() {
    assertThatNoException().isThrownBy(() -> BodyCheck.require(CATALOG, "j1", Router.LUCY, valid(Router.LUCY)));
    assertThatThrownBy(() -> BodyCheck.require(CATALOG, "j1", Router.LUCY, valid(Router.LUCY).put("resolution", "4K")))
        .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.getMessage()).contains("resolution: "));
  }

  @Test
  void shouldRefuseAnUnknownModel() {
    assertThatThrownBy(() -> BodyCheck.check(CATALOG, "acme/nope", valid(Router.LUCY)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("acme/nope");
  }
}
