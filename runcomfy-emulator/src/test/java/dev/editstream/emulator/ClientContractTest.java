package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.RunComfyConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.test.StepVerifier;

/**
 * The emulator's answers through editstream's real {@link RunComfyClient}: a body in RunComfy's
 * live fields is accepted for each seed model; a body in the seeds' stale fields, or out of the
 * live schema's limits, is a 422 that surfaces as a class 65 failure naming the field; a misspelt
 * model_id is a class 65 400001. The bodies are written here from runcomfy-live-contract.md, not
 * read from editstream's model files: the emulator is meant to be able to disagree with them.
 */
class ClientContractTest {
  private static final String TOKEN = "client-contract";

  @TempDir static Path dir;
  static RunComfyEmulator emu;
  static RunComfyClient client;

  /** Requests the emulator accepted; each must finish before the emulator stops. */
  static final List<String> accepted = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    emu =
        RunComfyEmulator.start(
            EmulatorConfig.defaults(dir, TOKEN).withFetchInputs(false).withLatency(0, 0));
    client = new RunComfyClient(RunComfyConfig.of(emu.baseUrl(), TOKEN));
  }

  @AfterAll
  static void stop() {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> accepted.stream().allMatch(id -> emu.finishedAt(id).isPresent()));
    client.close();
    emu.close();
  }

  /** A body refused by the live schema, and the field the 422 must name. */
  record Refused(String what, String model, String body, String field) {
    ObjectNode json() {
      try {
        return (ObjectNode) Json.mapper().readTree(body.replace('\'', '"'));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public String toString() {
      return model + ": " + what;
    }
  }

  static final String IMG = "'https://a.example/1.jpg'";

  /** One valid body per seed model, in the live fields (runcomfy-live-contract.md §1). */
  static Stream<Refused> valid() {
    return Stream.of(
        new Refused(
            "valid",
            "google/nano-banana-2/edit",
            "{'prompt':'p','image_urls':[" + IMG + "],'number_of_images':2,'resolution':'2K'}",
            null),
        new Refused(
            "valid",
            "openai/gpt-image-2/edit",
            "{'prompt':'p','images':["
                + IMG
                + "],'aspect_ratio':'3:2','quality':'high','resolution':'2k'}",
            null),
        new Refused(
            "valid",
            "blackforestlabs/flux-1-kontext/pro/edit",
            "{'prompt':'p','image_url':"
                + IMG
                + ",'seed':81030369,'aspect_ratio':'16:9','guidance_scale':3.5}",
            null),
        new Refused(
            "valid",
            "tongyi-mai/z-image/turbo/inpainting",
            "{'prompt':'p','image_url':"
                + IMG
                + ",'mask_image_url':"
                + IMG
                + ",'strength':0.55,'control_scale':0.7}",
            null),
        new Refused(
            "valid",
            "tongyi-mai/z-image/turbo/inpainting/lora",
            "{'prompt':'p','image_url':"
                + IMG
                + ",'mask_image_url':"
                + IMG
                + ",'loras':[{'path':'owner/style','scale':0.8}]}",
            null),
        new Refused(
            "valid",
            "wan-ai/wan-2.7/edit-video",
            "{'prompt':'p','video_url':'https://a.example/v.mp4','reference_image_url':"
                + IMG
                + ",'duration':4,'resolution':'720p'}",
            null),
        new Refused(
            "valid",
            "decart/lucy-edit/restyle",
            "{'prompt':'p','video_url':'https://a.example/v.mp4'}",
            null),
        new Refused(
            "valid",
            "bytedance/seedream-4-0/edit-sequential",
            "{'text':'p','images':[" + IMG + "," + IMG + "]}",
            null));
  }

  /** Stale seed fields and broken limits. */
  static Stream<Refused> refused() {
    return Stream.of(
        new Refused(
            "stale size",
            "openai/gpt-image-2/edit",
            "{'prompt':'p','images':[" + IMG + "],'size':'1024_1024'}",
            "size"),
        new Refused(
            "11 images",
            "openai/gpt-image-2/edit",
            "{'prompt':'p','images':[" + IMG.repeat(11).replace("''", "','") + "]}",
            "images"),
        new Refused(
            "quality ultra",
            "openai/gpt-image-2/edit",
            "{'prompt':'p','images':[" + IMG + "],'quality':'ultra'}",
            "quality"),
        new Refused(
            "stale video field",
            "wan-ai/wan-2.7/edit-video",
            "{'prompt':'p','video':'https://a.example/v.mp4'}",
            "video"),
        new Refused(
            "duration 0 (seeds: as input)",
            "wan-ai/wan-2.7/edit-video",
            "{'prompt':'p','video_url':'https://a.example/v.mp4','duration':0}",
            "duration"),
        new Refused(
            "duration 11",
            "wan-ai/wan-2.7/edit-video",
            "{'prompt':'p','video_url':'https://a.example/v.mp4','duration':11}",
            "duration"),
        new Refused(
            "21 images",
            "google/nano-banana-2/edit",
            "{'prompt':'p','image_urls':[" + IMG.repeat(21).replace("''", "','") + "]}",
            "image_urls"),
        new Refused(
            "number_of_images 5",
            "google/nano-banana-2/edit",
            "{'prompt':'p','image_urls':[" + IMG + "],'number_of_images':5}",
            "number_of_images"),
        new Refused(
            "skill field image",
            "blackforestlabs/flux-1-kontext/pro/edit",
            "{'prompt':'p','image':" + IMG + "}",
            "image"),
        new Refused(
            "strength 1.5",
            "tongyi-mai/z-image/turbo/inpainting",
            "{'prompt':'p','image_url':" + IMG + ",'mask_image_url':" + IMG + ",'strength':1.5}",
            "strength"),
        new Refused(
            "missing mask",
            "tongyi-mai/z-image/turbo/inpainting",
            "{'prompt':'p','image_url':" + IMG + "}",
            "mask_image_url"),
        new Refused(
            "lora scale 3",
            "tongyi-mai/z-image/turbo/inpainting/lora",
            "{'prompt':'p','image_url':"
                + IMG
                + ",'mask_image_url':"
                + IMG
                + ",'loras':[{'path':'x','scale':3}]}",
            "loras[0].scale"),
        new Refused(
            "resolution 1080p",
            "decart/lucy-edit/restyle",
            "{'prompt':'p','video_url':'https://a.example/v.mp4','resolution':'1080p'}",
            "resolution"),
        new Refused(
            "prompt for text",
            "bytedance/seedream-4-0/edit-sequential",
            "{'prompt':'p','images':[" + IMG + "]}",
            "text"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valid")
  void shouldAcceptEachSeedModelsBodyInTheLiveFields(Refused v) {
    StepVerifier.create(client.submit(v.model(), v.json()))
        .assertNext(
            r -> {
              assertThat(r.requestId()).isNotBlank();
              accepted.add(r.requestId());
            })
        .expectComplete()
        .verify(Duration.ofSeconds(20));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void shouldRefuseStaleOrOutOfLimitBodiesWith422AsAClass65FailureNamingTheField(Refused v) {
    long before = emu.stats().submits();

    StepVerifier.create(client.submit(v.model(), v.json()))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOfSatisfying(
                        StageException.class,
                        se -> {
                          assertThat(se.exitClass()).isEqualTo(ExitClass.DATA);
                          assertThat(se.getMessage())
                              .contains("HTTP 422")
                              .contains("body." + v.field() + ": ");
                        }))
        .verify(Duration.ofSeconds(20));
    assertThat(emu.stats().submits()).isEqualTo(before);
  }

  @Test
  void shouldRefuseTheSeedsSpellingOfTheWanIdAsAClass65InvalidModel() {
    JsonNode body =
        Json.mapper()
            .createObjectNode()
            .put("prompt", "p")
            .put("video_url", "https://a.example/v.mp4");

    StepVerifier.create(client.submit("wan-ai/wan-2-7/edit-video", body))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOfSatisfying(
                        StageException.class,
                        se -> {
                          assertThat(se.exitClass()).isEqualTo(ExitClass.DATA);
                          assertThat(se.getMessage()).contains("HTTP 400").contains("400001");
                        }))
        .verify(Duration.ofSeconds(20));
  }

  @Test
  void shouldServeTheLiveCatalogEntryWithItsPriceAndDialectSchema() {
    JsonNode entry = client.model("wan-ai/wan-2.7/edit-video").block(Duration.ofSeconds(20));

    assertThat(entry.path("price_unit").asText()).isEqualTo("second");
    assertThat(entry.path("base_price_usd").asDouble()).isPositive();
    assertThat(
            entry.path("input_schema").path("properties").path("video_url").path("format").asText())
        .isEqualTo("video_uri");
    assertThat(entry.path("input_schema").path("additionalProperties").asBoolean(true)).isFalse();
  }
}
