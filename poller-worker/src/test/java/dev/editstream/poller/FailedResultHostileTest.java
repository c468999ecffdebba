package dev.editstream.poller;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import dev.editstream.core.event.Topics;
import dev.editstream.pipeline.stage.Outcome;
import dev.editstream.poller.ScriptedApi.Answer;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.RunComfyConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.scheduler.Schedulers;

/**
 * A malicious or broken RunComfy on 127.0.0.1 ({@link ScriptedApi}, real HTTP through a real {@link
 * RunComfyClient}) answers a request as failed, with an {@code error} that echoes the bearer token,
 * carries terminal escapes or right-to-left overrides, or is huge. The failure the poller hands to
 * the failed topic, the log and the console must hold none of them: the token redacted, control and
 * bidi characters escaped as {@code \\uXXXX}, the text clipped.
 */
class FailedResultHostileTest {
  static final String TOKEN = "rc_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0";
  static final String EXTRA = "refreshed-token-0123456789abcdef";
  static final String RID = "r-hostile";

  static ScriptedApi api;
  static RunComfyClient client;

  @BeforeAll
  static void start() {
    api = new ScriptedApi();
    client =
        new RunComfyClient(
            RunComfyConfig.of(api.base(), TOKEN).withResponseTimeout(Duration.ofSeconds(10)));
  }

  @AfterAll
  static void stop() {
    client.close();
    api.close();
  }

  /**
   * The failure message the poller makes of a failed result whose {@code error} is {@code
   * errorJson}.
   */
  static String failureFor(String errorJson) {
    api.on(
        "GET",
        "/v1/requests/" + RID + "/status",
        Answer.ok("{\"request_id\":\"" + RID + "\",\"status\":\"failed\"}"));
    api.on(
        "GET",
        "/v1/requests/" + RID + "/result",
        Answer.ok(
            "{\"request_id\":\"" + RID + "\",\"status\":\"failed\",\"error\":" + errorJson + "}"));
    PollerHandler h =
        PollerHandler.builder()
            .client(client)
            .topics(Topics.DEFAULT)
            .schedule(PollSchedule.fixed(Duration.ofMillis(1)))
            .deadline(Duration.ofMinutes(10))
            .clock(Clock.systemUTC())
            .timer(Schedulers.parallel())
            .secrets(() -> List.of(EXTRA))
            .build();
    Outcome o =
        h.handle(PollerHandlerTest.submitted(RID, Instant.now())).block(Duration.ofSeconds(20));
    assertThat(o).isInstanceOf(Outcome.Fail.class);
    Outcome.Fail f = (Outcome.Fail) o;
    assertThat(f.reasonText()).isEqualTo("remote_failed");
    return f.message();
  }

  static String json(String s) {
    ObjectNode n = Json.mapper().createObjectNode();
    n.put("s", s);
    return n.get("s").toString();
  }

  static Stream<Arguments> answers() {
    return Stream.of(
        Arguments.of(
            "provider answer: error text echoes the bearer token",
            json("invalid credentials " + TOKEN + " for model x")),
        Arguments.of(
            "provider answer: error text echoes 'Bearer <token>'",
            json("Authorization: Bearer " + TOKEN)),
        Arguments.of(
            "provider answer: error object nests the token",
            "{\"code\":401,\"detail\":{\"token\":\"" + TOKEN + "\"}}"),
        Arguments.of("provider answer: token glued to other text", json("key=" + TOKEN + "&x=1")),
        Arguments.of(
            "provider answer: a refreshed token the poller was told about",
            json("bad token " + EXTRA)),
        Arguments.of(
            "provider answer: right-to-left override U+202E", json("file \u202Egnp.exe finished")),
        Arguments.of(
            "provider answer: bidi isolates U+2066..U+2069", json("a\u2066b\u2067c\u2068d\u2069e")),
        Arguments.of(
            "provider answer: embeddings U+202A..U+202D", json("\u202A\u202B\u202C\u202D")),
        Arguments.of(
            "provider answer: ANSI escape sequence (C0 ESC)",
            json("\u001B[2J\u001B[31mFAKE: all jobs done\u001B[0m")),
        Arguments.of(
            "provider answer: carriage return overwriting the line",
            json("real error\rOK: job succeeded")),
        Arguments.of(
            "provider answer: newline forging a log line", json("x\n2026-01-01 INFO job j1 done")),
        Arguments.of("provider answer: C1 control CSI U+009B", json("\u009B31m red")),
        Arguments.of("provider answer: NEL U+0085 and DEL U+007F", json("a\u0085b\u007Fc")),
        Arguments.of("provider answer: NUL byte", json("before\u0000after")),
        Arguments.of(
            "provider answer: signed URL in the error",
            json("cannot read https://cdn.runcomfy.net/x.png?X-Amz-Signature=deadbeef")),
        Arguments.of("provider answer: 200,000-char error text", json("E".repeat(200_000))),
        Arguments.of("provider answer: huge text of bidi overrides", json("\u202E".repeat(50_000))),
        Arguments.of("provider answer: lone surrogate", json("x\uD800y")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("answers")
  void shouldWriteNoSecretNoControlCharacterAndAtMostTheClipOfAFailedResultsError(
      String name, String errorJson) {
    String msg = failureFor(errorJson);

    assertThat(msg)
        .startsWith("RunComfy request " + RID + " failed: ")
        .doesNotContain(TOKEN)
        .doesNotContain(EXTRA)
        .doesNotContain("X-Amz-Signature=deadbeef");
    assertThat(msg.chars().filter(FailedResultHostileTest::unsafe).count())
        .as("unsafe characters in %s", msg)
        .isZero();
    assertThat(msg.length()).isLessThanOrEqualTo(PollerHandler.MAX_SERVER_TEXT + 200);
  }

  static boolean unsafe(int c) {
    return c < 0x20
        || (c >= 0x7F && c <= 0x9F)
        || (c >= 0x202A && c <= 0x202E)
        || (c >= 0x2066 && c <= 0x2069)
        || Character.isSurrogate((char) c);
  }

  @Test
  void shouldShowTheOverrideAsAnEscapeAndTheTokenAsRedactedSoTheMessageStillSaysWhatHappened() {
    String msg = failureFor(json("token " + TOKEN + " rejected \u202Eevil"));

    assertThat(msg).contains("token <redacted> rejected \\u202Eevil");
  }

  @Test
  void shouldClipAHugeErrorAndSayItWasClipped() {
    String msg = failureFor(json("E".repeat(200_000)));

    assertThat(msg).endsWith("...");
  }
}
