package dev.editstream.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelCatalogTest {
  private final ModelCatalog catalog = ModelCatalog.builtIn();

  private static JsonNode body(String json) throws Exception {
    return Json.mapper().readTree(json.replace('\'', '"'));
  }

  @Test
  void shouldKnowTheEightModelsOfTheRoutingTable() {
    assertThat(catalog.all()).extracting(ModelSpec::modelId).containsExactlyInAnyOrder(
        "google/nano-banana-2/edit", "openai/gpt-image-2/edit", "blackforestlabs/flux-1-kontext/pro/edit",
        "tongyi-mai/z-image/turbo/inpainting", "tongyi-mai/z-image/turbo/inpainting/lora", "wan-ai/wan-2-7/edit-video",
        "decart/lucy-edit/restyle", "bytedance/seedream-4-0/edit-sequential");
    assertThat(catalog.find("google/nano-banana-2/edit").orElseThrow().maxImages()).isEqualTo(20);
    assertThat(catalog.find("openai/gpt-image-2/edit").orElseThrow().maxImages()).isEqualTo(10);
    assertThat(catalog.find("blackforestlabs/flux-1-kontext/pro/edit").orElseThrow().maxImages()).isEqualTo(1);
    assertThat(catalog.find("wan-ai/wan-2-7/edit-video").orElseThrow().producesVideo()).isTrue();
  }

  @Test
  void shouldAcceptTheDocumentedFluxKontextExampleBody() throws Exception {
    JsonNode ex = Json.mapper().readTree(new java.io.File(root(), "../shared/runcomfy-examples/submit-request.flux-kontext.json")).get("body");
    assertThat(catalog.check("blackforestlabs/flux-1-kontext/pro/edit", ex)).isEmpty();
  }

  @ParameterizedTest(name = "{0}: {1} -> {2}")
  @CsvSource(delimiter = '|', value = {
      "google/nano-banana-2/edit|{'prompt':'p','image_urls':[]}|image_urls",
      "google/nano-banana-2/edit|{'prompt':'p','image_urls':['a'],'number_of_images':5}|number_of_images",
      "google/nano-banana-2/edit|{'prompt':'p','image_urls':['a'],'resolution':'8K'}|resolution",
      "google/nano-banana-2/edit|{'prompt':'p','image_urls':['a'],'safety_tolerance':7}|safety_tolerance",
      "google/nano-banana-2/edit|{'prompt':'p','image_urls':['a'],'sede':1}|sede",
      "openai/gpt-image-2/edit|{'prompt':'p','images':['a'],'size':'512_512'}|size",
      "blackforestlabs/flux-1-kontext/pro/edit|{'prompt':'p'}|image_url",
      "tongyi-mai/z-image/turbo/inpainting|{'prompt':'p','image_url':'a'}|mask_image_url",
      "tongyi-mai/z-image/turbo/inpainting|{'prompt':'p','image_url':'a','mask_image_url':'m','strength':1.5}|strength",
      "tongyi-mai/z-image/turbo/inpainting|{'prompt':'p','image_url':'a','mask_image_url':'m','control_scale':-0.1}|control_scale",
      "wan-ai/wan-2-7/edit-video|{'prompt':'p','video':'v','duration':1}|duration",
      "wan-ai/wan-2-7/edit-video|{'prompt':'p','video':'v','duration':11}|duration",
      "decart/lucy-edit/restyle|{'prompt':'p'}|video_url"})
  void shouldNameTheFieldOfEachLimitViolation(String model, String json, String field) throws Exception {
    assertThat(catalog.check(model, body(json))).extracting(SchemaViolation::field).contains(field);
  }

  @ParameterizedTest
  @CsvSource({"0", "2", "10"})
  void shouldAcceptWanDurationsZeroOrTwoToTen(int d) throws Exception {
    assertThat(catalog.check("wan-ai/wan-2-7/edit-video", body("{'prompt':'p','video':'v','duration':" + d + "}"))).isEmpty();
  }

  @Test
  void shouldRefuseAnUnknownModel() {
    assertThatThrownBy(() -> catalog.check("acme/nope", Json.mapper().createObjectNode())).hasMessageContaining("acme/nope");
  }

  static java.io.File root() {
    java.io.File d = new java.io.File("").getAbsoluteFile();
    while (d != null && !new java.io.File(d, "core/pom.xml").exists()) {
      d = d.getParentFile();
    }
    return d;
  }
}
