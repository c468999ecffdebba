package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Today's RunComfy as the emulator plays it (runcomfy-live-contract.md), through real HTTP on
 * 127.0.0.1: the live catalog and its dialect, categories, balance and 402, cost, 400005 before
 * completion, live status spellings and the accepted-then-504 fault.
 */
class LiveBehaviourTest {
  static final String TOKEN = "live-token";
  static final String OTHER = "other-token";
  static final String FLUX = "blackforestlabs/flux-1-kontext/pro/edit";
  static final String NANO = "google/nano-banana-2/edit";
  static final String GPT = "openai/gpt-image-2/edit";
  static final String ZIMAGE = "tongyi-mai/z-image/turbo/inpainting";
  static final String WAN = "wan-ai/wan-2.7/edit-video";

  @TempDir Path dir;
  RunComfyEmulator emu;
  final TestHttp http = new TestHttp(TOKEN);

  @AfterEach
  void stop() {
    if (emu != null) {
      emu.close();
    }
  }

  void start(UnaryOperator<EmulatorConfig> tweak) {
    EmulatorConfig base =
        EmulatorConfig.defaults(dir, TOKEN)
            .withTokens(Set.of(TOKEN, OTHER))
            .withFetchInputs(false)
            .withLatency(0, 0);
    emu = RunComfyEmulator.start(tweak.apply(base));
  }

  static ObjectNode flux(int n) {
    return Json.mapper()
        .createObjectNode()
        .put("prompt", "p")
        .put("image_url", "http://127.0.0.1:9/in-" + n + ".png");
  }

