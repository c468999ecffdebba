package dev.editstream.pipeline.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Backoff;
import dev.editstream.core.Json;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.RouteDecision;
import dev.editstream.core.event.Stage;
import dev.editstream.core.event.Submission;
import dev.editstream.core.event.Topics;
import dev.editstream.core.job.Job;
import dev.editstream.localkafka.EmbeddedKafka;
import dev.editstream.pipeline.EventCodec;
import dev.editstream.pipeline.kafka.ConsumerSettings;
import dev.editstream.pipeline.kafka.EventPublisher;
import dev.editstream.pipeline.kafka.ReactiveKafkaConsumer;
import dev.editstream.pipeline.kafka.TopicAdmin;
import dev.editstream.pipeline.metrics.Meters;
import dev.editstream.pipeline.metrics.PipelineMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Issue 15, point 3: poison records never stop a stage. Every record is really produced to an
 * embedded broker and consumed by a running {@link StageRunner}: garbage bytes, wrong JSON, an
 * envelope without {@code at}, an envelope of the wrong type for the stage, and a handler that
 * throws each end as one {@code failed} event on the failure topic, a valid record after them is
 * still handled, and after a restart of the stage none of them is read again (their offsets were
 * committed).
 */
class PoisonRecordTest {
  private static final String SIGNED =
      "https://bucket.s3.amazonaws.com/in/a.png?X-Amz-Signature=0f1e2d3c4b5a69788796a5b4c3d2e1f0";
  private static EmbeddedKafka kafka;
  private static EventPublisher publisher;
  private static final List<Runnable> closers = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.start(null);
    publisher = new EventPublisher(kafka.bootstrapServers(), "poison-test", Map.of());
  }

  @AfterAll
  static void stopBroker() {
    closers.forEach(Runnable::run);
    publisher.close();
    kafka.close();
  }

  /** Every record of {@code topic} by key, in arrival order (duplicates kept). */
  private static Map<String, List<byte[]>> collect(String topic, String group) {
    Map<String, List<byte[]>> out = new ConcurrentHashMap<>();
    ReactiveKafkaConsumer c =
        new ReactiveKafkaConsumer(
            ConsumerSettings.of(kafka.bootstrapServers(), group, List.of(topic), 1000));
    Disposable d =
        c.receive()
            .subscribe(
                r -> {
                  out.computeIfAbsent(
                          String.valueOf(r.record().key()), k -> new CopyOnWriteArrayList<>())
                      .add(r.record().value());
                  r.ack();
                });
    closers.add(
        () -> {
          d.dispose();
          c.close(Duration.ZERO);
        });
    return out;
  }

  private static StageRunner runner(Topics topics, SimpleMeterRegistry registry, StageHandler h) {
    StageSettings s =
        new StageSettings(
            Stage.POLLER,
            kafka.bootstrapServers(),
            8,
            3,
            new Backoff(50, 200, 2.0, 10),
            100,
            Duration.ofSeconds(2),
            null,
            Duration.ofMinutes(10));
    TopicAdmin.ensureTopics(kafka.bootstrapServers(), topics.all(), 2, (short) 1);
    return StageRunner.builder(s, topics, publisher, h)
        .metrics(new PipelineMetrics(registry))
        .clock(Clock.systemUTC())
        .timer(Schedulers.parallel())
        .build();
  }

  private static double poisonCount(SimpleMeterRegistry registry) {
    Counter c =
        registry.find(Meters.POISON.meterName()).tag("stage", Stage.POLLER.wire()).counter();
    return c == null ? 0 : c.count();
  }

  private static JobEvent submitted(String id) {
    Job job =
        new Job(
            id,
            "make it warmer",
            List.of("https://assets.example.com/a.jpg"),
            null,
            null,
            null,
            null,
            null);
    return JobEvent.requested(job, Instant.now())
        .submitted(
            new RouteDecision("google/nano-banana-2/edit", "default", List.of()),
            Map.of("prompt", "x"),
            new Submission("r-" + id, null, null, null, Instant.now()),
            Instant.now());
  }

  private static byte[] withoutAt(String id) {
    try {
      ObjectNode n = (ObjectNode) Json.mapper().readTree(EventCodec.encode(submitted(id)));
      n.remove("at");
      return Json.mapper().writeValueAsBytes(n);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JobEvent only(Map<String, List<byte[]>> topic, String key) {
    assertThat(topic.get(key)).as("records of %s", key).hasSize(1);
    return EventCodec.decode(topic.get(key).get(0));
  }

  @Test
  void shouldSendEveryPoisonRecordToTheFailureTopicCommitItAndGoOn() {
    Topics topics = new Topics("poison-it");
    Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
    StageHandler handler =
        ev -> {
          handled.computeIfAbsent(ev.jobId(), k -> new AtomicInteger()).incrementAndGet();
          if (ev.jobId().startsWith("throws")) {
            throw new IllegalStateException("a bug in the handler");
          }
          // a handler that assumes the stage's input type: a requested event has no submission
          // (NPE)
          String requestId = ev.submission().requestId();
          return Mono.just(
              Outcome.publish(
                  topics.completed(),
                  ev.completed(
                      List.of("https://x.runcomfy.net/" + requestId + ".png"), Instant.now())));
        };
    Map<String, List<byte[]>> failed = collect(topics.failed(), "poison-failed");
    Map<String, List<byte[]>> completed = collect(topics.completed(), "poison-completed");
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    StageRunner first = runner(topics, registry, handler);
    first.start();

    byte[] garbage = new byte[300];
    for (int i = 0; i < garbage.length; i++) {
      garbage[i] = (byte) (i * 37 + 11);
    }
    byte[] big = new byte[900 * 1024];
    Arrays.fill(big, (byte) 'x');
    byte[] signed =
        ("{\"v\":1,\"type\":\"requested\",\"job\":{\"images\":[\"" + SIGNED + "\"]}")
            .getBytes(StandardCharsets.UTF_8);
    Map<String, byte[]> poison = new LinkedHashMap<>();
    poison.put("garbage-1", garbage);
    poison.put("wrong-json-1", "{\"hello\":\"world\"}".getBytes(StandardCharsets.UTF_8));
    poison.put("no-at-1", withoutAt("no-at-1"));
    poison.put("big-1", big);
    poison.put("signed-1", signed);
    Map<String, RecordMetadata> where = new LinkedHashMap<>();
    poison.forEach(
        (k, v) ->
            where.put(k, publisher.send(topics.submitted(), k, v).block(Duration.ofSeconds(30))));
    publisher
        .publish(
            topics.submitted(), JobEvent.requested(submitted("wrong-type-1").job(), Instant.now()))
        .block(Duration.ofSeconds(30));
    publisher.publish(topics.submitted(), submitted("throws-1")).block(Duration.ofSeconds(30));
    publisher.publish(topics.submitted(), submitted("valid-after")).block(Duration.ofSeconds(30));
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  completed.containsKey("valid-after")
                      && failed
                          .keySet()
                          .containsAll(
                              List.of(
                                  "garbage-1",
                                  "wrong-json-1",
                                  "no-at-1",
                                  "big-1",
                                  "signed-1",
                                  "wrong-type-1",
                                  "throws-1")));

      for (Map.Entry<String, byte[]> p : poison.entrySet()) {
        JobEvent f = only(failed, p.getKey());
        RecordMetadata md = where.get(p.getKey());
        String msg = f.failure().message();
        System.out.println(
            "poison "
                + p.getKey()
                + ": "
                + (msg.length() > 300 ? msg.substring(0, 300) + "..." : msg));
        assertThat(f.failure().exitClass().code()).isEqualTo(65);
        assertThat(f.failure().reasonText()).isEqualTo("undecodable");
        assertThat(msg)
            .contains(
                "record at "
                    + md.topic()
                    + " partition "
                    + md.partition()
                    + " offset "
                    + md.offset()
                    + " is not a job event: ");
        assertThat(failed.get(p.getKey()).get(0).length)
            .as("poison event size")
            .isLessThan(8 * 1024);
        byte[] raw = StageRunner.rawValueOf(msg).orElseThrow();
        if (p.getKey().equals("big-1")) {
          assertThat(msg)
              .contains("[raw value: kept " + raw.length + " of " + big.length + " bytes]");
          assertThat(raw.length).isGreaterThan(1000).isLessThan(big.length);
          assertThat(raw).isEqualTo(Arrays.copyOf(big, raw.length));
        } else if (p.getKey().equals("signed-1")) {
          assertThat(msg).contains("secrets redacted").doesNotContain("0f1e2d3c4b5a6978");
          assertThat(new String(raw, StandardCharsets.UTF_8))
              .startsWith("{\"v\":1,\"type\":\"requested\"")
              .contains("https://bucket.s3.amazonaws.com/in/a.png?<redacted>")
              .doesNotContain("X-Amz-Signature");
        } else {
          assertThat(msg)
              .contains(
                  "[raw value: kept "
                      + p.getValue().length
                      + " of "
                      + p.getValue().length
                      + " bytes]");
          assertThat(raw).isEqualTo(p.getValue());
        }
      }
      assertThat(only(failed, "no-at-1").failure().message()).contains("field \"at\": is required");
      assertThat(only(failed, "wrong-json-1").failure().message()).contains("not a job event");

      // decodable, but not the stage's input type: refused as data (class 65), never handed to the
      // handler
      JobEvent wrongType = only(failed, "wrong-type-1");
      assertThat(wrongType.failure().exitClass().code()).isEqualTo(65);
      assertThat(wrongType.failure().reasonText()).isEqualTo("undecodable");
      assertThat(wrongType.failure().message())
          .contains(
              "a requested event of job wrong-type-1",
              "takes submitted events only",
              "partition",
              "offset");
      assertThat(handled).doesNotContainKey("wrong-type-1");
      JobEvent thrown = only(failed, "throws-1");
      assertThat(thrown.failure().exitClass().code()).isEqualTo(1);
      assertThat(thrown.failure().message())
          .contains(
              "a bug in the handler",
              "(on the record at poison-it.jobs.submitted partition ",
              " offset ");

      assertThat(poisonCount(registry))
          .as("poison records, the wrong type included")
          .isEqualTo(poison.size() + 1);
      assertThat(completed).containsOnlyKeys("valid-after");
    } finally {
      first.close();
    }

    // a restarted stage (same group) does not read any of them again: their offsets were committed
    SimpleMeterRegistry again = new SimpleMeterRegistry();
    Map<String, AtomicInteger> before = new ConcurrentHashMap<>();
    handled.forEach((k, v) -> before.put(k, new AtomicInteger(v.get())));
    StageRunner second = runner(topics, again, handler);
    second.start();
    try {
      publisher
          .publish(topics.submitted(), submitted("valid-after-restart"))
          .block(Duration.ofSeconds(30));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> completed.containsKey("valid-after-restart"));
      assertThat(poisonCount(again)).isZero();
      List<String> readAgain = new ArrayList<>();
      handled.forEach(
          (k, v) -> {
            if (before.containsKey(k) && before.get(k).get() != v.get()) {
              readAgain.add(k);
            }
          });
      assertThat(readAgain).as("records handled again after the restart").isEmpty();
      assertThat(failed.values()).allSatisfy(l -> assertThat(l).hasSize(1));
      assertThat(completed.get("valid-after")).hasSize(1);
    } finally {
      second.close();
    }
  }
}
