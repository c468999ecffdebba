package dev.editstream.pipeline.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Backoff;
import dev.editstream.core.Json;
import dev.editstream.core.Redact;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Stage;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;

/**
 * Issue 14, defect 6: records written straight to a stage's input topic by a stranger. Each is
 * really produced to the embedded broker and consumed by a running {@link
 * dev.editstream.pipeline.stage.StageRunner}: an undecodable one ends as one bounded poison record
 * on the failure topic and is acknowledged, a decodable one is handled, and in every case the stage
 * goes on consuming (a good job sent after it completes).
 */
@Surface("kafka record")
@DisplayNameGeneration(SurfaceNames.class)
class KafkaRecordHostileTest {
  private static final Topics TOPICS = new Topics("hostile-records");
  private static final AtomicInteger CASE = new AtomicInteger();
  private static HostileKafka k;
  private static Map<String, byte[]> failed;
  private static Map<String, byte[]> completed;

  @BeforeAll
  static void start() {
    k = new HostileKafka();
    failed = k.collect(TOPICS.failed(), "hr-failed");
    completed = k.collect(TOPICS.completed(), "hr-completed");
    k.runner(
            TOPICS,
            Stage.POLLER,
            3,
            new Backoff(50, 200, 2.0, 10),
            ev ->
                Mono.just(
                    Outcome.publish(
                        TOPICS.completed(),
                        ev.completed(List.of("https://x.runcomfy.net/o.png"), Instant.now()))))
        .start();
  }

  @AfterAll
  static void stop() {
    k.close();
  }

  private static String base(String id) {
    return new String(EventCodec.encode(HostileKafka.submitted(id)), StandardCharsets.UTF_8);
  }

  private static Function<String, byte[]> text(Function<String, String> f) {
    return id -> f.apply(id) == null ? null : f.apply(id).getBytes(StandardCharsets.UTF_8);
  }

