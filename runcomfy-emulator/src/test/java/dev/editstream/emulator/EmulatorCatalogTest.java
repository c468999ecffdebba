package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.editstream.core.Json;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The emulator's own catalog fixture and schema handling (runcomfy-live-contract.md §1-§3), without
 * HTTP.
 */
class EmulatorCatalogTest {
  static final EmulatorCatalog CATALOG = EmulatorCatalog.builtIn();
  static final String ZIMAGE = "tongyi-mai/z-image/turbo/inpainting";
  static final List<String> SEEDS =
      List.of(
          "google/nano-banana-2/edit",
          "openai/gpt-image-2/edit",
          "blackforestlabs/flux-1-kontext/pro/edit",
          ZIMAGE,
          "tongyi-mai/z-image/turbo/inpainting/lora",
          "wan-ai/wan-2.7/edit-video",
          "decart/lucy-edit/restyle",
          "bytedance/seedream-4-0/edit-sequential");

  static JsonNode json(String s) throws Exception {
    return Json.mapper().readTree(s.replace('\'', '"'));
  }

  static List<String> fields(List<Violation> vs) {
    return vs.stream().map(Violation::field).toList();
  }

  @Test
  void shouldLoadTheFixtureWithTheLiveIdsAndRunComfysCategories() {
    assertThat(CATALOG.all())
        .extracting(EmulatorModel::modelId)
        .containsAll(SEEDS)
        .contains(
            "google/nano-banana-2-lite/edit",
            "qwen/qwen-image-2.1/edit",
            "openai/gpt-image-2.5/flare/edit",
            "bytedance/seedream-5.0-pro/image-to-image",
            "google/gemini-omni-flash/video-edit",
            "runwayml/runway-aleph-2/video-to-video",
            "tongyi-mai/z-image/turbo/text-to-image")
        .doesNotContain("wan-ai/wan-2-7/edit-video");
    assertThat(CATALOG.categories())
        .containsExactly(
            "text-to-image",
            "image-to-image",
            "image-to-video",
            "text-to-video",
            "text-to-audio",
            "edit-video");
    assertThat(CATALOG.find("wan-ai/wan-2-7/edit-video")).isEmpty();
  }

  @Test
  void shouldPriceEveryModelPerOutputImageOrPerVideoSecond() {
    for (EmulatorModel m : CATALOG.all()) {
      assertThat(m.basePriceUsd()).as(m.modelId()).isPositive();
      assertThat(m.priceUnit()).as(m.modelId()).isEqualTo(m.producesVideo() ? "second" : "output");
      assertThat(m.kind()).as(m.modelId()).isEqualTo(m.producesVideo() ? "video" : "image");
      assertThat(m.pricingMode()).isIn("fixed", "base");
      assertThat(m.modelUrl()).startsWith("https://");
    }
    assertThat(CATALOG.find("google/nano-banana-2/edit").orElseThrow().basePriceUsd())
        .isEqualTo(0.039);
    assertThat(CATALOG.find("wan-ai/wan-2.7/edit-video").orElseThrow().basePriceUsd())
        .isEqualTo(0.10);
  }

