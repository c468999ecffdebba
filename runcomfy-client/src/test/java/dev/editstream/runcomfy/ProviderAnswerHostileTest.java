package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Hostile corpus, surface "provider answer": what a malicious or broken RunComfy (a fake server on
 * loopback writing raw bytes) can answer to the real {@link RunComfyClient}: huge, deep, slow,
 * lying, compressed or non-JSON answers, control characters and the caller's own token in error
 * text, identifiers with path characters and absurd {@code Retry-After} values.
 */
class ProviderAnswerHostileTest {
  private static final String TOKEN = "rc-hostile-token-0123456789abcdef";
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final long MIB = 1 << 20;

  /** One case: what the server answers, which call is made, what must come out. */
  record Case(
      HostileServer.Answer answer,
      Function<RunComfyClient, Mono<?>> call,
      Consumer<Object> onValue,
      Consumer<Throwable> onError,
      Consumer<HostileServer> afterwards) {}

  private static Arguments fails(
      String name,
      HostileServer.Answer answer,
      Function<RunComfyClient, Mono<?>> call,
      Consumer<Throwable> check) {
    return Arguments.of("provider answer: " + name, new Case(answer, call, null, check, s -> {}));
  }

  private static Arguments gives(
      String name,
      HostileServer.Answer answer,
      Function<RunComfyClient, Mono<?>> call,
      Consumer<Object> check) {
    return Arguments.of("provider answer: " + name, new Case(answer, call, check, null, s -> {}));
  }

  private static Arguments asks(
      String name, Function<RunComfyClient, Mono<?>> call, Consumer<HostileServer> seen) {
    return Arguments.of(
        "provider answer: " + name,
        new Case(
            HostileServer.json(200, "{\"request_id\":\"r\",\"status\":\"completed\"}"),
            c -> call.apply(c).map(v -> (Object) v).onErrorResume(e -> Mono.just(e)),
            v -> {},
            e -> {},
            seen));
  }

  private static Consumer<Throwable> stage(ExitClass cls, String reason) {
    return e -> {
      assertThat(e).isInstanceOf(StageException.class);
      assertThat(((StageException) e).exitClass()).isEqualTo(cls);
      assertThat(((StageException) e).reasonText()).isEqualTo(reason);
      assertThat(e.getMessage()).doesNotContain(TOKEN);
    };
  }

  private static Consumer<Throwable> tooLarge() {
    return stage(ExitClass.OTHER, "response_too_large")
        .andThen(e -> assertThat(e.getMessage()).contains("8388608"));
  }

  private static Consumer<Throwable> message(ExitClass cls, Consumer<String> check) {
    return e -> {
      assertThat(e).isInstanceOf(StageException.class);
      assertThat(((StageException) e).exitClass()).isEqualTo(cls);
      assertThat(e.getMessage()).doesNotContain(TOKEN);
      check.accept(e.getMessage());
    };
  }

  private static Consumer<String> safe() {
    return m -> {
      for (char c : m.toCharArray()) {
        assertThat(SafeText.unsafe(c)).as("unescaped U+%04X in %s", (int) c, m).isFalse();
      }
    };
  }

  private static Function<RunComfyClient, Mono<?>> status(String id) {
    return c -> c.status(id);
  }

  private static final Function<RunComfyClient, Mono<?>> STATUS = status("req-1");
  private static final Function<RunComfyClient, Mono<?>> RESULT = c -> c.result("req-1");
  private static final Function<RunComfyClient, Mono<?>> SUBMIT =
      c ->
          c.submit(
              "blackforestlabs/flux-1-kontext/pro/edit",
              Json.mapper().createObjectNode().put("prompt", "x"));
  private static final Function<RunComfyClient, Mono<?>> CATALOG = c -> c.model("a/b");

  private static String deep(int depth, String open, String close, String inner) {
    return open.repeat(depth) + inner + close.repeat(depth);
  }

