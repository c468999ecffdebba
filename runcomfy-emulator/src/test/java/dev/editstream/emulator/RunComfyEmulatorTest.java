package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The emulator through real HTTP on 127.0.0.1: protocol, job lifecycle and real outputs. */
class RunComfyEmulatorTest {
  static final String TOKEN = "test-token";
  static final String FLUX = "blackforestlabs/flux-1-kontext/pro/edit";
  static final String NANO = "google/nano-banana-2/edit";
  static final String GPT = "openai/gpt-image-2/edit";
  static final String SEEDREAM = "bytedance/seedream-4-0/edit-sequential";
  static final String INPAINT = "tongyi-mai/z-image/turbo/inpainting";
  static final String TEAPOT = "a_products/a07_teapot_window.jpg";

  static SampleServer samples;

  @TempDir Path dir;
  RunComfyEmulator emu;
  final TestHttp http = new TestHttp(TOKEN);

  @BeforeAll
  static void startSamples() {
    samples = new SampleServer();
  }

  @AfterAll
  static void stopSamples() {
    samples.close();
  }

  @AfterEach
  void stop() {
    if (emu != null) {
      emu.close();
    }
  }

  RunComfyEmulator start(UnaryOperator<EmulatorConfig> tweak) {
    // documented status words: these tests read the words themselves (LiveBehaviourTest covers the
    // live ones)
    emu =
        RunComfyEmulator.start(
            tweak.apply(
                EmulatorConfig.defaults(dir, TOKEN)
                    .withLatency(50, 150)
                    .withStatusWords(StatusWords.DOCUMENTED)));
    return emu;
  }

  static ObjectNode fluxBody(String imageUrl) {
    ObjectNode b = Json.mapper().createObjectNode();
    b.put("prompt", "She is now holding an orange umbrella and smiling");
    b.put("image_url", imageUrl);
    return b;
  }

  JsonNode submit(String model, JsonNode body) {
    TestHttp.Resp r = http.post(emu.baseUrl() + "/models/" + model, body);
    assertThat(r.status()).as("submit answer %s", new String(r.body())).isEqualTo(200);
    return r.json();
  }