  private static Function<String, byte[]> tree(Consumer<ObjectNode> f) {
    return id -> {
      try {
        ObjectNode n = (ObjectNode) Json.mapper().readTree(base(id));
        f.accept(n);
        return Json.mapper().writeValueAsBytes(n);
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    };
  }

  private static Function<String, byte[]> bytes(Function<String, byte[]> f) {
    return f;
  }

  static Stream<Arguments> poison() {
    String deepArrays = "[".repeat(100_000) + "]".repeat(100_000);
    String digits = "9".repeat(10_000);
    return Stream.of(
        Arguments.of("not JSON at all", text(id -> "hello, world")),
        Arguments.of("an empty value", bytes(id -> new byte[0])),
        Arguments.of("a tombstone (null value)", bytes(id -> null)),
        Arguments.of("the JSON value null", text(id -> "null")),
        Arguments.of("a JSON array", text(id -> "[" + base(id) + "]")),
        Arguments.of("a JSON string", text(id -> "\"" + id + "\"")),
        Arguments.of("100,000 nested arrays", text(id -> deepArrays)),
        Arguments.of(
            "100,000 nested arrays inside the job",
            text(
                id ->
                    base(id)
                        .replace(
                            "\"prompt\":",
                            "\"x\":"
                                + "[".repeat(100_000)
                                + "1"
                                + "]".repeat(100_000)
                                + ",\"prompt\":"))),
        Arguments.of(
            "30,000 nested objects inside the job",
            text(
                id ->
                    base(id)
                        .replace(
                            "\"prompt\":",
                            "\"x\":"
                                + "{\"a\":".repeat(30_000)
                                + "1"
                                + "}".repeat(30_000)
                                + ",\"prompt\":"))),
        Arguments.of(
            "a number of 10,000 digits as attempt",
            text(id -> base(id).replace("\"attempt\":1", "\"attempt\":" + digits))),
        Arguments.of(
            "a number of 10,000 digits as v",
            text(
                id ->
                    base(id)
                        .replace(
                            "\"v\":" + dev.editstream.core.event.JobEvent.VERSION,
                            "\"v\":" + digits))),
        Arguments.of(
            "an attempt beyond int",
            text(id -> base(id).replace("\"attempt\":1", "\"attempt\":99999999999999999999"))),
        Arguments.of(
            "NaN as attempt", text(id -> base(id).replace("\"attempt\":1", "\"attempt\":NaN"))),
        Arguments.of(
            "a duplicate job_id key",
            text(id -> base(id).replace("\"job_id\":", "\"job_id\":\"other\",\"job_id\":"))),
        Arguments.of(
            "a duplicate type key",
            text(id -> base(id).replace("\"type\":", "\"type\":\"done\",\"type\":"))),
        Arguments.of("a job of null fields", tree(n -> n.putObject("job").putNull("id"))),
        Arguments.of("no job", tree(n -> n.remove("job"))),
        Arguments.of("a null job", tree(n -> n.putNull("job"))),
        Arguments.of("no at (crashed the router stage before)", tree(n -> n.remove("at"))),
        Arguments.of("an at that is no date", tree(n -> n.put("at", "yesterday"))),
        Arguments.of("no type", tree(n -> n.remove("type"))),
        Arguments.of("an unknown type", tree(n -> n.put("type", "exploded"))),
        Arguments.of("envelope version 3 (newer than this build)", tree(n -> n.put("v", 3))),
        Arguments.of("envelope version 0", tree(n -> n.put("v", 0))),
        Arguments.of("a string as version", tree(n -> n.put("v", "one"))),
        Arguments.of("a null version", tree(n -> n.putNull("v"))),
        Arguments.of("no job_id", tree(n -> n.remove("job_id"))),
        Arguments.of("a number as job_id", tree(n -> n.put("job_id", 42))),
        Arguments.of(
            "a job_id with a right-to-left override",
            tree(n -> n.put("job_id", "abc\u202Egnp.exe"))),
        Arguments.of("a job_id walking up folders", tree(n -> n.put("job_id", "../../etc/passwd"))),
        Arguments.of("a job_id of 100,000 chars", tree(n -> n.put("job_id", "a".repeat(100_000)))),
        Arguments.of(
            "a job whose id is not the job_id",
            tree(n -> ((ObjectNode) n.get("job")).put("id", "someone-else"))),
        Arguments.of(
            "a null among the images",
            tree(n -> ((ObjectNode) n.get("job")).putArray("images").addNull())),
        Arguments.of("a number as images", tree(n -> ((ObjectNode) n.get("job")).put("images", 5))),
        Arguments.of("a string as history", tree(n -> n.put("history", "all good"))),
        Arguments.of("a null in the history", tree(n -> n.putArray("history").addNull())),
        Arguments.of("a string as attempt", tree(n -> n.put("attempt", "x"))),
        Arguments.of("an object as outputs", tree(n -> n.putObject("outputs"))),
        Arguments.of("a string as submission", tree(n -> n.put("submission", "r-1"))),
        Arguments.of("a number as failure", tree(n -> n.put("failure", 5))),
        Arguments.of("a created_at that is no date", tree(n -> n.put("created_at", "soon"))),
        Arguments.of(
            "invalid UTF-8 inside a string",
            bytes(id -> splice(base(id), "make it warmer", new byte[] {(byte) 0xC3, 0x28}))),
        Arguments.of(
            "an overlong UTF-8 slash",
            bytes(id -> splice(base(id), "make it warmer", new byte[] {(byte) 0xC0, (byte) 0xAF}))),
        Arguments.of(
            "a raw control character inside a string",
            text(id -> base(id).replace("make it warmer", "make\u0001it"))),
        Arguments.of(
            "a NUL byte outside strings", text(id -> base(id).replace("{\"v\"", "{\u0000\"v\""))),
        Arguments.of("trailing garbage after the event", text(id -> base(id) + "}")),
        Arguments.of("two events in one record", text(id -> base(id) + base(id))),
        Arguments.of("a comment inside", text(id -> base(id).replace("{\"v\"", "{/* hi */\"v\""))),
        Arguments.of("single quotes", text(id -> base(id).replace('"', '\''))),
        Arguments.of("900 KB of blanks", text(id -> " ".repeat(900_000))));
  }

  private static byte[] splice(String json, String at, byte[] bad) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    byte[] needle = at.getBytes(StandardCharsets.UTF_8);
    int i = json.indexOf(at);
    byte[] out = new byte[b.length + bad.length];
    System.arraycopy(b, 0, out, 0, i);
    System.arraycopy(bad, 0, out, i, bad.length);
    System.arraycopy(b, i, out, i + bad.length, b.length - i);
    return needle.length > 0 ? out : b;
  }

