package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.tcp.TcpServer;
import reactor.test.StepVerifier;

/** Contract tests: the documented RunComfy exchanges of shared/runcomfy-examples over real HTTP. */
class RunComfyClientContractTest {
  private static final String TOKEN = "rc-test-token-0123456789";
  private static final String MODEL = "blackforestlabs/flux-1-kontext/pro/edit";
  private static final String RID = "8a3f2c1e-5b7d-4e9a-9c0f-1d2e3f4a5b6c";
  private static final Duration WAIT = Duration.ofSeconds(10);

  private StubApi api;
  private RunComfyClient client;

  @BeforeEach
  void start() {
    api = new StubApi();
    client = new RunComfyClient(RunComfyConfig.of(api.base(), TOKEN));
  }

  @AfterEach
  void stop() {
    client.close();
    api.close();
  }

  private Consumer<Throwable> stageError(ExitClass cls, String reason) {
    return e -> {
      assertThat(e).isInstanceOf(StageException.class);
      StageException s = (StageException) e;
      assertThat(s.exitClass()).isEqualTo(cls);
      assertThat(s.reasonText()).isEqualTo(reason);
      assertThat(s.getMessage()).doesNotContain(TOKEN).doesNotContain("sig=");
    };
  }

  @ParameterizedTest
  @ValueSource(ints = {200, 201, 202})
  void shouldSubmitTheBodyUnwrappedToTheModelPathAndAcceptAny2xx(int status) {
    api.on("POST", "/v1/models/" + MODEL, status, Examples.bodyText("submit-response.json"));
    JsonNode input = Examples.body("submit-request.flux-kontext.json");

    StepVerifier.create(client.submit(MODEL, input))
        .assertNext(
            r -> {
              assertThat(r.requestId()).isEqualTo(RID);
              assertThat(r.statusUrl()).endsWith("/v1/requests/" + RID + "/status");
              assertThat(r.resultUrl()).endsWith("/v1/requests/" + RID + "/result");
              assertThat(r.cancelUrl()).endsWith("/v1/requests/" + RID + "/cancel");
            })
        .expectComplete()
        .verify(WAIT);

    StubApi.Seen seen = api.seen().get(0);
    assertThat(seen.method()).isEqualTo("POST");
    assertThat(seen.path()).isEqualTo("/v1/models/" + MODEL);
    assertThat(seen.headers().get("Authorization")).isEqualTo("Bearer " + TOKEN);
    assertThat(seen.headers().get("Accept")).isEqualTo("application/json");
    assertThat(seen.headers().get("Content-Type")).isEqualTo("application/json");
    assertThat(readTree(seen.body())).isEqualTo(input);
  }

  @Test
  void shouldReadQueuePositionWhileInQueue() {
    api.on(
        "GET", "/v1/requests/" + RID + "/status", 200, Examples.bodyText("status-in-queue.json"));

    StepVerifier.create(client.status(RID))
        .expectNext(new RequestStatus(RID, "in_queue", 3))
        .expectComplete()
        .verify(WAIT);
    assertThat(api.seen().get(0).headers().get("Authorization")).isEqualTo("Bearer " + TOKEN);
  }

  @ParameterizedTest
  @CsvSource({"status-in-progress.json,in_progress,false", "status-completed.json,completed,true"})
  void shouldReadStatusAndTellTerminal(String file, String status, boolean terminal) {
    api.on("GET", "/v1/requests/" + RID + "/status", 200, Examples.bodyText(file));

    StepVerifier.create(client.status(RID))
        .assertNext(
            s -> {
              assertThat(s.status()).isEqualTo(status);
              assertThat(s.terminal()).isEqualTo(terminal);
              assertThat(s.queuePosition()).isNull();
            })
        .expectComplete()
        .verify(WAIT);
  }

