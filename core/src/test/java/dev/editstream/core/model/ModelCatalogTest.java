package dev.editstream.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ModelCatalogTest {
  private final ModelCatalog catalog = ModelCatalog.builtIn();

  private static JsonNode json(String json) throws Exception {
    return Json.mapper().readTree(json.replace('\'', '"'));
  }

  @Test
  void shouldHoldTheLate2026IdsAndFieldsOfTheRoutingTargets() {
    assertThat(catalog.source()).isEqualTo(ModelCatalog.Source.BUILT_IN);
    assertThat(catalog.problems()).isEmpty();
    assertThat(catalog.all())
        .extracting(ModelSpec::modelId)
        .contains(
            "google/nano-banana-2/edit",
            "openai/gpt-image-2/edit",
            "blackforestlabs/flux-1-kontext/pro/edit",
            "tongyi-mai/z-image/turbo/inpainting",
            "tongyi-mai/z-image/turbo/inpainting/lora",
            "wan-ai/wan-2.7/edit-video",
            "decart/lucy-edit/restyle",
            "bytedance/seedream-4-0/edit-sequential",
            "qwen/qwen-image-2.1/edit");
    assertThat(catalog.find("google/nano-banana-2/edit").orElseThrow().maxImages()).isEqualTo(20);
    assertThat(catalog.find("openai/gpt-image-2/edit").orElseThrow().maxImages()).isEqualTo(10);
    assertThat(catalog.find("blackforestlabs/flux-1-kontext/pro/edit").orElseThrow().maxImages())
        .isEqualTo(1);
    ModelSpec wan = catalog.find("wan-ai/wan-2.7/edit-video").orElseThrow();
    assertThat(wan.producesVideo()).isTrue();
    assertThat(wan.fields())
        .isEqualTo(new ModelSpec.Fields("prompt", "reference_image_url", false, null, "video_url"));
    assertThat(wan.price().unit()).isEqualTo("second");
  }

  @Test
  void shouldResolveBothSpellingsOfAVersionedIdButNotAGuess() {
    assertThat(catalog.resolve("wan-ai/wan-2-7/edit-video"))
        .get()
        .extracting(ModelSpec::modelId)
        .isEqualTo("wan-ai/wan-2.7/edit-video");
    assertThat(catalog.resolve("wan-ai/wan-2.7/edit-video"))
        .get()
        .extracting(ModelSpec::modelId)
        .isEqualTo("wan-ai/wan-2.7/edit-video");
    assertThat(catalog.resolve("WAN-AI/Wan-2.7/Edit-Video")).isPresent();
    assertThat(catalog.resolve("wan-ai/wan-2-8/edit-video")).isEmpty();
    assertThat(catalog.find("wan-ai/wan-2-7/edit-video")).isEmpty();
  }

  @Test
  void shouldAcceptTheDocumentedFluxKontextExampleBody() throws Exception {
    JsonNode ex =
        Json.mapper()
            .readTree(
                new java.io.File(
                    root(), "../shared/runcomfy-examples/submit-request.flux-kontext.json"))
            .get("body");
    assertThat(catalog.check("blackforestlabs/flux-1-kontext/pro/edit", ex)).isEmpty();
  }

  @Test
  void shouldReadTheDocumentedCatalogEntryExample() throws Exception {
    JsonNode ex =
        Json.mapper()
            .readTree(
                new java.io.File(root(), "../shared/runcomfy-examples/model-catalog-entry.json"))
            .get("body");
    ModelCatalog c = ModelCatalog.fromEntries(List.of(ex), ModelCatalog.Source.LIVE, Instant.EPOCH);
    ModelSpec m = c.find("google/nano-banana-2/edit").orElseThrow();
    assertThat(m.fields().images()).isEqualTo("image_urls");
    assertThat(m.fields().imagesArray()).isTrue();
    assertThat(m.price().unit()).isEqualTo("output");
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "tongyi-mai/z-image/turbo/inpainting|{'prompt':'p','image_url':'a','mask_image_url':'m','strength':0.55,'control_scale':0.8}",
        "tongyi-mai/z-image/turbo/inpainting/lora|{'prompt':'p','image_url':'a','mask_image_url':'m','loras':[{'path':'x','scale':0.7}]}",
        "blackforestlabs/flux-1-kontext/pro/edit|{'prompt':'p','image_url':'a','guidance_scale':4.5}",
        "openai/gpt-image-2/edit|{'prompt':'p','images':['a'],'aspect_ratio':'16:9','quality':'high','resolution':'2k','output_format':'webp'}",
        "wan-ai/wan-2.7/edit-video|{'prompt':'p','video_url':'v','reference_image_url':'r','duration':10}"
      })
  void shouldAcceptFloatParametersAndTheLiveFields(String model, String body) throws Exception {
    assertThat(catalog.check(model, json(body))).isEmpty();
  }

  static List<LimitViolations.Violation> violations() {
    return LimitViolations.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("violations")
  void shouldNameTheFieldOfEachLimitViolation(LimitViolations.Violation v) {
    assertThat(catalog.check(v.model(), v.body()))
        .extracting(SchemaViolation::field)
        .contains(v.field());
  }

  @Test
  void shouldReportASchemaItCannotUnderstandByNameAndKeepTheOthers() throws Exception {
    JsonNode good =
        json(
            "{'model_id':'a/good','input_schema':{'type':'object','properties':{'prompt':{'type':'string'}}}}");
    JsonNode bad =
        json(
            "{'model_id':'a/bad','input_schema':{'type':'object','properties':{'x':{'type':'decimal'}}}}");
    JsonNode none = json("{'model_id':'a/none'}");
    ModelCatalog c =
        ModelCatalog.fromEntries(List.of(good, bad, none), ModelCatalog.Source.LIVE, Instant.EPOCH);
    assertThat(c.all()).extracting(ModelSpec::modelId).containsExactly("a/good");
    assertThat(c.problems()).containsOnlyKeys("a/bad", "a/none");
    assertThat(c.problems().get("a/bad")).contains("properties.x.type").contains("decimal");
  }

  @Test
  void shouldEstimateFromRunComfysPriceAndSayWhenTheEstimateIsOnlyABase() throws Exception {
    JsonNode entry =
        json(
            "{'model_id':'a/img','base_price_usd':0.04,'price_unit':'output','pricing_mode':'fixed',"
                + "'input_schema':{'type':'object','properties':{'prompt':{'type':'string'},'number_of_images':{'type':'integer','default':1}}}}");
    ModelCatalog live =
        ModelCatalog.fromEntries(List.of(entry), ModelCatalog.Source.LIVE, Instant.EPOCH);
    CostEstimate e = live.estimate("a/img", json("{'prompt':'p','number_of_images':3}"));
    assertThat(e.usd()).isEqualTo(0.12);
    assertThat(e.exact()).isTrue();
    assertThat(
            catalog
                .estimate("google/nano-banana-2/edit", json("{'prompt':'p','image_urls':['a']}"))
                .exact())
        .isFalse();
  }

  @Test
  void shouldRefuseAnUnknownModel() {
    assertThatThrownBy(() -> catalog.check("acme/nope", Json.mapper().createObjectNode()))
        .hasMessageContaining("acme/nope");
  }

  static java.io.File root() {
    java.io.File d = new java.io.File("").getAbsoluteFile();
    while (d != null && !new java.io.File(d, "core/pom.xml").exists()) {
      d = d.getParentFile();
    }
    return d;
  }
}