  static ObjectNode body(String json) {
    try {
      return (ObjectNode) Json.mapper().readTree(json.replace('\'', '"'));
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  TestHttp.Resp post(String model, JsonNode body) {
    return http.post(emu.baseUrl() + "/models/" + model, body);
  }

  JsonNode accepted(String model, JsonNode body) {
    TestHttp.Resp r = post(model, body);
    assertThat(r.status())
        .as("submit answer %s", new String(r.body(), StandardCharsets.UTF_8))
        .isEqualTo(200);
    return r.json();
  }

  JsonNode awaitTerminal(JsonNode submitted) {
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(10))
        .until(
            () ->
                StatusWords.phaseOf(
                        http.get(submitted.path("status_url").asText())
                            .json()
                            .path("status")
                            .asText())
                    .filter(JobBook.State::terminal)
                    .isPresent());
    return submitted;
  }

  JsonNode balance(TestHttp client) {
    TestHttp.Resp r = client.get(emu.balanceUrl());
    assertThat(r.status()).isEqualTo(200);
    return r.json();
  }

  @Test
  void shouldValidateAgainstTheLiveSchemasInTheirDialect() {
    start(c -> c);
    TestHttp.Resp stale =
        post(GPT, body("{'prompt':'p','images':['http://127.0.0.1:9/a.png'],'size':'1024_1024'}"));
    TestHttp.Resp floaty =
        post(
            ZIMAGE,
            body(
                "{'prompt':'p','image_url':'http://127.0.0.1:9/a.png',"
                    + "'mask_image_url':'http://127.0.0.1:9/m.png','strength':0.55,'control_scale':0.25}"));
    TestHttp.Resp wan =
        post(WAN, body("{'prompt':'p','video_url':'http://127.0.0.1:9/v.mp4','duration':4}"));
    TestHttp.Resp seedsWan =
        post(
            "wan-ai/wan-2-7/edit-video",
            body("{'prompt':'p','video_url':'http://127.0.0.1:9/v.mp4'}"));
    TestHttp.Resp seedsWanEntry = http.get(emu.baseUrl() + "/models/wan-ai/wan-2-7/edit-video");

    assertThat(stale.status()).isEqualTo(422);
    assertThat(stale.json().path("error_code").asInt()).isEqualTo(422001);
    assertThat(stale.json().path("detail")).hasSize(1);
    assertThat(stale.json().path("detail").get(0).path("loc").toString())
        .isEqualTo("[\"body\",\"size\"]");
    assertThat(floaty.status()).isEqualTo(200);
    assertThat(wan.status()).isEqualTo(200);
    assertThat(seedsWan.status()).isEqualTo(400);
    assertThat(seedsWan.json())
        .isEqualTo(ApiResponses.error(400001, "Invalid model_id: wan-ai/wan-2-7/edit-video"));
    assertThat(seedsWanEntry.json().path("error_code").asInt()).isEqualTo(400001);
    assertThat(emu.stats().submits()).isEqualTo(2);
  }

  @Test
  void shouldListCategoriesAndFilterTheCatalogBySearchCategoryKindAndPage() {
    start(c -> c);
    JsonNode categories = http.get(emu.baseUrl() + "/models/categories").json();
    JsonNode wanVideos =
        http.get(
                emu.baseUrl()
                    + "/models?search=WAN&kind=video&include_schema=true&limit=1&offset=1")
            .json();
    JsonNode textToImage = http.get(emu.baseUrl() + "/models?category=text-to-image").json();
    JsonNode editVideo = http.get(emu.baseUrl() + "/models?category=edit-video&limit=500").json();
    JsonNode misspelt = http.get(emu.baseUrl() + "/models?search=wan-2-7").json();
    TestHttp.Resp tooMany = http.get(emu.baseUrl() + "/models?limit=501");

    assertThat(categories)
        .isEqualTo(
            ApiResponses.categories(
                List.of(
                    "text-to-image",
                    "image-to-image",
                    "image-to-video",
                    "text-to-video",
                    "text-to-audio",
                    "edit-video")));
    assertThat(wanVideos.path("total").asInt()).isEqualTo(2);
    assertThat(wanVideos.path("models")).hasSize(1);
    JsonNode entry = wanVideos.path("models").get(0);
    assertThat(entry.path("model_id").asText()).isEqualTo("wan-ai/wan-2.7/image-to-video");
    assertThat(entry.path("input_schema").path("type").asText()).isEqualTo("object");
    assertThat(textToImage.path("total").asInt()).isEqualTo(1);
    JsonNode t2i = textToImage.path("models").get(0);
    assertThat(t2i.path("model_id").asText()).isEqualTo("tongyi-mai/z-image/turbo/text-to-image");
    assertThat(t2i.has("input_schema")).isFalse();
    List<String> keys = new ArrayList<>();
    t2i.fieldNames().forEachRemaining(keys::add);
    assertThat(keys)
        .containsExactly(
            "model_id",
            "display_name",
            "categories",
            "kind",
            "inputs",
            "required_inputs",
            "base_price_usd",
            "price_unit",
            "pricing_mode",
            "pricing_note",
            "model_url");
    assertThat(editVideo.path("total").asInt()).isEqualTo(4);
    editVideo
        .path("models")
        .forEach(m -> assertThat(m.path("price_unit").asText()).isEqualTo("second"));
    assertThat(misspelt.path("total").asInt()).isZero();
    assertThat(tooMany.status()).isEqualTo(422);
  }

  @Test
  void shouldDebitCompletedJobsAndRefuseSubmitsWith402OnceTheBalanceIsGone() {
    start(c -> c.withBalanceUsd(0.1));
    TestHttp other = new TestHttp(OTHER);
    JsonNode start = balance(http);
    assertThat(start.path("balance_usd").asDouble()).isEqualTo(0.1);
    assertThat(start.path("balance_microdollars").asLong()).isEqualTo(100_000);
    assertThat(start.path("currency").asText()).isEqualTo("USD");

    List<Long> after = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      awaitTerminal(accepted(FLUX, flux(i)));
      after.add(balance(http).path("balance_microdollars").asLong());
    }
    TestHttp.Resp refused = post(FLUX, flux(9));

    assertThat(after).containsExactly(60_000L, 20_000L, -20_000L);
    assertThat(balance(http).path("balance_usd").asDouble()).isEqualTo(-0.02);
    assertThat(refused.status()).isEqualTo(402);
    assertThat(refused.json()).isEqualTo(ApiResponses.error(400002, "no remaining balance"));
    assertThat(emu.stats().submits()).isEqualTo(3);
    assertThat(emu.stats().billedMicros()).isEqualTo(120_000);
    assertThat(balance(other).path("balance_microdollars").asLong())
        .as("each account has its own wallet")
        .isEqualTo(100_000);
    assertThat(new TestHttp(OTHER).post(emu.baseUrl() + "/models/" + FLUX, flux(10)).status())
        .isEqualTo(200);
    assertThat(new TestHttp(null).get(emu.balanceUrl()).status()).isEqualTo(401);
  }