  @ParameterizedTest
  @ValueSource(strings = {"thinking", "", "PROCESSING", "Completed"})
  void shouldReturnEveryStatusWordWithItsPhaseForThePollerToJudge(String word) {
    api.on(
        "GET",
        "/v1/requests/" + RID + "/status",
        200,
        "{\"request_id\":\"" + RID + "\",\"status\":\"" + word + "\"}");

    StepVerifier.create(client.status(RID))
        .assertNext(
            s -> {
              assertThat(s.status()).isEqualTo(word);
              assertThat(s.phase()).isEqualTo(RequestPhase.of(word));
            })
        .expectComplete()
        .verify(WAIT);
  }

  @Test
  void shouldReadCompletedImagesResultAndCollectItsUrl() {
    api.on(
        "GET",
        "/v1/requests/" + RID + "/result",
        200,
        Examples.bodyText("result-completed-images.json"));

    StepVerifier.create(client.result(RID))
        .assertNext(
            r -> {
              assertThat(r.succeeded()).isTrue();
              assertThat(r.createdAt()).isEqualTo("2026-11-23T10:00:00Z");
              assertThat(r.finishedAt()).isEqualTo("2026-11-23T10:00:07Z");
              assertThat(r.error()).isNull();
              assertThat(OutputUrls.collect(r.output()))
                  .containsExactly(
                      "https://playgrounds-storage-public.runcomfy.net/tools/7063/results/abc123/result.png");
            })
        .expectComplete()
        .verify(WAIT);
  }

  @Test
  void shouldReadCompletedVideoResult() {
    api.on(
        "GET",
        "/v1/requests/" + RID + "/result",
        200,
        Examples.bodyText("result-completed-video.json"));

    StepVerifier.create(client.result(RID).map(r -> OutputUrls.collect(r.output())))
        .expectNext(
            java.util.List.of(
                "https://playgrounds-storage-public.runcomfy.net/tools/7293/results/def456/output.mp4"))
        .expectComplete()
        .verify(WAIT);
  }

  @Test
  void shouldReadFailedResultWithItsError() {
    api.on("GET", "/v1/requests/" + RID + "/result", 200, Examples.bodyText("result-failed.json"));

    StepVerifier.create(client.result(RID))
        .assertNext(
            r -> {
              assertThat(r.status()).isEqualTo("failed");
              assertThat(r.succeeded()).isFalse();
              assertThat(r.output()).isNull();
              assertThat(r.error().get("message").asText()).isEqualTo("upstream model error");
            })
        .expectComplete()
        .verify(WAIT);
  }

