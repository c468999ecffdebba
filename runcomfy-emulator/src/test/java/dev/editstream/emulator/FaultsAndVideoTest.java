package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.jcodec.api.FrameGrab;
import org.jcodec.api.JCodecException;
import org.jcodec.common.io.ByteBufferSeekableByteChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

/**
 * Fault injection (hang, slow, truncated downloads, seeded determinism) and video outputs, over
 * real HTTP.
 */
class FaultsAndVideoTest {
  static final String TOKEN = "t0k";
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
    emu =
        RunComfyEmulator.start(
            tweak.apply(EmulatorConfig.defaults(dir, TOKEN).withLatency(20, 60)));
    return emu;
  }

  JsonNode completed(String model, JsonNode body) {
    TestHttp.Resp submitted = http.post(emu.baseUrl() + "/models/" + model, body);
    assertThat(submitted.status()).isEqualTo(200);
    String statusUrl = submitted.json().path("status_url").asText();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                StatusWords.phaseOf(http.get(statusUrl).json().path("status").asText())
                    .filter(JobBook.State::terminal)
                    .isPresent());
    JsonNode result = http.get(submitted.json().path("result_url").asText()).json();
    assertThat(StatusWords.phaseOf(result.path("status").asText()))
        .as("result %s", result)
        .contains(JobBook.State.COMPLETED);
    return result;
  }

  static int frameCount(byte[] mp4) throws IOException, JCodecException {
    FrameGrab grab =
        FrameGrab.createFrameGrab(
            ByteBufferSeekableByteChannel.readFromByteBuffer(ByteBuffer.wrap(mp4)));
    int n = 0;
    while (grab.getNativeFrame() != null) {
      n++;
    }
    return n;
  }

  @Test
  void shouldProduceADecodableMp4FromAnMp4Input() throws Exception {
    start(c -> c);
    ObjectNode body =
        Json.mapper()
            .createObjectNode()
            .put("prompt", "make it noir")
            .put("video_url", samples.url("e_video/e02_his_girl_friday_clip.mp4"));
    JsonNode result = completed("wan-ai/wan-2.7/edit-video", body);

    String url = result.path("output").path("video").asText();
    TestHttp.Resp file = new TestHttp(null).get(url);
    assertThat(URI.create(url).getPath()).endsWith(".mp4");
    assertThat(file.headers().get("Content-Type")).isEqualTo("video/mp4");
    assertThat(new String(file.body(), 4, 4, StandardCharsets.US_ASCII)).isEqualTo("ftyp");
    assertThat(frameCount(file.body())).isEqualTo(VideoRenderer.FRAMES);
  }

  @Test
  void shouldProduceASyntheticMp4WhenTheInputIsWebm() throws Exception {
    start(c -> c);
    ObjectNode body =
        Json.mapper()
            .createObjectNode()
            .put("prompt", "anime")
            .put("video_url", samples.url("e_video/e01_flower_bloom.webm"));
    JsonNode result = completed("decart/lucy-edit/restyle", body);

    byte[] mp4 = new TestHttp(null).get(result.path("output").path("video").asText()).body();
    assertThat(new String(mp4, 4, 4, StandardCharsets.US_ASCII)).isEqualTo("ftyp");
    assertThat(frameCount(mp4)).isGreaterThan(1);
  }

  @Test
  void shouldNeverAnswerWhenHangRateIsOne() {
    start(c -> c.withHangRate(1.0));
    TestHttp impatient = new TestHttp(TOKEN, Duration.ofMillis(300));

    StepVerifier.create(impatient.exchange("GET", emu.baseUrl() + "/models", null))
        .expectErrorSatisfies(e -> assertThat(e.getClass().getSimpleName()).contains("Timeout"))
        .verify(Duration.ofSeconds(10));
  }

  @Test
  void shouldAnswerOnlyAfterSlowMsWhenSlowRateIsOne() {
    start(c -> c.withSlow(1.0, 400));
    long t0 = System.nanoTime();
    TestHttp.Resp r = http.get(emu.baseUrl() + "/models");
    long elapsedMs = (System.nanoTime() - t0) / 1_000_000;

    assertThat(r.status()).isEqualTo(200);
    assertThat(elapsedMs).isGreaterThanOrEqualTo(400);
  }

  @Test
  void shouldCloseTheConnectionBeforeContentLengthWhenTruncateRateIsOne() {
    start(c -> c.withTruncateRate(1.0).withFetchInputs(false));
    ObjectNode body =
        Json.mapper()
            .createObjectNode()
            .put("prompt", "p")
            .put("image_url", "http://127.0.0.1:9/none.png");
    String url =
        completed("blackforestlabs/flux-1-kontext/pro/edit", body)
            .path("output")
            .path("images")
            .get(0)
            .asText();

    StepVerifier.create(new TestHttp(null).exchange("GET", url, null))
        .expectErrorSatisfies(
            e -> assertThat(e.getClass().getSimpleName()).isEqualTo("PrematureCloseException"))
        .verify(Duration.ofSeconds(10));
    assertThat(emu.stats().downloads()).isEqualTo(1);
  }

  @Test
  void shouldMeetTheSameFaultsForTheSameSeed() {
    List<Integer> first = statuses(7);
    List<Integer> again = statuses(7);
    List<Integer> other = statuses(8);

    assertThat(first).containsOnly(200, 429).contains(200, 429);
    assertThat(again).isEqualTo(first);
    assertThat(other).isNotEqualTo(first);
  }

  private List<Integer> statuses(long seed) {
    List<Integer> out = new ArrayList<>();
    try (RunComfyEmulator e =
        RunComfyEmulator.start(
            EmulatorConfig.defaults(dir, TOKEN).withRate429(0.5).withSeed(seed))) {
      for (int i = 0; i < 30; i++) {
        out.add(http.get(e.baseUrl() + "/models?limit=1").status());
      }
    }
    return out;
  }
}