  @Test
  void shouldRefuseAResultBeforeCompletionWith400005ByDefaultAndAnswerTheStateOnRequest() {
    start(c -> c.withLatency(60_000, 60_000).withStatusWords(StatusWords.DOCUMENTED));
    JsonNode running = accepted(FLUX, flux(1));
    TestHttp.Resp early = http.get(running.path("result_url").asText());
    emu.close();
    start(
        c ->
            c.withLatency(60_000, 60_000).withResultBeforeCompletion(ResultBeforeCompletion.STATE));
    JsonNode running2 = accepted(FLUX, flux(1));
    TestHttp.Resp state = http.get(running2.path("result_url").asText());

    assertThat(early.status()).isEqualTo(400);
    assertThat(early.json()).isEqualTo(ApiResponses.error(400005, "result not ready"));
    assertThat(state.status()).isEqualTo(200);
    assertThat(state.json().path("request_id").asText())
        .isEqualTo(running2.path("request_id").asText());
    assertThat(state.json().path("status").asText())
        .isEqualTo(
            StatusWords.LIVE.spell(
                JobBook.State.IN_PROGRESS, running2.path("request_id").asText()));
    assertThat(state.json().has("output")).isFalse();
  }

  @Test
  void shouldAddTheCostToACompletedResultOnlyWhenAskedFor() {
    start(c -> c);
    ObjectNode two =
        body("{'prompt':'p','image_urls':['http://127.0.0.1:9/a.png'],'number_of_images':2}");
    JsonNode nano = awaitTerminal(accepted(NANO, two));
    JsonNode wan =
        awaitTerminal(
            accepted(
                WAN, body("{'prompt':'p','video_url':'http://127.0.0.1:9/v.mp4','duration':3}")));
    JsonNode wanDefault =
        awaitTerminal(accepted(WAN, body("{'prompt':'p','video_url':'http://127.0.0.1:9/v.mp4'}")));

    JsonNode plain = http.get(nano.path("result_url").asText()).json();
    JsonNode costed = http.get(nano.path("result_url").asText() + "?include_cost=true").json();
    assertThat(plain.has("cost")).isFalse();
    assertThat(costed.path("output").path("images")).hasSize(2);
    assertThat(costed.path("cost").isNumber()).isTrue();
    assertThat(costed.path("cost").asDouble()).isEqualTo(0.078);
    assertThat(
            http.get(wan.path("result_url").asText() + "?include_cost=true")
                .json()
                .path("cost")
                .asDouble())
        .isEqualTo(0.3);
    assertThat(
            http.get(wanDefault.path("result_url").asText() + "?include_cost=1")
                .json()
                .path("cost")
                .asDouble())
        .isEqualTo(0.5);
    assertThat(balance(http).path("balance_microdollars").asLong())
        .isEqualTo(1_000_000_000L - 78_000 - 300_000 - 500_000);
  }

  @Test
  void shouldNotBillAFailedJob() {
    start(c -> c.withFailedJobRate(1.0));
    JsonNode failed = awaitTerminal(accepted(FLUX, flux(1)));
    JsonNode result = http.get(failed.path("result_url").asText() + "?include_cost=true").json();

    assertThat(StatusWords.phaseOf(result.path("status").asText())).contains(JobBook.State.FAILED);
    assertThat(result.path("cost").asDouble()).isZero();
    assertThat(balance(http).path("balance_usd").asDouble()).isEqualTo(1000.0);
  }

