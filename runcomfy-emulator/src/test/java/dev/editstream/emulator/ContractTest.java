package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Contract tests: each answer of the emulator has the same JSON shape (keys, nesting and value
 * kinds) and HTTP status as RunComfy's documented exchange in {@code
 * /work/shared/runcomfy-examples/<name>.json}, so client and emulator agree with RunComfy rather
 * than only with each other. {@code result-not-finished} documents the older "200 with the current
 * state" answer: it is checked with {@link ResultBeforeCompletion#STATE}; today's default (400005,
 * runcomfy-live-contract.md §3) is checked against the documented error envelope.
 */
class ContractTest {
  static final Path EXAMPLES = Path.of("/work/shared/runcomfy-examples");
  static final String TOKEN = "contract";
  static final String FLUX = "blackforestlabs/flux-1-kontext/pro/edit";

  @TempDir static Path dir;
  static RunComfyEmulator slow;
  static RunComfyEmulator fast;
  static RunComfyEmulator faulty;
  static RunComfyEmulator limited;
  static RunComfyEmulator unavailable;
  static RunComfyEmulator broke;
  static TestHttp.Resp notReady;
  static final Map<String, TestHttp.Resp> actual = new HashMap<>();

  @BeforeAll
  static void collectAnswers() {
    EmulatorConfig base =
        EmulatorConfig.defaults(dir, TOKEN).withFetchInputs(false).withLatency(10, 30);
    slow =
        RunComfyEmulator.start(
            base.withConcurrency(1)
                .withLatency(60_000, 60_000)
                .withResultBeforeCompletion(ResultBeforeCompletion.STATE));
    fast = RunComfyEmulator.start(base);
    faulty = RunComfyEmulator.start(base.withFailedJobRate(1.0));
    limited = RunComfyEmulator.start(base.withRate429(1.0));
    unavailable = RunComfyEmulator.start(base.withRate5xx(1.0));
    broke = RunComfyEmulator.start(base.withBalanceUsd(0));
    TestHttp http = new TestHttp(TOKEN);
    ObjectNode flux =
        Json.mapper()
            .createObjectNode()
            .put("prompt", "p")
            .put("image_url", "http://127.0.0.1:9/a.png");

    TestHttp.Resp running = http.post(slow.baseUrl() + "/models/" + FLUX, flux);
    TestHttp.Resp queued = http.post(slow.baseUrl() + "/models/" + FLUX, flux);
    actual.put("submit-response", running);
    actual.put("status-in-progress", http.get(running.json().path("status_url").asText()));
    actual.put("result-not-finished", http.get(running.json().path("result_url").asText()));
    actual.put("status-in-queue", http.get(queued.json().path("status_url").asText()));
    actual.put(
        "cancel-accepted", http.post(queued.json().path("cancel_url").asText(), (String) null));
    actual.put(
        "cancel-not-cancellable",
        http.post(running.json().path("cancel_url").asText(), (String) null));

    JsonNode image = awaitDone(http, http.post(fast.baseUrl() + "/models/" + FLUX, flux).json());
    actual.put("status-completed", http.get(image.path("status_url").asText()));
    actual.put("result-completed-images", http.get(image.path("result_url").asText()));
    ObjectNode wan =
        Json.mapper()
            .createObjectNode()
            .put("prompt", "p")
            .put("video_url", "http://127.0.0.1:9/v.mp4");
    JsonNode video =
        awaitDone(
            http, http.post(fast.baseUrl() + "/models/wan-ai/wan-2.7/edit-video", wan).json());
    actual.put("result-completed-video", http.get(video.path("result_url").asText()));
    JsonNode failed = awaitDone(http, http.post(faulty.baseUrl() + "/models/" + FLUX, flux).json());
    actual.put("result-failed", http.get(failed.path("result_url").asText()));

    actual.put("error-auth", new TestHttp("wrong").get(fast.baseUrl() + "/models"));
    actual.put("error-rate-limited", http.get(limited.baseUrl() + "/models"));
    actual.put("error-upstream", http.get(unavailable.baseUrl() + "/models"));
    actual.put(
        "error-unknown-model", http.post(fast.baseUrl() + "/models/acme/does-not-exist", "{}"));
    actual.put(
        "error-unknown-request",
        http.get(fast.baseUrl() + "/requests/8a3f2c1e-5b7d-4e9a-9c0f-1d2e3f4a5b6c/status"));
    ObjectNode tooMany = Json.mapper().createObjectNode().put("prompt", "p");
    for (int i = 0; i < 11; i++) {
      tooMany.withArray("images").add("http://127.0.0.1:9/" + i + ".png");
    }
    actual.put(
        "error-validation", http.post(fast.baseUrl() + "/models/openai/gpt-image-2/edit", tooMany));
    actual.put(
        "model-catalog-entry", http.get(fast.baseUrl() + "/models/google/nano-banana-2/edit"));
    actual.put("error-no-balance", http.post(broke.baseUrl() + "/models/" + FLUX, flux));
    RunComfyEmulator waiting = RunComfyEmulator.start(base.withLatency(60_000, 60_000));
    try {
      notReady =
          http.get(
              http.post(waiting.baseUrl() + "/models/" + FLUX, flux)
                  .json()
                  .path("result_url")
                  .asText());
    } finally {
      waiting.close();
    }
  }