  @Test
  void shouldCloseTheEightSeedSchemasOnlyAndWriteThemInTheDialect() {
    for (EmulatorModel m : CATALOG.all()) {
      boolean closed = !m.inputSchema().path("additionalProperties").asBoolean(true);
      assertThat(closed).as(m.modelId()).isEqualTo(SEEDS.contains(m.modelId()));
    }
    JsonNode z = CATALOG.find(ZIMAGE).orElseThrow().inputSchema().path("properties");
    assertThat(z.path("strength").path("type").asText()).isEqualTo("float");
    assertThat(z.path("seed").has("default")).isTrue();
    assertThat(z.path("seed").path("default").isNull()).isTrue();
    assertThat(z.path("image_url").path("format").asText()).isEqualTo("image_uri");
    assertThat(z.path("image_url").path("validations").get(0).path("validation_rule").asText())
        .isEqualTo("file_size_mb<");
    assertThat(z.path("image_url").path("validations").get(0).path("validation_value").asInt())
        .isEqualTo(30);
    assertThat(CATALOG.find("openai/gpt-image-2/edit").orElseThrow().inputs())
        .doesNotContain("size")
        .containsExactly(
            "prompt", "images", "aspect_ratio", "quality", "resolution", "output_format");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "google/nano-banana-2/edit",
        "openai/gpt-image-2/edit",
        "blackforestlabs/flux-1-kontext/pro/edit",
        "tongyi-mai/z-image/turbo/inpainting",
        "tongyi-mai/z-image/turbo/inpainting/lora",
        "wan-ai/wan-2.7/edit-video",
        "decart/lucy-edit/restyle",
        "bytedance/seedream-4-0/edit-sequential"
      })
  void shouldCompileEachSeedSchemaAfterTranslationLeavingNoDialect(String model) {
    JsonNode standard = SchemaDialect.toStandard(CATALOG.find(model).orElseThrow().inputSchema());
    String text = standard.toString();

    assertThat(text)
        .doesNotContain("\"float\"")
        .doesNotContain("validations")
        .doesNotContain("_uri");
    assertThat(nullDefaults(standard)).isEmpty();
    JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7)
        .getSchema(standard)
        .initializeValidators();
  }

  @Test
  void shouldAcceptAFloatStrengthOnZImageThatTheRawDialectWouldRefuse() throws Exception {
    JsonNode body =
        json(
            "{'prompt':'p','image_url':'https://a/1.png','mask_image_url':'https://a/m.png','strength':0.55,'control_scale':0.7}");

    assertThat(CATALOG.check(ZIMAGE, body)).isEmpty();
    JsonNode raw = CATALOG.find(ZIMAGE).orElseThrow().inputSchema();
    assertThat(
            JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(raw).validate(body))
        .as("fed raw, a validator refuses the float")
        .extracting(m -> m.getInstanceLocation().toString())
        .contains("$.strength");
  }

  @Test
  void shouldNameAStaleSizeOnGptImage2() throws Exception {
    List<Violation> v =
        CATALOG.check(
            "openai/gpt-image-2/edit",
            json("{'prompt':'p','images':['https://a/1.png'],'size':'1024_1024'}"));

    assertThat(fields(v)).containsExactly("size");
    assertThat(v.get(0).rule()).contains("size");
  }

  @Test
  void shouldTakeWansVideoUrlAndRefuseTheSeedsVideoField() throws Exception {
    String wan = "wan-ai/wan-2.7/edit-video";
    assertThat(CATALOG.check(wan, json("{'prompt':'p','video_url':'https://a/v.mp4','seed':null}")))
        .as("default: null is dropped, the field does not become nullable")
        .extracting(Violation::field)
        .containsExactly("seed");
    assertThat(
            CATALOG.check(
                wan,
                json(
                    "{'prompt':'p','video_url':'https://a/v.mp4','duration':10,'audio_setting':'origin'}")))
        .isEmpty();
    assertThat(fields(CATALOG.check(wan, json("{'prompt':'p','video':'https://a/v.mp4'}"))))
        .containsExactly("video", "video_url");
    assertThat(
            fields(
                CATALOG.check(
                    wan, json("{'prompt':'p','video_url':'https://a/v.mp4','duration':0}"))))
        .containsExactly("duration");
  }

  @Test
  void shouldNameNestedLoraFieldsAndLeaveNewerModelsOpen() throws Exception {
    List<Violation> lora =
        CATALOG.check(
            "tongyi-mai/z-image/turbo/inpainting/lora",
            json(
                "{'prompt':'p','image_url':'u','mask_image_url':'m','loras':[{'path':'x','scale':2.5}]}"));
    assertThat(fields(lora)).containsExactly("loras[0].scale");
    assertThat(
            CATALOG.check(
                "qwen/qwen-image-2.1/edit",
                json("{'prompt':'p','image_url':'u','background':'transparent','extra':1}")))
        .isEmpty();
    assertThat(CATALOG.check("qwen/qwen-image-2.1/edit", json("{'prompt':'p'}")))
        .as("image_url or images")
        .isNotEmpty();
    assertThat(
            fields(
                CATALOG.check(
                    "qwen/qwen-image-2.1/edit",
                    json("{'prompt':'p','images':['a','b'],'mask_url':'m'}"))))
        .as("one image in mask mode")
        .contains("images");
    assertThat(
            CATALOG.check(
                "bytedance/seedream-5.0-pro/image-to-image", json("{'prompt':'p','image':'u'}")))
        .as("image is an array")
        .isNotEmpty();
    assertThatThrownBy(() -> CATALOG.check("acme/nope", json("{}")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldDeriveTheFieldRolesFromTheSchemaFormats() {
    EmulatorModel wan = CATALOG.find("wan-ai/wan-2.7/edit-video").orElseThrow();
    EmulatorModel z = CATALOG.find(ZIMAGE).orElseThrow();
    EmulatorModel qwen = CATALOG.find("qwen/qwen-image-2.1/edit").orElseThrow();
    EmulatorModel seedream = CATALOG.find("bytedance/seedream-4-0/edit-sequential").orElseThrow();

    assertThat(wan.producesVideo()).isTrue();
    assertThat(wan.videoField()).isEqualTo("video_url");
    assertThat(wan.integerDefault("duration")).isEqualTo(5);
    assertThat(z.imageFields()).containsExactly("image_url");
    assertThat(z.maskField()).isEqualTo("mask_image_url");
    assertThat(z.producesVideo()).isFalse();
    assertThat(qwen.imageFields()).containsExactly("image_url", "images");
    assertThat(qwen.maskField()).isEqualTo("mask_url");
    assertThat(seedream.promptField()).isEqualTo("text");
    assertThat(CATALOG.find("wan-ai/wan-2.7/image-to-video").orElseThrow().producesVideo())
        .isTrue();
  }

  @Test
  void shouldTranslateOnlySchemaPositionsNotValuesOrPropertyNames() throws Exception {
    JsonNode dialect =
        json(
            "{'type':'object','properties':{'format':{'type':'string','enum':['float'],'default':null},"
                + "'validations':{'type':['float','null']},'x':{'type':'array','items':{'type':'float','format':'image_uri'}}},"
                + "'anyOf':[{'properties':{'y':{'type':'float','validations':[]}}}]}");
    JsonNode std = SchemaDialect.toStandard(dialect);

    assertThat(std.path("properties").has("format")).isTrue();
    assertThat(std.path("properties").path("format").path("enum").get(0).asText())
        .isEqualTo("float");
    assertThat(std.path("properties").path("format").has("default")).isFalse();
    assertThat(std.path("properties").path("validations").path("type").toString())
        .isEqualTo("[\"number\",\"null\"]");
    assertThat(std.path("properties").path("x").path("items").toString())
        .isEqualTo("{\"type\":\"number\"}");
    assertThat(std.path("anyOf").get(0).path("properties").path("y").toString())
        .isEqualTo("{\"type\":\"number\"}");
    assertThat(dialect.path("properties").path("x").path("items").path("type").asText())
        .as("input untouched")
        .isEqualTo("float");
  }

  @Test
  void shouldRefuseAFixtureWhoseInputsDisagreeWithItsSchemaOrWhoseCategoryIsUnknown() {
    String entry =
        "{'model_id':'a/b','display_name':'A','categories':['%s'],'kind':'image','inputs':%s,'required_inputs':['prompt'],"
            + "'base_price_usd':0.01,'price_unit':'output','pricing_mode':'fixed','input_schema':{'type':'object','required':['prompt'],"
            + "'properties':{'prompt':{'type':'string'}}}}";
    String ok =
        "{'categories':['image-to-image'],'models':["
            + entry.formatted("image-to-image", "['prompt']")
            + "]}";
    String badInputs =
        "{'categories':['image-to-image'],'models':["
            + entry.formatted("image-to-image", "['prompt','size']")
            + "]}";
    String badCategory =
        "{'categories':['image-to-image'],'models':["
            + entry.formatted("image-edit", "['prompt']")
            + "]}";

    assertThat(EmulatorCatalog.read(stream(ok)).all()).hasSize(1);
    assertThatThrownBy(() -> EmulatorCatalog.read(stream(badInputs)))
        .hasMessageContaining("a/b")
        .hasMessageContaining("inputs");
    assertThatThrownBy(() -> EmulatorCatalog.read(stream(badCategory)))
        .hasMessageContaining("image-edit");
  }

  static InputStream stream(String s) {
    return new ByteArrayInputStream(s.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
  }

  static List<String> nullDefaults(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node.isObject()) {
      node.properties()
          .forEach(
              e -> {
                if (e.getKey().equals("default") && e.getValue().isNull()) {
                  out.add("default");
                }
                out.addAll(nullDefaults(e.getValue()));
              });
    } else if (node.isArray()) {
      node.forEach(n -> out.addAll(nullDefaults(n)));
    }
    return out;
  }
}
