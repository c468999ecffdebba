package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;

/**
 * The emulator as a load model, through real HTTP on 127.0.0.1: limits, signed URLs, blobs, cheap
 * outputs, stats.
 */
class LoadModelTest {
  static final String TOKEN = "load-token";
  static final String OTHER = "other-token";
  static final String FLUX = RunComfyEmulatorTest.FLUX;
  static final String NANO = RunComfyEmulatorTest.NANO;
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
        EmulatorConfig.defaults(dir, TOKEN).withTokens(Set.of(TOKEN, OTHER)).withFetchInputs(false);
    emu = RunComfyEmulator.start(tweak.apply(base));
  }

  static ObjectNode fluxBody(int n) {
    return RunComfyEmulatorTest.fluxBody("http://127.0.0.1:9/in-" + n + ".png");
  }

  TestHttp.Resp submit(TestHttp client, String model, JsonNode body) {
    return client.post(emu.baseUrl() + "/models/" + model, body);
  }

  JsonNode awaitCompleted(JsonNode submitted) {
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () ->
                phase(http.get(submitted.path("status_url").asText()).json())
                    == JobBook.State.COMPLETED);
    return http.get(submitted.path("result_url").asText()).json();
  }

  /** The state a status or result answer tells, whichever spelling. */
  static JobBook.State phase(JsonNode answer) {
    return StatusWords.phaseOf(answer.path("status").asText()).orElseThrow();
  }

  /** GET through a fresh client, counting body bytes without keeping them. */
  record Counted(int status, HttpHeaders headers, long bytes) {}

  static Counted count(String url) {
    return HttpClient.newConnection()
        .responseTimeout(Duration.ofSeconds(60))
        .get()
        .uri(url)
        .response(
            (res, body) ->
                body.map(ByteBuf::readableBytes)
                    .reduce(0L, (a, b) -> a + b)
                    .map(n -> new Counted(res.status().code(), res.responseHeaders().copy(), n)))
        .single()
        .block(Duration.ofSeconds(90));
  }

  @Test
  void shouldAnswer429WithRetryAfterWhenTheAccountIsAtItsProviderCap() {
    start(
        c ->
            c.withProviderCap(2)
                .withCapRetryAfterS(7)
                .withConcurrency(1)
                .withLatency(new LatencyModel.Fixed(60_000)));
    assertThat(submit(http, FLUX, fluxBody(1)).status()).isEqualTo(200);
    JsonNode queued = submit(http, FLUX, fluxBody(2)).json();

    TestHttp.Resp over = submit(http, FLUX, fluxBody(3));
    TestHttp.Resp otherAccount = submit(new TestHttp(OTHER), FLUX, fluxBody(4));

    assertThat(over.status()).isEqualTo(429);
    assertThat(over.headers().get("Retry-After")).isEqualTo("7");
    assertThat(over.json())
        .isEqualTo(
            Json.mapper().createObjectNode().put("error_message", "concurrency limit reached"));
    assertThat(otherAccount.status()).isEqualTo(200);
    assertThat(emu.stats().capRejections()).isEqualTo(1);
    assertThat(emu.stats().rateLimited()).isEqualTo(1);
    assertThat(emu.stats().submits()).isEqualTo(3);
    assertThat(emu.stats().inFlight()).isEqualTo(3);

    assertThat(
            http.post(queued.path("cancel_url").asText(), (String) null)
                .json()
                .path("outcome")
                .asText())
        .isEqualTo("cancelled");
    assertThat(submit(http, FLUX, fluxBody(3)).status())
        .as("a cancel frees a place under the cap")
        .isEqualTo(200);
    assertThat(emu.stats().peakInFlight()).isEqualTo(3);
  }

  @Test
  void shouldAnswer429WithRetryAfterWhenTheAccountExceedsItsRateLimit() {
    start(c -> c.withRateLimitPerSecond(0.5));
    TestHttp.Resp first = http.get(emu.baseUrl() + "/models");
    TestHttp.Resp second = http.get(emu.baseUrl() + "/models");
    TestHttp.Resp otherAccount = new TestHttp(OTHER).get(emu.baseUrl() + "/models");
    TestHttp.Resp noToken = new TestHttp(null).get(emu.baseUrl() + "/models");

    assertThat(first.status()).isEqualTo(200);
    assertThat(second.status()).isEqualTo(429);
    assertThat(Long.parseLong(second.headers().get("Retry-After"))).isBetween(1L, 2L);
    assertThat(otherAccount.status()).isEqualTo(200);
    assertThat(noToken.status()).isEqualTo(401);
    assertThat(emu.stats().rateLimitRejections()).isEqualTo(1);
    assertThat(emu.stats().faultRateLimited()).isZero();
    assertThat(emu.stats().calls(Endpoint.MODELS)).isEqualTo(4);
  }

  @Test
  void shouldRefuseFileDownloadsWithoutAValidSignature() throws Exception {
    start(c -> c.withLatency(new LatencyModel.Fixed(0)));
    JsonNode submitted = submit(http, FLUX, fluxBody(1)).json();
    String url = awaitCompleted(submitted).path("output").path("images").get(0).asText();
    URI u = URI.create(url);
    String bare = "http://" + u.getHost() + ":" + u.getPort() + u.getPath();
    String otherJob =
        bare.replace(submitted.path("request_id").asText(), "someone-else") + "?" + u.getRawQuery();
    TestHttp anonymous = new TestHttp(null);

    assertThat(u.getRawQuery()).matches("X-Amz-Signature=[0-9a-f]{64}&X-Amz-Expires=3600");
    assertThat(anonymous.get(url).status()).isEqualTo(200);
    assertThat(anonymous.get(bare).status()).isEqualTo(403);
    assertThat(anonymous.get(bare + "?X-Amz-Signature=" + "0".repeat(64)).status()).isEqualTo(403);
    assertThat(anonymous.get(otherJob).status()).isEqualTo(403);
    assertThat(anonymous.get(bare).json().path("error_message").asText()).doesNotContain("X-Amz");
    assertThat(emu.stats().downloads()).isEqualTo(1);
    assertThat(emu.stats().calls(Endpoint.FILES)).isEqualTo(5);
  }

  @Test
  void shouldServePublicOutputsAsPlainUrlsLikeRunComfysDocumentedResults() {
    start(c -> c.withLatency(new LatencyModel.Fixed(0)).withPublicOutputs(true));
    JsonNode submitted = submit(http, FLUX, fluxBody(1)).json();
    String url = awaitCompleted(submitted).path("output").path("images").get(0).asText();
    URI u = URI.create(url);
    TestHttp anonymous = new TestHttp(null);

    assertThat(u.getRawQuery()).isNull();
    assertThat(u.getPath()).startsWith("/files/" + submitted.path("request_id").asText() + "/");
    assertThat(anonymous.get(url).status()).isEqualTo(200);
    assertThat(anonymous.get(emu.blobUrl(16).replaceAll("\\?.*", "")).status()).isEqualTo(403);
    assertThat(emu.stats().downloads()).isEqualTo(1);
  }

  @Test
  void shouldStream200MegabytesWithContentLengthWithoutHoldingThem() {
    start(c -> c);
    long size = 200_000_000L;
    Counted whole = count(emu.blobUrl(size));

    assertThat(whole.status()).isEqualTo(200);
    assertThat(whole.headers().get("Content-Length")).isEqualTo(Long.toString(size));
    assertThat(whole.headers().get("Content-Type")).isEqualTo("application/octet-stream");
    assertThat(whole.bytes()).isEqualTo(size);
  }

  @Test
  void shouldStreamChunkedOrZerosOnRequestAndRefuseUnsignedOrOversizedBlobs() {
    start(c -> c);
    Counted chunked = count(emu.blobUrl(10_000_123L) + "&chunked=true&fill=zeros");
    JsonNode minted =
        new TestHttp(null)
            .get("http://127.0.0.1:" + emu.port() + "/_emulator/blob-url?bytes=1000&name=x.bin")
            .json();
    Counted viaEndpoint = count(minted.path("url").asText());
    TestHttp.Resp tooBig =
        new TestHttp(null)
            .get("http://127.0.0.1:" + emu.port() + "/_emulator/blob-url?bytes=5000000000");
    Counted unsigned = count("http://127.0.0.1:" + emu.port() + "/_emulator/blob/1000");

    assertThat(chunked.status()).isEqualTo(200);
    assertThat(chunked.headers().get("Content-Length")).isNull();
    assertThat(chunked.headers().get("Transfer-Encoding")).isEqualToIgnoringCase("chunked");
    assertThat(chunked.bytes()).isEqualTo(10_000_123L);
    assertThat(URI.create(minted.path("url").asText()).getPath())
        .isEqualTo("/_emulator/blob/1000/x.bin");
    assertThat(viaEndpoint.bytes()).isEqualTo(1000);
    assertThat(tooBig.status()).isEqualTo(400);
    assertThat(unsigned.status()).isEqualTo(403);
  }

  @Test
  void shouldOutputOneBlobPerJobWhenBlobOutputBytesIsSet() {
    start(c -> c.withBlobOutputBytes(3_000_000L).withLatency(new LatencyModel.Fixed(0)));
    JsonNode image = awaitCompleted(submit(http, FLUX, fluxBody(1)).json());
    ObjectNode videoBody =
        Json.mapper()
            .createObjectNode()
            .put("prompt", "p")
            .put("video_url", "http://127.0.0.1:9/v.mp4");
    JsonNode video = awaitCompleted(submit(http, WAN, videoBody).json());

    String url = image.path("output").path("images").get(0).asText();
    assertThat(image.path("output").path("images")).hasSize(1);
    assertThat(URI.create(url).getPath()).isEqualTo("/_emulator/blob/3000000/output.bin");
    assertThat(count(url).bytes()).isEqualTo(3_000_000L);
    assertThat(URI.create(video.path("output").path("video").asText()).getPath())
        .isEqualTo("/_emulator/blob/3000000/output.bin");
  }

  @Test
  void shouldServeSharedTinyOutputsAtZeroLatencyThroughAOneSlotQueue() throws Exception {
    start(
        c -> c.withRenderOutputs(false).withConcurrency(1).withLatency(new LatencyModel.Fixed(0)));
    List<JsonNode> submitted =
        Flux.range(0, 300)
            .flatMap(
                i ->
                    http.exchange(
                        "POST", emu.baseUrl() + "/models/" + FLUX, fluxBody(i).toString()),
                16)
            .map(TestHttp.Resp::json)
            .collectList()
            .block(Duration.ofSeconds(60));
    await().atMost(Duration.ofSeconds(30)).until(() -> emu.stats().inFlight() == 0);
    JsonNode result = http.get(submitted.get(123).path("result_url").asText()).json();
    ObjectNode videoBody =
        Json.mapper()
            .createObjectNode()
            .put("prompt", "p")
            .put("video_url", "http://127.0.0.1:9/v.mp4");
    JsonNode video = awaitCompleted(submit(http, WAN, videoBody).json());

    assertThat(submitted).allMatch(s -> s.has("request_id"));
    assertThat(emu.stats().submitsPerModel()).containsEntry(FLUX, 300L);
    assertThat(emu.stats().peakInFlight()).isBetween(1L, 300L);
    assertThat(emu.stats().inFlight()).isZero();
    assertThat(phase(result)).isEqualTo(JobBook.State.COMPLETED);
    String url = result.path("output").path("images").get(0).asText();
    assertThat(URI.create(url).getPath())
        .startsWith("/files/" + submitted.get(123).path("request_id").asText() + "/");
    BufferedImage png = ImageIO.read(new ByteArrayInputStream(new TestHttp(null).get(url).body()));
    assertThat(png.getWidth()).isEqualTo(SharedOutputs.PNG_WIDTH);
    byte[] mp4 = new TestHttp(null).get(video.path("output").path("video").asText()).body();
    assertThat(new String(mp4, 4, 4, StandardCharsets.US_ASCII)).isEqualTo("ftyp");
  }

  @Test
  void shouldNumberTwoThousandQueuedJobsExactly() {
    start(
        c ->
            c.withRenderOutputs(false)
                .withConcurrency(1)
                .withLatency(new LatencyModel.Fixed(60_000)));
    List<String> statusUrls =
        Flux.range(0, 2000)
            .flatMap(
                i ->
                    http.exchange(
                        "POST", emu.baseUrl() + "/models/" + FLUX, fluxBody(i).toString()),
                32)
            .map(r -> r.json().path("status_url").asText())
            .collectList()
            .block(Duration.ofSeconds(120));
    List<JsonNode> statuses =
        Flux.fromIterable(statusUrls)
            .flatMap(u -> http.exchange("GET", u, null), 32)
            .map(TestHttp.Resp::json)
            .collectList()
            .block(Duration.ofSeconds(120));

    assertThat(statuses).filteredOn(s -> phase(s) == JobBook.State.IN_PROGRESS).hasSize(1);
    assertThat(statuses)
        .filteredOn(s -> phase(s) == JobBook.State.IN_QUEUE)
        .extracting(s -> s.path("queue_position").asInt())
        .containsExactlyInAnyOrderElementsOf(
            java.util.stream.IntStream.rangeClosed(1, 1999).boxed().toList());
  }

  @Test
  void shouldDrawEachModelsLatencyFromItsOverride() {
    start(
        c ->
            c.withLatency(new LatencyModel.Fixed(60_000))
                .withModelLatency(FLUX, new LatencyModel.Fixed(0)));
    ObjectNode nanoBody = Json.mapper().createObjectNode().put("prompt", "p");
    nanoBody.putArray("image_urls").add("http://127.0.0.1:9/a.png");
    JsonNode slow = submit(http, NANO, nanoBody).json();
    JsonNode fast = awaitCompleted(submit(http, FLUX, fluxBody(1)).json());

    assertThat(phase(fast)).isEqualTo(JobBook.State.COMPLETED);
    assertThat(phase(http.get(slow.path("status_url").asText()).json()))
        .isEqualTo(JobBook.State.IN_PROGRESS);
  }

  @Test
  void shouldServeItsCountersAsJsonWithoutAToken() {
    start(c -> c.withProviderCap(1).withLatency(new LatencyModel.Fixed(60_000)));
    submit(http, FLUX, fluxBody(1));
    submit(http, FLUX, fluxBody(2));
    http.get(emu.baseUrl() + "/models");
    TestHttp.Resp r = new TestHttp(null).get(emu.statsUrl());

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.headers().get("Content-Type")).isEqualTo("application/json");
    JsonNode j = r.json();
    assertThat(j.path("calls").path("submit").asLong()).isEqualTo(2);
    assertThat(j.path("calls").path("models").asLong()).isEqualTo(1);
    assertThat(j.path("calls").path("control").asLong()).isEqualTo(1);
    assertThat(j.path("submits").asLong()).isEqualTo(1);
    assertThat(j.path("submits_per_model").path(FLUX).asLong()).isEqualTo(1);
    assertThat(j.path("submits_per_body_hash").path(EmulatorStats.bodyHash(fluxBody(1))).asLong())
        .isEqualTo(1);
    assertThat(j.path("rejections_429").path("cap").asLong()).isEqualTo(1);
    assertThat(j.path("rejections_429").path("total").asLong()).isEqualTo(1);
    assertThat(j.path("in_flight").path("current").asLong()).isEqualTo(1);
    assertThat(j.path("in_flight").path("peak").asLong()).isEqualTo(1);
    assertThat(j.path("in_flight").path("sample_interval_ms").asLong())
        .isEqualTo(EmulatorStats.SAMPLE_INTERVAL_MS);
    assertThat(j.path("in_flight").path("samples").isArray()).isTrue();
    assertThat(r.body().length).isPositive();
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).doesNotContain(TOKEN);
  }
}