  @ParameterizedTest(
      name =
          "kafka record: {0} goes to the failure topic as one bounded poison record, and the stage goes on")
  @MethodSource("poison")
  void shouldRecordEveryUndecodableRecordAsPoisonAndKeepConsuming(
      String name, Function<String, byte[]> value) {
    String key = "poison-" + CASE.incrementAndGet();
    RecordMetadata md =
        k.publisher.send(TOPICS.submitted(), key, value.apply(key)).block(Duration.ofSeconds(30));
    String next = key + "-next";
    k.publisher
        .publish(TOPICS.submitted(), HostileKafka.submitted(next))
        .block(Duration.ofSeconds(30));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> failed.containsKey(key) && completed.containsKey(next));
    byte[] raw = failed.get(key);
    assertThat(raw.length).as("poison record size").isLessThan(8 * 1024);
    JobEvent f = EventCodec.decode(raw);
    assertThat(f.failure().exitClass().code()).isEqualTo(65);
    assertThat(f.failure().reasonText()).isEqualTo("undecodable");
    assertThat(f.failure().message()).contains("offset " + md.offset());
    assertThat(f.failure().message().chars().noneMatch(c -> Redact.mustEscape((char) c))).isTrue();
    assertThat(completed).doesNotContainKey(key);
  }

  @ParameterizedTest(
      name = "kafka record: a null key with {0} is recorded under its topic, partition and offset")
  @MethodSource("nullKeyed")
  void shouldRecordARecordWithoutKeyUnderItsPlace(String name, Function<String, byte[]> value) {
    RecordMetadata md =
        k.publisher
            .send(TOPICS.submitted(), null, value.apply("nokey-" + CASE.incrementAndGet()))
            .block(Duration.ofSeconds(30));
    String id = "record-" + md.topic() + "-" + md.partition() + "-" + md.offset();
    await().atMost(Duration.ofSeconds(60)).until(() -> failed.containsKey(id));
    assertThat(EventCodec.decode(failed.get(id)).failure().reasonText()).isEqualTo("undecodable");
  }

  static Stream<Arguments> nullKeyed() {
    return Stream.of(
        Arguments.of("garbage", text(id -> "garbage")),
        Arguments.of("a tombstone", bytes(id -> null)),
        Arguments.of("no at", tree(n -> n.remove("at"))));
  }

  static Stream<Arguments> handled() {
    return Stream.of(
        Arguments.of(
            "a UTF-8 byte order mark",
            bytes(id -> ("\uFEFF" + base(id)).getBytes(StandardCharsets.UTF_8))),
        Arguments.of(
            "unknown extra fields",
            tree(n -> n.put("extra", "ignored").putObject("more").put("x", 1))),
        Arguments.of(
            "a right-to-left override in the prompt",
            tree(n -> ((ObjectNode) n.get("job")).put("prompt", "warm\u202Eer"))),
        Arguments.of(
            "params nested 150 levels",
            tree(
                n -> {
                  ObjectNode p = ((ObjectNode) n.get("job")).putObject("params");
                  for (int i = 0; i < 150; i++) {
                    p = p.putObject("a");
                  }
                })),
        Arguments.of(
            "an absent prompt and images",
            tree(
                n -> {
                  ((ObjectNode) n.get("job")).remove("prompt");
                  ((ObjectNode) n.get("job")).remove("images");
                })));
  }

  @ParameterizedTest(name = "kafka record: {0} is decoded and handled as a job")
  @MethodSource("handled")
  void shouldHandleHostileButValidRecords(String name, Function<String, byte[]> value) {
    String key = "valid-" + CASE.incrementAndGet();
    k.publisher.send(TOPICS.submitted(), key, value.apply(key)).block(Duration.ofSeconds(30));
    await().atMost(Duration.ofSeconds(60)).until(() -> completed.containsKey(key));
    assertThat(failed).doesNotContainKey(key);
  }
}