  static JsonNode awaitDone(TestHttp http, JsonNode submitted) {
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
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

  @AfterAll
  static void stopAll() {
    for (RunComfyEmulator e :
        new RunComfyEmulator[] {slow, fast, faulty, limited, unavailable, broke}) {
      if (e != null) {
        e.close();
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "submit-response, 200, ''",
    "status-in-queue, 200, ''",
    "status-in-progress, 200, ''",
    "status-completed, 200, ''",
    "result-not-finished, 200, ''",
    "result-completed-images, 200, ''",
    "result-completed-video, 200, ''",
    "result-failed, 200, ''",
    "cancel-accepted, 202, ''",
    "cancel-not-cancellable, 202, ''",
    "error-auth, 401, ''",
    "error-rate-limited, 429, ''",
    "error-upstream, 503, ''",
    "error-unknown-model, 400, ''",
    "error-unknown-request, 404, ''",
    "error-validation, 422, ''",
    "error-no-balance, 402, ''",
    "model-catalog-entry, 200, description kind inputs required_inputs pricing_mode pricing_note model_url"
  })
  void answersHaveTheDocumentedShape(String example, int status, String allowedExtra)
      throws IOException {
    JsonNode documented = documented(example);
    TestHttp.Resp answer = actual.get(example);

    assertThat(answer.status()).isEqualTo(status);
    assertSameShape(
        documented,
        answer.json(),
        "$",
        allowedExtra.isEmpty() ? Set.of() : Set.of(allowedExtra.split(" ")));
  }

  @org.junit.jupiter.api.Test
  void shouldAnswerTheNoBalanceBodyAsDocumented() throws IOException {
    assertThat(actual.get("error-no-balance").json()).isEqualTo(documented("error-no-balance"));
  }

  @org.junit.jupiter.api.Test
  void shouldAnswerAResultBeforeCompletionWith400005InTheDocumentedErrorEnvelope()
      throws IOException {
    assertThat(notReady.status()).isEqualTo(400);
    assertSameShape(documented("error-upstream"), notReady.json(), "$", Set.of());
    assertThat(notReady.json().path("error_code").asInt()).isEqualTo(400005);
  }

  static JsonNode documented(String example) throws IOException {
    return Json.mapper().readTree(EXAMPLES.resolve(example + ".json").toFile()).path("body");
  }

  /**
   * Same keys (the actual may add {@code allowedExtra} at top level), same nesting, same value
   * kinds.
   */
  static void assertSameShape(
      JsonNode expected, JsonNode actual, String path, Set<String> allowedExtra) {
    assertThat(actual.getNodeType()).as("kind of %s", path).isEqualTo(expected.getNodeType());
    if (expected.isObject()) {
      if (path.endsWith("input_schema")) {
        return;
      }
      Set<String> keys = new java.util.TreeSet<>();
      actual.fieldNames().forEachRemaining(keys::add);
      keys.removeAll(allowedExtra);
      Set<String> documented = new java.util.TreeSet<>();
      expected.fieldNames().forEachRemaining(documented::add);
      assertThat(keys).as("keys of %s", path).isEqualTo(documented);
      for (Iterator<String> it = expected.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        assertSameShape(expected.get(k), actual.get(k), path + "." + k, Set.of());
      }
    } else if (expected.isArray() && expected.size() > 0) {
      assertThat(actual.size()).as("size of %s", path).isPositive();
      assertSameShape(expected.get(0), actual.get(0), path + "[0]", Set.of());
    }
  }
}