  private static HostileServer.Answer error(int status, String json) {
    return HostileServer.json(status, json);
  }

  private static HostileServer.Answer withRetryAfter(String value) {
    return HostileServer.fixed(
        "429 Too Many Requests",
        List.of("Retry-After: " + value, "Content-Length: 2", "Content-Type: application/json"),
        "{}".getBytes(StandardCharsets.US_ASCII));
  }

  private static Consumer<Throwable> retryAfter(Duration expected) {
    return e -> {
      assertThat(e).isInstanceOf(StageException.class);
      assertThat(((StageException) e).exitClass()).isEqualTo(ExitClass.TEMPFAIL);
      if (expected == null) {
        assertThat(((StageException) e).retryAfter()).isEmpty();
      } else {
        assertThat(((StageException) e).retryAfter()).contains(expected);
      }
    };
  }

  private static byte[] gzip(String s) {
    ByteArrayOutputStream z = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(z)) {
      g.write(s.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return z.toByteArray();
  }

  private static String urls(int n) {
    StringBuilder sb =
        new StringBuilder(
            "{\"request_id\":\"r\",\"status\":\"succeeded\",\"output\":{\"images\":[");
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : ",")
          .append("\"https://cdn.runcomfy.net/o/")
          .append(i)
          .append(".png\"");
    }
    return sb.append("]}}").toString();
  }

  static Stream<Arguments> cases() {
    String rlo = "\u202Egnp.exe\u001b[31m\u0007\u0085\u2066";
    return Stream.of(
        fails(
            "20 MiB chunked status answer is refused at the cap",
            HostileServer.big(20 * MIB, true, (byte) ' '),
            STATUS,
            tooLarge()),
        fails(
            "20 MiB status answer with Content-Length is refused before reading",
            HostileServer.big(20 * MIB, false, (byte) ' '),
            STATUS,
            tooLarge()),
        fails(
            "20 MiB chunked submit answer gets its own reason",
            HostileServer.big(20 * MIB, true, (byte) ' '),
            SUBMIT,
            tooLarge()
                .andThen(
                    e ->
                        assertThat(
                                TransportErrorClassifier.nothingSent(((StageException) e).reason()))
                            .isFalse())),
        fails(
            "20 MiB error answer is refused at the cap",
            (l, o) -> HostileServer.big(20 * MIB, true, (byte) 'x').write(l, o),
            RESULT,
            tooLarge()),
        fails(
            "Content-Length of 10^15 is refused before reading",
            HostileServer.fixed("200 OK", List.of("Content-Length: 1000000000000000"), new byte[0]),
            STATUS,
            tooLarge()),
        fails(
            "arrays nested 100,000 deep do not overflow the stack",
            HostileServer.json(200, deep(100_000, "[", "]", "")),
            STATUS,
            stage(ExitClass.OTHER, "bad_response")),
        fails(
            "objects nested 100,000 deep in an error answer still classify",
            error(503, deep(100_000, "{\"a\":", "}", "1")),
            STATUS,
            stage(ExitClass.UNAVAILABLE, "http_503")),
        fails(
            "nesting 300 deep in a catalog entry is refused",
            HostileServer.json(200, deep(300, "{\"a\":", "}", "1")),
            CATALOG,
            stage(ExitClass.OTHER, "bad_response")),
        gives(
            "nesting 200 deep in a catalog entry is read",
            HostileServer.json(200, deep(200, "{\"a\":", "}", "1")),
            CATALOG,
            v -> assertThat(((JsonNode) v).at("/a/a/a").isObject()).isTrue()),
        fails(
            "a 10,000-digit number is refused",
            HostileServer.json(
                200, "{\"status\":\"queued\",\"queue_position\":" + "9".repeat(10_000) + "}"),
            STATUS,
            stage(ExitClass.OTHER, "bad_response")),
        fails(
            "3,000,000 tokens are refused",
            HostileServer.json(200, "[" + "0,".repeat(3_000_000) + "0]"),
            CATALOG,
            stage(ExitClass.OTHER, "bad_response")),
        gives(
            "a 5 MB status word is clipped and escaped",
            HostileServer.json(
                200, "{\"status\":\"" + "\\u202e".repeat(10) + "x".repeat(5_000_000) + "\"}"),
            STATUS,
            v ->
                assertThat(((RequestStatus) v).status())
                    .hasSizeLessThanOrEqualTo(ApiResponses.MAX_STATUS + 3)
                    .contains("\\u202E")
                    .doesNotContain("\u202E")),
        fails(
            "a non-JSON 200 (HTML) is bad_response",
            HostileServer.fixed(
                "200 OK",
                List.of("Content-Type: text/html", "Content-Length: 13"),
                "<html>x</html".getBytes(StandardCharsets.US_ASCII)),
            STATUS,
            stage(ExitClass.OTHER, "bad_response")),
        gives(
            "JSON with a wrong Content-Type is read by its content",
            HostileServer.fixed(
                "200 OK",
                List.of("Content-Type: image/png", "Content-Length: 22"),
                "{\"status\":\"completed\"}".getBytes(StandardCharsets.US_ASCII)),
            STATUS,
            v -> assertThat(((RequestStatus) v).status()).isEqualTo("completed")),
        fails(
            "an empty 200 is bad_response",
            HostileServer.fixed("200 OK", List.of("Content-Length: 0"), new byte[0]),
            STATUS,
            stage(ExitClass.OTHER, "bad_response")),
        fails(
            "a 200 KB header is refused as too large",
            HostileServer.fixed(
                "200 OK",
                List.of("X-Junk: " + "j".repeat(200_000), "Content-Length: 2"),
                "{}".getBytes()),
            STATUS,
            stage(ExitClass.OTHER, "response_too_large")),
        fails(
            "silence after the status line ends at the response timeout",
            HostileServer.silentAfterStatus(),
            STATUS,
            stage(ExitClass.TEMPFAIL, "timeout")),
        fails(
            "a body trickled past the response timeout ends there",
            HostileServer.trickle(100, Duration.ofMillis(200)),
            STATUS,
            stage(ExitClass.TEMPFAIL, "timeout")),
        fails(
            "control and bidi characters in an error message are escaped",
            error(400, "{\"error_message\":\"" + rlo + "\"}"),
            STATUS,
            message(
                ExitClass.DATA,
                safe()
                    .andThen(
                        m ->
                            assertThat(m)
                                .contains("\\u202E", "\\u001B", "\\u0007", "\\u0085", "\\u2066")))),
        fails(
            "control characters in a non-JSON error body are escaped",
            HostileServer.fixed(
                "500 X",
                List.of("Content-Length: 9"),
                "a\r\nb\u001b[2Jc".getBytes(StandardCharsets.ISO_8859_1)),
            STATUS,
            message(ExitClass.UNAVAILABLE, safe())),
        fails(
            "the token echoed in an error message is removed",
            error(401, "{\"error_message\":\"bad token " + TOKEN + "\"}"),
            STATUS,
            message(ExitClass.NOPERM, m -> assertThat(m).contains("<redacted>"))),
        fails(
            "the token echoed past the clip length is removed, not cut",
            error(400, "{\"message\":\"" + "y".repeat(480) + TOKEN + "\"}"),
            STATUS,
            message(ExitClass.DATA, m -> assertThat(m).doesNotContain(TOKEN.substring(0, 10)))),
        fails(
            "a 3 MB error text is clipped",
            error(400, "{\"message\":\"" + "z".repeat(3_000_000) + "\"}"),
            STATUS,
            message(ExitClass.DATA, m -> assertThat(m.length()).isLessThan(1200))),
        fails(
            "10,000 validation items are clipped",
            error(
                422,
                "{\"detail\":["
                    + "{\"loc\":[\"body\",\"x\"],\"msg\":\"bad\"},".repeat(10_000)
                    + "{\"msg\":\"last\"}]}"),
            SUBMIT,
            message(ExitClass.DATA, m -> assertThat(m.length()).isLessThan(1200))),
        fails(
            "2xx with error_code and an escape sequence is escaped",
            HostileServer.json(
                200, "{\"error_code\":400001,\"message\":\"\\u001b]0;pwned\\u0007\"}"),
            STATUS,
            message(ExitClass.DATA, safe())),
        gives(
            "a failed result's error object with the token renders safely",
            HostileServer.json(
                200,
                "{\"request_id\":\"r\",\"status\":\"failed\",\"error\":{\"message\":\"auth "
                    + TOKEN
                    + " \\u202e\\u001b[2J\",\"code\":7}}"),
            RESULT,
            v ->
                assertThat(((RequestResult) v).errorText(TOKEN))
                    .contains("<redacted>", "\\u202E")
                    .doesNotContain(TOKEN, "\u202E", "\u001b")),
        gives(
            "a failed result's error string with the token renders safely",
            HostileServer.json(200, "{\"status\":\"failed\",\"error\":\"Bearer " + TOKEN + "x\"}"),
            RESULT,
            v -> assertThat(((RequestResult) v).errorText(TOKEN)).doesNotContain(TOKEN)),
        gives(
            "a failed result's error object without a message renders as JSON without the token",
            HostileServer.json(
                200,
                "{\"status\":\"failed\",\"error\":{\"trace\":[\"" + TOKEN + "\",\"\\u0000\"]}}"),
            RESULT,
            v ->
                assertThat(((RequestResult) v).errorText(TOKEN))
                    .contains("trace", "<redacted>")
                    .doesNotContain(TOKEN, "\u0000")),
        gives(
            "a 3 MB result error renders clipped",
            HostileServer.json(
                200, "{\"status\":\"failed\",\"error\":\"" + "e".repeat(3_000_000) + "\"}"),
            RESULT,
            v ->
                assertThat(((RequestResult) v).errorText(TOKEN).length())
                    .isLessThanOrEqualTo(ApiErrors.MAX_SERVER_MESSAGE + 3)),
        fails(
            "a submit answer with a 1.5 MB request_id is bad_response",
            HostileServer.json(200, "{\"request_id\":\"" + "r".repeat(1_500_000) + "\"}"),
            SUBMIT,
            stage(ExitClass.OTHER, "bad_response")),
        fails(
            "a submit answer with a newline in request_id is bad_response",
            HostileServer.json(200, "{\"request_id\":\"a\\nb\"}"),
            SUBMIT,
            stage(ExitClass.OTHER, "bad_response")),
        gives(
            "a submit answer's links with control characters are dropped",
            HostileServer.json(
                200,
                "{\"request_id\":\"r-1\",\"status_url\":\"http://x/\\u001b\",\"result_url\":\"https://api/"
                    + "u".repeat(5000)
                    + "\"}"),
            SUBMIT,
            v -> assertThat(((SubmitResponse) v).statusUrl()).isNull()),
        gives(
            "a status answer's invalid request_id falls back to the one asked for",
            HostileServer.json(200, "{\"request_id\":\"a\\u202eb\",\"status\":\"queued\"}"),
            STATUS,
            v -> assertThat(((RequestStatus) v).requestId()).isEqualTo("req-1")),
        asks(
            "a request_id with ../ stays one path segment",
            status("../../admin"),
            s ->
                assertThat(s.requests().get(0))
                    .isEqualTo("GET /v1/requests/..%2F..%2Fadmin/status HTTP/1.1")),
        asks(
            "a request_id with %2e%2e stays one literal segment",
            status("%2e%2e"),
            s ->
                assertThat(s.requests().get(0))
                    .isEqualTo("GET /v1/requests/%252e%252e/status HTTP/1.1")),
        asks(
            "a request_id with ?query#fragment stays in the path",
            c -> c.result("x?include_cost=true#f"),
            s ->
                assertThat(s.requests().get(0))
                    .isEqualTo("GET /v1/requests/x%3Finclude_cost%3Dtrue%23f/result HTTP/1.1")),
        asks(
            "a request_id with a backslash and spaces is encoded",
            c -> c.cancel("..\\ x"),
            s ->
                assertThat(s.requests().get(0))
                    .isEqualTo("POST /v1/requests/..%5C%20x/cancel HTTP/1.1")),
        fails(
            "a request_id of .. is refused without a call",
            HostileServer.json(200, "{}"),
            status(".."),
            e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)),
        fails(
            "Retry-After: 999999 is capped at one hour",
            withRetryAfter("999999"),
            STATUS,
            retryAfter(RetryAfter.MAX_DELAY)),
        fails(
            "Retry-After of 20 digits is ignored",
            withRetryAfter("99999999999999999999"),
            STATUS,
            retryAfter(null)),
        fails(
            "Retry-After in year 9999 is capped at one hour",
            withRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT"),
            STATUS,
            retryAfter(RetryAfter.MAX_DELAY)),
        fails("Retry-After: -1 is ignored", withRetryAfter("-1"), STATUS, retryAfter(null)),
        gives(
            "20,000 output URLs are read and capped at 1,000 downloads",
            HostileServer.json(200, urls(20_000)),
            RESULT,
            v ->
                assertThat(OutputUrls.find(((RequestResult) v).output(), 1000))
                    .satisfies(
                        f -> {
                          assertThat(f.urls()).hasSize(1000);
                          assertThat(f.truncated()).isTrue();
                        })),
        fails(
            "a gzip answer is not inflated (no Accept-Encoding sent)",
            HostileServer.fixed(
                "200 OK",
                List.of(
                    "Content-Encoding: gzip",
                    "Content-Length: " + gzip("{\"status\":\"completed\"}").length),
                gzip("{\"status\":\"completed\"}")),
            STATUS,
            stage(ExitClass.OTHER, "bad_response")),
        fails(
            "a Content-Length longer than the body fails the call",
            HostileServer.fixed(
                "200 OK", List.of("Content-Length: 500"), "{\"status\":".getBytes()),
            STATUS,
            e -> assertThat(e).isInstanceOf(StageException.class)),
        fails(
            "a Content-Length shorter than the body reads only the declared bytes",
            HostileServer.fixed(
                "200 OK", List.of("Content-Length: 5"), "{\"status\":\"completed\"}".getBytes()),
            STATUS,
            stage(ExitClass.OTHER, "bad_response")),
        fails(
            "a JSON string as the whole answer is bad_response",
            HostileServer.json(200, "\"" + "s".repeat(100_000) + "\""),
            STATUS,
            stage(ExitClass.OTHER, "bad_response")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void maliciousAnswerIsBoundedAndSafe(String name, Case c) {
    try (HostileServer server = new HostileServer(c.answer());
        RunComfyClient client =
            new RunComfyClient(
                RunComfyConfig.of("http://" + server.hostPort() + "/v1", TOKEN)
                    .withResponseTimeout(Duration.ofSeconds(1)))) {
      long start = System.nanoTime();
      StepVerifier.Step<?> step = StepVerifier.create(Mono.defer(() -> c.call().apply(client)));
      if (c.onError() != null && c.onValue() == null) {
        step.expectErrorSatisfies(c.onError()).verify(WAIT);
      } else if (c.onValue() != null && c.onError() == null) {
        step.assertNext(v -> c.onValue().accept(v)).expectComplete().verify(WAIT);
      } else {
        step.expectNextCount(1).expectComplete().verify(WAIT);
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
      c.afterwards().accept(server);
      server.heads().forEach(h -> assertThat(h.toLowerCase()).doesNotContain("accept-encoding"));
    }
  }
}