  @Test
  void shouldReadNotFinishedResultAsCurrentState() {
    api.on(
        "GET",
        "/v1/requests/" + RID + "/result",
        200,
        Examples.bodyText("result-not-finished.json"));

    StepVerifier.create(client.result(RID))
        .expectNext(new RequestResult(RID, "in_progress", null, null, null, null))
        .expectComplete()
        .verify(WAIT);
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 200, 409, 425})
  void shouldReadTheResultNotReadyErrorUnderAnyHttpStatusAsNotFinishedNeverAsAnError(int status) {
    api.on(
        "GET",
        "/v1/requests/" + RID + "/result",
        status,
        "{\"error_code\":400005,\"error_message\":\"Result not ready\"}");

    StepVerifier.create(client.result(RID, true))
        .assertNext(
            r -> {
              assertThat(r).isEqualTo(RequestResult.notReady(RID));
              assertThat(r.notReady()).isTrue();
              assertThat(r.phase()).isEqualTo(RequestPhase.RUNNING);
              assertThat(r.phase().terminal()).isFalse();
              assertThat(r.succeeded()).isFalse();
              assertThat(r.cost()).isNull();
            })
        .expectComplete()
        .verify(WAIT);
  }

  @Test
  void shouldStillFailAResultWhoseErrorIsNotResultNotReady() {
    api.on(
        "GET",
        "/v1/requests/" + RID + "/result",
        400,
        "{\"error_code\":400001,\"error_message\":\"Invalid request_id\"}");

    StepVerifier.create(client.result(RID, true))
        .expectErrorSatisfies(stageError(ExitClass.DATA, "http_400_400001"))
        .verify(WAIT);
  }

  @Test
  void shouldAskForTheCostOnlyWhenToldAndReadItInUsd() {
    api.on(
        "GET",
        "/v1/requests/" + RID + "/result",
        200,
        "{\"request_id\":\""
            + RID
            + "\",\"status\":\"completed\",\"output\":{\"images\":[]},\"cost\":0.04}");

    StepVerifier.create(client.result(RID, true))
        .assertNext(r -> assertThat(r.cost()).isEqualTo(0.04))
        .expectComplete()
        .verify(WAIT);
    StepVerifier.create(client.result(RID)).expectNextCount(1).expectComplete().verify(WAIT);

    assertThat(api.seen())
        .extracting(StubApi.Seen::path)
        .containsOnly("/v1/requests/" + RID + "/result");
    assertThat(api.seen())
        .extracting(StubApi.Seen::query)
        .containsExactly("include_cost=true", null);
  }

  @Test
  void shouldSendOnlyTheGivenCatalogParametersPercentEncoded() {
    api.on(
        "GET",
        "/v1/models",
        200,
        "{\"models\":[{\"model_id\":\"google/nano-banana-2/edit\"}],\"total\":384}");

    StepVerifier.create(client.models("nano banana&x", "image-to-image", null, true, 50, 100))
        .assertNext(
            page -> {
              assertThat(page.path("total").asInt()).isEqualTo(384);
              assertThat(page.at("/models/0/model_id").asText())
                  .isEqualTo("google/nano-banana-2/edit");
            })
        .expectComplete()
        .verify(WAIT);
    StepVerifier.create(client.models(null, " ", "edit", false, 0, 0))
        .expectNextCount(1)
        .expectComplete()
        .verify(WAIT);
    StepVerifier.create(client.models(null, null, null, false, 0, 0))
        .expectNextCount(1)
        .expectComplete()
        .verify(WAIT);

    assertThat(api.seen()).extracting(StubApi.Seen::path).containsOnly("/v1/models");
    assertThat(api.seen())
        .extracting(StubApi.Seen::query)
        .containsExactly(
            "search=nano%20banana%26x&category=image-to-image&include_schema=true&limit=50&offset=100",
            "kind=edit", null);
    assertThat(api.seen().get(0).headers().get("Authorization")).isEqualTo("Bearer " + TOKEN);
  }

  @ParameterizedTest
  @CsvSource({"0,-1,offset", "501,0,limit", "-1,0,limit"})
  void shouldRefuseAnOutOfRangeCatalogPageBeforeAnyRequest(int limit, int offset, String field) {
    StepVerifier.create(client.models(null, null, null, false, limit, offset))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith(field + ":"))
        .verify(WAIT);
    assertThat(api.seen()).isEmpty();
  }

  @Test
  void shouldReadTheCatalogCategories() {
    api.on(
        "GET",
        "/v1/models/categories",
        200,
        "{\"categories\":[\"image-to-image\",\"edit-video\"]}");

    StepVerifier.create(client.categories())
        .assertNext(c -> assertThat(c.path("categories").get(1).asText()).isEqualTo("edit-video"))
        .expectComplete()
        .verify(WAIT);
  }

  @Test
  void shouldReadTheBalanceFromTheBaseOriginWithTheBearerTokenByDefault() {
    api.on(
        "GET",
        "/prod/v2/balance",
        200,
        "{\"balance_usd\":12.5,\"balance_microdollars\":12500000,\"currency\":\"USD\"}");

    StepVerifier.create(client.balance())
        .expectNext(new Balance(12.5, 12_500_000L, "USD"))
        .expectComplete()
        .verify(WAIT);
    assertThat(client.config().balanceUrl()).isEqualTo(api.origin() + "/prod/v2/balance");
    StubApi.Seen seen = api.seen().get(0);
    assertThat(seen.method()).isEqualTo("GET");
    assertThat(seen.path()).isEqualTo("/prod/v2/balance");
    assertThat(seen.headers().get("Authorization")).isEqualTo("Bearer " + TOKEN);
    assertThat(seen.body()).isEmpty();
  }

  @Test
  void shouldReadTheBalanceFromAnExplicitBalanceUrl() {
    api.on("GET", "/wallet/balance", 200, "{\"balance_usd\":\"0.50\",\"currency\":\"USD\"}");
    try (RunComfyClient c =
        new RunComfyClient(
            RunComfyConfig.of(api.base(), TOKEN)
                .withBalanceUrl(api.origin() + "/wallet/balance/"))) {
      StepVerifier.create(c.balance())
          .expectNext(new Balance(0.5, null, "USD"))
          .expectComplete()
          .verify(WAIT);
    }
    assertThat(api.seen()).extracting(StubApi.Seen::path).containsExactly("/wallet/balance");
  }

  @ParameterizedTest
  @CsvSource({
    "error-auth.json,401,NOPERM,http_401_401001",
    "error-auth.json,403,NOPERM,http_403_401001",
    "error-no-balance.json,402,NOPERM,http_402_400002",
    "error-no-balance.json,200,NOPERM,http_200_400002",
    "error-upstream.json,503,UNAVAILABLE,http_503_500001",
    "error-rate-limited.json,429,TEMPFAIL,http_429",
  })
  void shouldClassifyBalanceErrorsLikeEveryOtherCall(
      String file, int status, ExitClass cls, String reason) {
    api.on("GET", "/prod/v2/balance", status, Examples.bodyText(file));

    StepVerifier.create(client.balance())
        .expectErrorSatisfies(
            stageError(cls, reason)
                .andThen(
                    e ->
                        assertThat(e.getMessage())
                            .contains("GET /prod/v2/balance")
                            .contains("HTTP " + status)))
        .verify(WAIT);
  }

  @ParameterizedTest
  @CsvSource({
    "cancel-accepted.json,cancelled,true",
    "cancel-not-cancellable.json,not_cancellable,false"
  })
  void shouldPostCancelWithoutBody(String file, String outcome, boolean cancelled) {
    api.on("POST", "/v1/requests/" + RID + "/cancel", 202, Examples.bodyText(file));

    StepVerifier.create(client.cancel(RID))
        .assertNext(
            c -> {
              assertThat(c).isEqualTo(new CancelOutcome(RID, outcome));
              assertThat(c.cancelled()).isEqualTo(cancelled);
            })
        .expectComplete()
        .verify(WAIT);
    assertThat(api.seen().get(0).body()).isEmpty();
    assertThat(api.seen().get(0).headers().get("Authorization")).isEqualTo("Bearer " + TOKEN);
  }

  @Test
  void shouldReadCatalogEntryWithInputSchema() {
    api.on(
        "GET",
        "/v1/models/google/nano-banana-2/edit",
        200,
        Examples.bodyText("model-catalog-entry.json"));

    StepVerifier.create(client.model("google/nano-banana-2/edit"))
        .assertNext(
            m ->
                assertThat(m.at("/input_schema/properties/image_urls/maxItems").asInt())
                    .isEqualTo(20))
        .expectComplete()
        .verify(WAIT);
  }

  @ParameterizedTest
  @CsvSource({
    "error-auth.json,401,NOPERM,http_401_401001,Unauthorized",
    "error-no-balance.json,402,NOPERM,http_402_400002,no remaining balance",
    "error-no-balance.json,400,NOPERM,http_400_400002,no remaining balance",
    "error-upstream.json,503,UNAVAILABLE,http_503_500001,Internal Error",
    "error-upstream.json,500,UNAVAILABLE,http_500_500001,Internal Error",
    "error-unknown-model.json,400,DATA,http_400_400001,Invalid model_id: acme/does-not-exist",
    "error-unknown-model.json,404,DATA,http_404_400001,Invalid model_id: acme/does-not-exist",
  })
  void shouldClassifyDocumentedSubmitErrors(
      String file, int status, ExitClass cls, String reason, String text) {
    api.on("POST", "/v1/models/acme/does-not-exist", status, Examples.bodyText(file));

    StepVerifier.create(client.submit("acme/does-not-exist", Json.mapper().createObjectNode()))
        .expectErrorSatisfies(
            stageError(cls, reason)
                .andThen(
                    e ->
                        assertThat(e.getMessage())
                            .contains("POST /v1/models/acme/does-not-exist")
                            .contains("HTTP " + status)
                            .contains(text)))
        .verify(WAIT);
  }

  @Test
  void shouldNameFieldAndRuleOfValidationError() {
    api.on("POST", "/v1/models/" + MODEL, 422, Examples.bodyText("error-validation.json"));

    StepVerifier.create(client.submit(MODEL, Json.mapper().createObjectNode()))
        .expectErrorSatisfies(
            stageError(ExitClass.DATA, "http_422_422001")
                .andThen(
                    e ->
                        assertThat(e.getMessage())
                            .contains("images")
                            .contains("at most 10 items")
                            .contains("422001")))
        .verify(WAIT);
  }

  @Test
  void shouldHonourRetryAfterSecondsOnRateLimit() {
    api.on(
        "GET",
        "/v1/requests/" + RID + "/status",
        429,
        Examples.bodyText("error-rate-limited.json"),
        Map.of("Retry-After", "7"));

    StepVerifier.create(client.status(RID))
        .expectErrorSatisfies(
            stageError(ExitClass.TEMPFAIL, "http_429")
                .andThen(
                    e ->
                        assertThat(((StageException) e).retryAfter())
                            .contains(Duration.ofSeconds(7))))
        .verify(WAIT);
  }

  @Test
  void shouldHonourRetryAfterHttpDateAgainstTheClock() {
    Clock clock = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);
    try (RunComfyClient timed = new RunComfyClient(RunComfyConfig.of(api.base(), TOKEN), clock)) {
      api.on(
          "POST",
          "/v1/models/" + MODEL,
          429,
          Examples.bodyText("error-rate-limited.json"),
          Map.of("Retry-After", "Mon, 23 Nov 2026 10:00:12 GMT"));

      StepVerifier.create(timed.submit(MODEL, Json.mapper().createObjectNode()))
          .expectErrorSatisfies(
              e -> assertThat(((StageException) e).retryAfter()).contains(Duration.ofSeconds(12)))
          .verify(WAIT);
    }
  }

  @Test
  void shouldTreatUnknownRequestAsDataError() {
    api.on(
        "GET",
        "/v1/requests/" + RID + "/status",
        404,
        Examples.bodyText("error-unknown-request.json"));

    StepVerifier.create(client.status(RID))
        .expectErrorSatisfies(
            stageError(ExitClass.DATA, "http_404_404001")
                .andThen(
                    e ->
                        assertThat(e.getMessage())
                            .contains("GET /v1/requests/" + RID + "/status")
                            .contains("request not found")))
        .verify(WAIT);
  }

  @Test
  void shouldTreat2xxWithErrorCodeAsError() {
    api.on(
        "GET", "/v1/requests/" + RID + "/result", 200, Examples.bodyText("error-no-balance.json"));

    StepVerifier.create(client.result(RID))
        .expectErrorSatisfies(stageError(ExitClass.NOPERM, "http_200_400002"))
        .verify(WAIT);
  }

  @Test
  void shouldReportNonJsonSuccessAsBadResponse() {
    api.on("GET", "/v1/requests/" + RID + "/status", 200, "<html>maintenance</html>");

    StepVerifier.create(client.status(RID))
        .expectErrorSatisfies(stageError(ExitClass.OTHER, "bad_response"))
        .verify(WAIT);
  }

  @Test
  void shouldNeverLeakTokenOrQueryStringsFromServerMessages() {
    String body =
        "{\"error_message\":\"token "
            + TOKEN
            + " rejected, see https://x.runcomfy.net/help?sig=abc\"}";
    api.on("GET", "/v1/requests/" + RID + "/status", 401, body);

    StepVerifier.create(client.status(RID))
        .expectErrorSatisfies(
            stageError(ExitClass.NOPERM, "http_401")
                .andThen(e -> assertThat(e.getMessage()).contains("https://x.runcomfy.net/help")))
        .verify(WAIT);
  }

  @Test
  void shouldTimeOutOnHungServer() {
    api.hang("GET", "/v1/requests/" + RID + "/status");
    try (RunComfyClient quick =
        new RunComfyClient(
            RunComfyConfig.of(api.base(), TOKEN).withResponseTimeout(Duration.ofMillis(300)))) {
      StepVerifier.create(quick.status(RID))
          .expectErrorSatisfies(
              stageError(ExitClass.TEMPFAIL, "timeout")
                  .andThen(
                      e ->
                          assertThat(e.getMessage())
                              .contains("GET /v1/requests/" + RID + "/status")))
          .verify(WAIT);
    }
  }

  @Test
  void shouldTreatRefusedConnectionAsRetryableUnavailable() {
    DisposableServer gone =
        HttpServer.create().host("127.0.0.1").port(0).handle((q, r) -> Mono.empty()).bindNow();
    int port = gone.port();
    gone.disposeNow();
    try (RunComfyClient offline =
        new RunComfyClient(RunComfyConfig.of("http://127.0.0.1:" + port + "/v1", TOKEN))) {
      StepVerifier.create(offline.status(RID))
          .expectErrorSatisfies(stageError(ExitClass.UNAVAILABLE, "connect_failed"))
          .verify(WAIT);
    }
  }

  @Test
  void shouldTreatConnectionClosedBeforeAnswerAsRetryableReset() {
    DisposableServer closer =
        TcpServer.create()
            .host("127.0.0.1")
            .port(0)
            .handle(
                (in, out) -> in.receive().asString().takeUntil(s -> s.contains("\r\n\r\n")).then())
            .bindNow();
    try (RunComfyClient c =
        new RunComfyClient(RunComfyConfig.of("http://127.0.0.1:" + closer.port() + "/v1", TOKEN))) {
      StepVerifier.create(c.result(RID))
          .expectErrorSatisfies(stageError(ExitClass.UNAVAILABLE, "connection_reset"))
          .verify(WAIT);
    } finally {
      closer.disposeNow();
    }
  }

  @Test
  void shouldTreatAFailedTlsHandshakeAsRetryableWithNothingSent() {
    // answers the ClientHello with a fatal TLS alert (handshake_failure): no request is ever
    // written
    byte[] alert = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
    DisposableServer refuser =
        TcpServer.create()
            .host("127.0.0.1")
            .port(0)
            .handle(
                (in, out) -> in.receive().take(1).then(out.sendByteArray(Mono.just(alert)).then()))
            .bindNow();
    try (RunComfyClient c =
        new RunComfyClient(
            RunComfyConfig.of("https://127.0.0.1:" + refuser.port() + "/v1", TOKEN))) {
      StepVerifier.create(c.submit(MODEL, Json.mapper().createObjectNode()))
          .expectErrorSatisfies(
              stageError(ExitClass.UNAVAILABLE, "tls_handshake")
                  .andThen(
                      e ->
                          assertThat(
                                  TransportErrorClassifier.nothingSent(
                                      ((StageException) e).reason()))
                              .isTrue()))
          .verify(WAIT);
    } finally {
      refuser.disposeNow();
    }
  }

  @Test
  void shouldRefuseInvalidIdsBeforeAnyRequest() {
    StepVerifier.create(client.status(".."))
        .expectError(IllegalArgumentException.class)
        .verify(WAIT);
    assertThat(api.seen()).isEmpty();
  }

  private static JsonNode readTree(String s) {
    try {
      return Json.mapper().readTree(s);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