  @Test
  void shouldSpellEachRequestsStatusTheSameWayInItsStatusAndResultWhenLive() {
    start(c -> c);
    Set<String> words = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      JsonNode s = awaitTerminal(accepted(FLUX, flux(i)));
      String id = s.path("request_id").asText();
      String status = http.get(s.path("status_url").asText()).json().path("status").asText();
      String result = http.get(s.path("result_url").asText()).json().path("status").asText();
      assertThat(status)
          .isEqualTo(StatusWords.LIVE.spell(JobBook.State.COMPLETED, id))
          .isEqualTo(result);
      words.add(status);
    }
    assertThat(words).isSubsetOf("completed", "COMPLETED", "succeeded").hasSizeGreaterThan(1);
  }

  @Test
  void shouldSpellQueuedAndRunningRequestsLiveAndOnlyDocumentedWordsOnRequest() {
    start(c -> c.withConcurrency(1).withLatency(60_000, 60_000));
    JsonNode running = accepted(FLUX, flux(1));
    JsonNode queued = accepted(FLUX, flux(2));
    JsonNode queuedStatus = http.get(queued.path("status_url").asText()).json();

    assertThat(http.get(running.path("status_url").asText()).json().path("status").asText())
        .isEqualTo(
            StatusWords.LIVE.spell(JobBook.State.IN_PROGRESS, running.path("request_id").asText()));
    assertThat(queuedStatus.path("status").asText())
        .isEqualTo(
            StatusWords.LIVE.spell(JobBook.State.IN_QUEUE, queued.path("request_id").asText()));
    assertThat(queuedStatus.path("queue_position").asInt()).isEqualTo(1);
    emu.close();

    start(c -> c.withStatusWords(StatusWords.DOCUMENTED));
    Set<String> words = new HashSet<>();
    for (int i = 0; i < 10; i++) {
      JsonNode s = awaitTerminal(accepted(FLUX, flux(i)));
      words.add(http.get(s.path("status_url").asText()).json().path("status").asText());
      words.add(http.get(s.path("result_url").asText()).json().path("status").asText());
    }
    assertThat(words).containsExactly("completed");
  }

  @Test
  void shouldCreateRunAndBillTheJobOfAnAcceptedThen504SubmitOnce() {
    start(c -> c.withAcceptedThen504Rate(1.0));
    ObjectNode b = flux(1);
    TestHttp.Resp r = post(FLUX, b);

    assertThat(r.status()).isEqualTo(504);
    assertThat(r.headers().get("Content-Type")).startsWith("text/html");
    assertThat(new String(r.body(), StandardCharsets.UTF_8))
        .isEqualTo("<html><body><h1>504 Gateway Time-out</h1></body></html>");
    String hash = EmulatorStats.bodyHash(b);
    assertThat(emu.stats().submits()).isEqualTo(1);
    assertThat(emu.stats().submitsPerBodyHash()).containsExactly(java.util.Map.entry(hash, 1L));
    assertThat(emu.stats().postsPerBodyHash()).containsExactly(java.util.Map.entry(hash, 1L));
    assertThat(emu.stats().acceptedThen504()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(30)).until(() -> emu.stats().inFlight() == 0);
    assertThat(emu.stats().billedMicros()).isEqualTo(40_000);
    assertThat(balance(http).path("balance_usd").asDouble()).isEqualTo(999.96);
    JsonNode stats = new TestHttp(null).get(emu.statsUrl()).json();
    assertThat(stats.path("accepted_then_504").asLong()).isEqualTo(1);
    assertThat(stats.path("posts_per_body_hash").path(hash).asLong()).isEqualTo(1);
    assertThat(stats.path("billed_usd").asDouble()).isEqualTo(0.04);
  }

  @Test
  void shouldCountEveryPostPerBodyButCreateNoJobOnA503() {
    start(c -> c.withRate5xx(1.0));
    ObjectNode b = flux(1);
    TestHttp.Resp first = post(FLUX, b);
    TestHttp.Resp retry = post(FLUX, b);
    TestHttp.Resp garbage = http.post(emu.baseUrl() + "/models/" + FLUX, "not json{");

    assertThat(first.status()).isEqualTo(503);
    assertThat(first.json()).isEqualTo(ApiResponses.error(500001, "Internal Error"));
    assertThat(retry.status()).isEqualTo(503);
    assertThat(garbage.status()).isEqualTo(503);
    assertThat(emu.stats().submits()).isZero();
    assertThat(emu.stats().unavailable()).isEqualTo(3);
    assertThat(emu.stats().acceptedThen504()).isZero();
    assertThat(emu.stats().postsPerBodyHash())
        .containsEntry(EmulatorStats.bodyHash(b), 2L)
        .containsEntry(EmulatorStats.rawHash("not json{".getBytes(StandardCharsets.UTF_8)), 1L)
        .hasSize(2);
  }
}
