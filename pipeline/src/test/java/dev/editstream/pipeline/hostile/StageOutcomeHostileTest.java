package dev.editstream.pipeline.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.editstream.core.Backoff;
import dev.editstream.core.Secrets;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Stage;
import dev.editstream.core.event.Submission;
import dev.editstream.core.event.Topics;
import dev.editstream.core.hostile.Surface;
import dev.editstream.core.hostile.SurfaceNames;
import dev.editstream.pipeline.EventCodec;
import dev.editstream.pipeline.stage.Outcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Issue 14, defects 3, 7, 11 and 13 through a running stage on the embedded broker: outcomes that
 * break the record limits, a record Kafka refuses, a Retry-After of 11.6 days, a stranger's due_at
 * of year 9999, and hostile text in a handler's error.
 */
@Surface("kafka record")
@DisplayNameGeneration(SurfaceNames.class)
class StageOutcomeHostileTest {
  private static final Topics TOPICS = new Topics("hostile-outcomes");
  private static final String TOKEN = "rc_tok_5e4d3c2b1a0f9e8d";
  private static final Backoff BACKOFF = new Backoff(50, 2_000, 2.0, 10);
  private static HostileKafka k;
  private static Map<String, byte[]> failed;
  private static Map<String, byte[]> completed;
  private static Map<String, byte[]> retries;
  private static final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private static final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @BeforeAll
  static void start() {
    Secrets.register(TOKEN);
    logs.start();
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    k = new HostileKafka();
    failed = k.collect(TOPICS.failed(), "ho-failed");
    completed = k.collect(TOPICS.completed(), "ho-completed");
    retries = k.collect(TOPICS.retry(Stage.POLLER), "ho-retry");
    k.runner(TOPICS, Stage.POLLER, 3, BACKOFF, StageOutcomeHostileTest::handle).start();
  }

  @AfterAll
  static void stop() {
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
    Secrets.forget(TOKEN);
    k.close();
  }

  private static Mono<Outcome> handle(JobEvent ev) {
    int n = calls.computeIfAbsent(ev.jobId(), x -> new AtomicInteger()).incrementAndGet();
    Instant now = Instant.now();
    String id = ev.jobId();
    if (id.startsWith("huge-message")) {
      return Mono.error(new StageException(ExitClass.DATA, "bad_answer", "e".repeat(3_000_000)));
    }
    if (id.startsWith("many-outputs")) {
      List<String> urls =
          IntStream.range(0, 20_000)
              .mapToObj(i -> "https://x.runcomfy.net/o/" + i + ".png")
              .toList();
      return Mono.just(Outcome.publish(TOPICS.completed(), ev.completed(urls, now)));
    }
    if (id.startsWith("huge-request-id")) {
      return Mono.just(
          Outcome.publish(
              TOPICS.completed(),
              ev.submitted(
                  ev.route(),
                  ev.body(),
                  new Submission("r".repeat(1_500_000), null, null, null, now),
                  now)));
    }
    if (id.startsWith("refused-topic")) {
      return Mono.just(
          Outcome.publish(
              "no such topic!", ev.completed(List.of("https://x.runcomfy.net/o.png"), now)));
    }
    if (id.startsWith("hostile-text")) {
      return Mono.error(
          new StageException(
              ExitClass.OTHER,
              "failed\u202E",
              "RunComfy said: invalid token "
                  + TOKEN
                  + "\u202Egnp.exe\n2026-01-01 INFO forged line\u001B[2J"));
    }
    if (id.startsWith("retry-after") && n == 1) {
      return Mono.error(
          new StageException(
              ExitClass.TEMPFAIL,
              FailureReason.HTTP_429,
              "rate limited",
              Duration.ofSeconds(999_999)));
    }
    return Mono.just(
        Outcome.publish(
            TOPICS.completed(), ev.completed(List.of("https://x.runcomfy.net/o.png"), now)));
  }

  private static JobEvent send(String id) {
    JobEvent e = HostileKafka.submitted(id);
    k.publisher.publish(TOPICS.submitted(), e).block(Duration.ofSeconds(30));
    return e;
  }

  private static JobEvent failedEvent(String id) {
    await().atMost(Duration.ofSeconds(60)).until(() -> failed.containsKey(id));
    return EventCodec.decode(failed.get(id));
  }