  JsonNode awaitTerminal(JsonNode submitted) {
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(25))
        .until(
            () -> {
              String s =
                  http.get(submitted.path("status_url").asText()).json().path("status").asText();
              return s.equals("completed") || s.equals("failed") || s.equals("cancelled");
            });
    return http.get(submitted.path("result_url").asText()).json();
  }

  static BufferedImage png(byte[] bytes) throws IOException {
    return ImageIO.read(new ByteArrayInputStream(bytes));
  }

  @Test
  void shouldAnswer401WhenTokenIsMissingOrWrong() {
    start(c -> c);
    TestHttp.Resp none = new TestHttp(null).get(emu.baseUrl() + "/models");
    TestHttp.Resp wrong =
        new TestHttp("nope").post(emu.baseUrl() + "/models/" + FLUX, fluxBody("http://x/y.png"));

    assertThat(none.status()).isEqualTo(401);
    assertThat(none.json().path("error_code").asInt()).isEqualTo(401001);
    assertThat(none.json().path("error_message").asText()).isEqualTo("Unauthorized");
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(emu.stats().submits()).isZero();
  }

  @Test
  void shouldGoThroughQueueAndProgressToCompletedWithADerivedPng() throws IOException {
    start(c -> c.withConcurrency(1).withLatency(1_200, 1_200));
    JsonNode first = submit(FLUX, fluxBody(samples.url(TEAPOT)));
    JsonNode second = submit(FLUX, fluxBody(samples.url(TEAPOT)));
    Set<String> seen = new HashSet<>();

    JsonNode queued = http.get(second.path("status_url").asText()).json();
    seen.add(queued.path("status").asText());
    assertThat(queued.path("status").asText()).isEqualTo("in_queue");
    assertThat(queued.path("queue_position").asInt()).isEqualTo(1);
    assertThat(http.get(first.path("status_url").asText()).json().path("status").asText())
        .isEqualTo("in_progress");
    TestHttp.Resp early = http.get(second.path("result_url").asText());
    assertThat(early.status()).as("a result before completion").isEqualTo(400);
    assertThat(early.json().path("error_code").asInt()).isEqualTo(400005);
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              seen.add(http.get(second.path("status_url").asText()).json().path("status").asText());
              return seen.contains("completed");
            });
    JsonNode result = http.get(second.path("result_url").asText()).json();

    assertThat(seen).contains("in_queue", "in_progress", "completed");
    assertThat(result.path("status").asText()).isEqualTo("completed");
    assertThat(result.path("error").isNull()).isTrue();
    assertThat(result.path("created_at").asText()).isNotBlank();
    assertThat(result.path("finished_at").asText()).isNotBlank();
    String url = result.path("output").path("images").get(0).asText();
    assertThat(url)
        .startsWith(
            "http://127.0.0.1:"
                + emu.port()
                + "/files/"
                + second.path("request_id").asText()
                + "/");
    TestHttp.Resp file = new TestHttp(null).get(url);
    assertThat(file.status()).isEqualTo(200);
    assertThat(file.headers().get("Content-Type")).isEqualTo("image/png");
    assertThat(file.headers().getInt("Content-Length")).isEqualTo(file.body().length);
    BufferedImage out = png(file.body());
    BufferedImage in = ImageIO.read(SampleServer.SAMPLES.resolve(TEAPOT).toFile());
    assertThat(out.getWidth()).isEqualTo(in.getWidth());
    assertThat(out.getHeight()).isEqualTo(in.getHeight());
    assertThat(differingPixels(in, out)).isGreaterThan(in.getWidth() * in.getHeight() / 4);
    assertThat(emu.stats().downloads()).isEqualTo(1);
    assertThat(emu.stats().submitsPerModel()).containsEntry(FLUX, 2L);
    assertThat(emu.stats().submitsPerBodyHash()).containsValue(2L);
  }

  @Test
  void shouldTellTheInstantEachRequestTurnedTerminalAsItsFinishedAtShows() {
    start(c -> c.withConcurrency(1).withLatency(300, 300));
    JsonNode first = submit(FLUX, fluxBody(samples.url(TEAPOT)));
    JsonNode second = submit(FLUX, fluxBody(samples.url(TEAPOT)));
    String firstId = first.path("request_id").asText();
    String secondId = second.path("request_id").asText();

    assertThat(emu.finishedAt(secondId)).as("queued behind the first").isEmpty();
    assertThat(emu.finishedAt("no-such-request")).isEmpty();
    JsonNode r1 = awaitTerminal(first);
    JsonNode r2 = awaitTerminal(second);

    java.time.Instant f1 = emu.finishedAt(firstId).orElseThrow();
    java.time.Instant f2 = emu.finishedAt(secondId).orElseThrow();
    assertThat(f1.truncatedTo(java.time.temporal.ChronoUnit.MILLIS))
        .isEqualTo(java.time.Instant.parse(r1.path("finished_at").asText()));
    assertThat(f2.truncatedTo(java.time.temporal.ChronoUnit.MILLIS))
        .isEqualTo(java.time.Instant.parse(r2.path("finished_at").asText()));
    // one slot: the second ran only after the first ended, for its whole 300 ms latency
    assertThat(Duration.between(f1, f2)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void shouldTimeEachEndFromTheRunToTheStatusAnswerThatToldItAndToTheNextSubmit() {
    start(c -> c.withConcurrency(1).withLatency(200, 200));
    JsonNode first = submit(FLUX, fluxBody(samples.url(TEAPOT)));
    awaitTerminal(first);
    long[] seenBeforeNextSubmit = emu.stats().endToNextSubmit();
    awaitTerminal(first); // a second answer about the same end counts nothing more
    submit(FLUX, fluxBody(samples.url(TEAPOT)));

    long[] delays = emu.stats().detectionDelays();
    assertThat(delays).hasSize(1);
    assertThat(delays[0]).isBetween(0L, Duration.ofSeconds(5).toNanos());
    assertThat(seenBeforeNextSubmit).as("no submit after the end yet").isEmpty();
    long[] hops = emu.stats().endToNextSubmit();
    assertThat(hops).hasSize(1);
    assertThat(hops[0]).isPositive();
  }

  static int differingPixels(BufferedImage a, BufferedImage b) {
    int n = 0;
    for (int y = 0; y < a.getHeight(); y++) {
      for (int x = 0; x < a.getWidth(); x++) {
        if ((a.getRGB(x, y) & 0xFFFFFF) != (b.getRGB(x, y) & 0xFFFFFF)) {
          n++;
        }
      }
    }
    return n;
  }

  @Test
  void shouldAnswer422WithDetailWhenGptImageGetsElevenImages() {
    start(c -> c);
    ObjectNode body = Json.mapper().createObjectNode().put("prompt", "p");
    for (int i = 0; i < 11; i++) {
      body.withArray("images").add("http://127.0.0.1/i" + i + ".png");
    }

    TestHttp.Resp r = http.post(emu.baseUrl() + "/models/" + GPT, body);

    assertThat(r.status()).isEqualTo(422);
    assertThat(r.json().path("error_code").asInt()).isEqualTo(422001);
    assertThat(r.json().path("error_message").asText()).isEqualTo("Validation Error");
    JsonNode d = r.json().path("detail").get(0);
    assertThat(d.path("loc").get(0).asText()).isEqualTo("body");
    assertThat(d.path("loc").get(1).asText()).isEqualTo("images");
    assertThat(d.path("msg").asText()).contains("10");
    assertThat(d.path("type").asText()).isEqualTo("value_error");
    assertThat(emu.stats().submits()).isZero();
  }

  @Test
  void shouldAnswer422NamingImageUrlWhenFluxBodyLacksIt() {
    start(c -> c);
    TestHttp.Resp r = http.post(emu.baseUrl() + "/models/" + FLUX, "{\"prompt\":\"x\"}");

    assertThat(r.status()).isEqualTo(422);
    List<String> fields = new ArrayList<>();
    r.json().path("detail").forEach(d -> fields.add(d.path("loc").get(1).asText()));
    assertThat(fields).containsExactly("image_url");
  }

  @Test
  void shouldAnswer400001WhenModelIsUnknownAnd400WhenBodyIsNotJson() {
    start(c -> c);
    TestHttp.Resp unknown = http.post(emu.baseUrl() + "/models/acme/does-not-exist", "{}");
    TestHttp.Resp unknownGet = http.get(emu.baseUrl() + "/models/acme/does-not-exist");
    TestHttp.Resp garbage = http.post(emu.baseUrl() + "/models/" + FLUX, "not json{");

    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.json().path("error_code").asInt()).isEqualTo(400001);
    assertThat(unknown.json().path("error_message").asText())
        .isEqualTo("Invalid model_id: acme/does-not-exist");
    assertThat(unknownGet.json().path("error_code").asInt()).isEqualTo(400001);
    assertThat(garbage.status()).isEqualTo(400);
  }

  @Test
  void shouldAnswer404001WhenRequestIsUnknown() {
    start(c -> c);
    for (String what : List.of("status", "result")) {
      TestHttp.Resp r =
          http.get(emu.baseUrl() + "/requests/00000000-0000-0000-0000-000000000000/" + what);
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.json().path("error_code").asInt()).isEqualTo(404001);
    }
    TestHttp.Resp cancel = http.post(emu.baseUrl() + "/requests/nope/cancel", (String) null);
    assertThat(cancel.status()).isEqualTo(404);
    assertThat(cancel.json().path("error_code").asInt()).isEqualTo(404001);
  }

  @Test
  void shouldCancelAQueuedJobButNotARunningOne() {
    start(c -> c.withConcurrency(1).withLatency(5_000, 5_000).withFetchInputs(false));
    JsonNode running = submit(FLUX, fluxBody("http://127.0.0.1:9/unused.png"));
    JsonNode queued = submit(FLUX, fluxBody("http://127.0.0.1:9/unused2.png"));

    TestHttp.Resp c1 = http.post(queued.path("cancel_url").asText(), (String) null);
    TestHttp.Resp c2 = http.post(running.path("cancel_url").asText(), (String) null);

    assertThat(c1.status()).isEqualTo(202);
    assertThat(c1.json().path("outcome").asText()).isEqualTo("cancelled");
    assertThat(c1.json().path("status").asText()).isEqualTo("cancelled");
    assertThat(c2.status()).isEqualTo(202);
    assertThat(c2.json().path("outcome").asText()).isEqualTo("not_cancellable");
    assertThat(c2.json().path("status").asText()).isEqualTo("in_progress");
    JsonNode result = http.get(queued.path("result_url").asText()).json();
    assertThat(result.path("status").asText()).isEqualTo("cancelled");
    assertThat(result.path("output").isNull()).isTrue();
    assertThat(emu.stats().cancels()).isEqualTo(2);
  }

  @Test
  void shouldListTheCatalogAndShowOneModelWithItsSchema() {
    start(c -> c);
    int size = EmulatorCatalog.builtIn().all().size();
    JsonNode all = http.get(emu.baseUrl() + "/models").json();
    JsonNode page = http.get(emu.baseUrl() + "/models?limit=2&offset=1&include_schema=true").json();
    JsonNode video = http.get(emu.baseUrl() + "/models?category=edit-video&search=LUCY").json();
    JsonNode one = http.get(emu.baseUrl() + "/models/" + NANO).json();
    TestHttp.Resp bad = http.get(emu.baseUrl() + "/models?limit=zero");

    assertThat(all.path("total").asInt()).isEqualTo(size);
    assertThat(all.path("models")).hasSize(size);
    assertThat(all.path("models").get(0).has("input_schema")).isFalse();
    assertThat(page.path("models")).hasSize(2);
    assertThat(page.path("models").get(0).path("input_schema").path("type").asText())
        .isEqualTo("object");
    assertThat(page.path("models").get(0).path("model_id").asText())
        .isEqualTo(all.path("models").get(1).path("model_id").asText());
    assertThat(video.path("total").asInt()).isEqualTo(1);
    assertThat(video.path("models").get(0).path("model_id").asText())
        .isEqualTo("decart/lucy-edit/restyle");
    assertThat(one.path("model_id").asText()).isEqualTo(NANO);
    assertThat(one.path("input_schema").path("required").toString()).contains("image_urls");
    assertThat(one.path("categories").get(0).asText()).isEqualTo("image-to-image");
    assertThat(
            one.path("input_schema").path("properties").path("image_urls").path("format").asText())
        .isEqualTo("image_uris");
    assertThat(one.path("description").asText()).isNotBlank();
    assertThat(bad.status()).isEqualTo(422);
    assertThat(bad.json().path("detail").get(0).path("loc").get(1).asText()).isEqualTo("limit");
  }

  @Test
  void shouldAnswer429WithRetryAfterWhenRate429IsOne() {
    start(c -> c.withRate429(1.0));
    TestHttp.Resp r =
        http.post(emu.baseUrl() + "/models/" + FLUX, fluxBody("http://127.0.0.1/x.png"));

    assertThat(r.status()).isEqualTo(429);
    assertThat(r.headers().get("Retry-After")).isEqualTo("1");
    assertThat(r.json().path("error_message").asText()).isEqualTo("rate limited");
    assertThat(emu.stats().rateLimited()).isEqualTo(1);
    assertThat(emu.stats().submits()).isZero();
  }

  @Test
  void shouldAnswer503WhenRate5xxIsOne() {
    start(c -> c.withRate5xx(1.0));
    TestHttp.Resp r = http.get(emu.baseUrl() + "/requests/abc/status");

    assertThat(r.status()).isEqualTo(503);
    assertThat(r.json().path("error_code").asInt()).isEqualTo(500001);
    assertThat(r.json().path("error_message").asText()).isEqualTo("Internal Error");
    assertThat(emu.stats().unavailable()).isEqualTo(1);
  }

  @Test
  void shouldEndTheJobFailedWhenFailedJobRateIsOne() {
    start(c -> c.withFailedJobRate(1.0));
    JsonNode result = awaitTerminal(submit(FLUX, fluxBody(samples.url(TEAPOT))));

    assertThat(result.path("status").asText()).isEqualTo("failed");
    assertThat(result.path("output").isNull()).isTrue();
    assertThat(result.path("error").path("message").asText()).isEqualTo("upstream model error");
  }

  @Test
  void shouldFailTheJobWhenTheInputImageCannotBeDecoded() {
    start(c -> c);
    JsonNode result =
        awaitTerminal(submit(FLUX, fluxBody(samples.url("f_broken/f02_not_an_image.jpg"))));

    assertThat(result.path("status").asText()).isEqualTo("failed");
    assertThat(result.path("error").path("message").asText())
        .isEqualTo("input image could not be decoded");
  }

  @Test
  void shouldFailTheJobWithoutLeakingTheQueryWhenTheInputCannotBeFetched() {
    start(c -> c);
    JsonNode result =
        awaitTerminal(
            submit(FLUX, fluxBody(samples.url("a_products/missing.png") + "?sig=secret")));

    assertThat(result.path("status").asText()).isEqualTo("failed");
    assertThat(result.path("error").path("message").asText())
        .contains("HTTP 404")
        .doesNotContain("secret");
  }

  @Test
  void shouldProduceOneVariantPerNumberOfImagesForNanoBanana() throws IOException {
    start(c -> c);
    ObjectNode body =
        Json.mapper().createObjectNode().put("prompt", "warmer").put("number_of_images", 2);
    body.putArray("image_urls").add(samples.url(TEAPOT));
    JsonNode result = awaitTerminal(submit(NANO, body));

    JsonNode images = result.path("output").path("images");
    assertThat(images).hasSize(2);
    BufferedImage a = png(new TestHttp(null).get(images.get(0).asText()).body());
    BufferedImage b = png(new TestHttp(null).get(images.get(1).asText()).body());
    assertThat(differingPixels(a, b)).isPositive();
  }

  @Test
  void shouldProduceOneSepiaOutputPerInputForSeedream() {
    start(c -> c);
    ObjectNode body = Json.mapper().createObjectNode().put("text", "sepia story");
    body.putArray("images")
        .add(samples.url(TEAPOT))
        .add(samples.url("a_products/a08_football_grass.jpg"));
    JsonNode result = awaitTerminal(submit(SEEDREAM, body));

    assertThat(result.path("status").asText()).isEqualTo("completed");
    assertThat(result.path("output").path("images")).hasSize(2);
  }

  @Test
  void shouldFillOnlyTheMaskRegionForInpainting() throws IOException {
    start(c -> c);
    String image = "b_inpaint/overture-creations-5sI6fQgYIuo.png";
    ObjectNode body =
        Json.mapper()
            .createObjectNode()
            .put("prompt", "a cat")
            .put("image_url", samples.url(image))
            .put(
                "mask_image_url", samples.url("b_inpaint/overture-creations-5sI6fQgYIuo_mask.png"));
    JsonNode result = awaitTerminal(submit(INPAINT, body));

    BufferedImage out =
        png(new TestHttp(null).get(result.path("output").path("images").get(0).asText()).body());
    BufferedImage in = ImageIO.read(SampleServer.SAMPLES.resolve(image).toFile());
    BufferedImage mask =
        ImageIO.read(
            SampleServer.SAMPLES
                .resolve("b_inpaint/overture-creations-5sI6fQgYIuo_mask.png")
                .toFile());
    int w = out.getWidth();
    int h = out.getHeight();
    int cx = -1;
    int cy = -1;
    for (int y = h / 2; y < h && cx < 0; y++) {
      for (int x = 0; x < w; x++) {
        if (ImageEffects.luminance(mask.getRGB(x * mask.getWidth() / w, y * mask.getHeight() / h))
            > 250) {
          cx = x;
          cy = y;
          break;
        }
      }
    }
    assertThat(cx).as("a white mask pixel").isNotNegative();
    assertThat(out.getRGB(cx, cy) & 0xFFFFFF).isNotEqualTo(in.getRGB(cx, cy) & 0xFFFFFF);
    assertThat(out.getRGB(w - 1, h - 1) & 0xFFFFFF).isEqualTo(in.getRGB(w - 1, h - 1) & 0xFFFFFF);
  }
}