  @Test
  void shouldEndAThreeMegabyteFailureMessageInOneSmallFailedEvent() {
    send("huge-message-1");
    JobEvent f = failedEvent("huge-message-1");
    assertThat(failed.get("huge-message-1").length).isLessThan(16 * 1024);
    assertThat(f.failure().exitClass().code()).isEqualTo(65);
    assertThat(f.failure().message()).hasSizeLessThanOrEqualTo(4_000).endsWith("chars clipped]");
    assertThat(calls.get("huge-message-1").get()).isEqualTo(1);
  }

  @Test
  void shouldFailACompletedEventWithTwentyThousandOutputUrlsWithClass65() {
    send("many-outputs-1");
    JobEvent f = failedEvent("many-outputs-1");
    assertThat(f.failure().exitClass().code()).isEqualTo(65);
    assertThat(f.failure().reasonText()).isEqualTo("record_too_large");
    assertThat(f.failure().message()).contains("20,000 output URLs");
    assertThat(completed).doesNotContainKey("many-outputs-1");
  }

  @Test
  void shouldFailASubmittedEventWithAOneAndAHalfMegabyteRequestIdWithClass65() {
    send("huge-request-id-1");
    JobEvent f = failedEvent("huge-request-id-1");
    assertThat(f.failure().reasonText()).isEqualTo("record_too_large");
    assertThat(failed.get("huge-request-id-1").length).isLessThan(64 * 1024);
    assertThat(calls.get("huge-request-id-1").get()).isEqualTo(1);
  }

  @Test
  void shouldFailTheJobWhenKafkaRefusesItsRecordInsteadOfRetryingForEver() {
    send("refused-topic-1");
    JobEvent f = failedEvent("refused-topic-1");
    assertThat(f.failure().exitClass().code()).isEqualTo(65);
    assertThat(f.failure().reasonText()).isEqualTo("record_refused");
    assertThat(f.failure().message()).contains("InvalidTopicException");
  }

  @Test
  void shouldKeepARegisteredTokenAndControlCharactersOutOfTheFailedTopicAndTheLog() {
    send("hostile-text-1");
    failedEvent("hostile-text-1");
    String onTopic = new String(failed.get("hostile-text-1"), StandardCharsets.UTF_8);
    String decoded = EventCodec.decode(failed.get("hostile-text-1")).failure().message();
    assertThat(onTopic).doesNotContain(TOKEN);
    assertThat(decoded)
        .doesNotContain(TOKEN)
        .doesNotContain("\u202E")
        .doesNotContain("\n")
        .doesNotContain("\u001B")
        .contains("\\u202E")
        .contains("<redacted>");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                logs.list.stream()
                    .anyMatch(e -> e.getFormattedMessage().contains("hostile-text-1")));
    for (ILoggingEvent e : List.copyOf(logs.list)) {
      String line = e.getFormattedMessage();
      assertThat(line).doesNotContain(TOKEN).doesNotContain("\u202E").doesNotContain("\u001B");
      if (line.contains("hostile-text-1")) {
        assertThat(line).doesNotContain("\n");
      }
    }
  }

  @Test
  void shouldCapARetryAfterOfElevenDaysAtTheMaxBackoffAndSaySo() {
    Instant before = Instant.now();
    send("retry-after-1");
    await().atMost(Duration.ofSeconds(60)).until(() -> retries.containsKey("retry-after-1"));
    JobEvent retry = EventCodec.decode(retries.get("retry-after-1"));
    assertThat(retry.dueAt()).isBefore(before.plusMillis(BACKOFF.maxMs()).plusSeconds(10));
    await().atMost(Duration.ofSeconds(60)).until(() -> completed.containsKey("retry-after-1"));
    assertThat(logs.list)
        .anySatisfy(
            e -> {
              assertThat(e.getLevel().toString()).isEqualTo("WARN");
              assertThat(e.getFormattedMessage())
                  .contains("retry-after-1")
                  .contains("999999000 ms")
                  .contains("applying 2000 ms");
            });
  }

  @Test
  void shouldReleaseAStrangersRetryDueInTheYear9999AfterTheMaxBackoff() {
    JobEvent e =
        HostileKafka.submitted("far-due-1")
            .retry(
                new dev.editstream.core.event.Attempt(
                    Stage.POLLER,
                    dev.editstream.core.error.ExitClass.TEMPFAIL,
                    "x",
                    "y",
                    Instant.now()),
                Instant.parse("9999-12-31T23:59:59Z"));
    k.publisher.publish(TOPICS.retry(Stage.POLLER), e).block(Duration.ofSeconds(30));
    await().atMost(Duration.ofSeconds(60)).until(() -> completed.containsKey("far-due-1"));
  }
}
