package dev.editstream.pipeline.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.editstream.core.Backoff;
import dev.editstream.core.event.EventType;
import dev.editstream.core.event.FailureReason;
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
import dev.editstream.pipeline.kafka.Traceparent;
import dev.editstream.pipeline.metrics.PipelineMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The topic contract for other systems (docs/events/README.md) on an embedded broker: a plain job
 * line on the requested topic reaches the router stage as a requested event, every published record
 * carries the editstream headers and a traceparent, and a stage's outputs keep the trace of the
 * record it consumed.
 */
class TopicContractTest {
  private static EmbeddedKafka kafka;
  private static EventPublisher publisher;
  private static KafkaProducer<String, byte[]> raw;
  private static final List<Runnable> closers = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.start(null);
    publisher = new EventPublisher(kafka.bootstrapServers(), "contract-test", Map.of());
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    raw = new KafkaProducer<>(p);
  }

  @AfterAll
  static void stopBroker() {
    closers.forEach(Runnable::run);
    raw.close();
    publisher.close();
    kafka.close();
  }

  private static List<ConsumerRecord<String, byte[]>> collect(String topic, String group) {
    List<ConsumerRecord<String, byte[]>> out = new CopyOnWriteArrayList<>();
    ReactiveKafkaConsumer c =
        new ReactiveKafkaConsumer(
            ConsumerSettings.of(kafka.bootstrapServers(), group, List.of(topic), 1000));
    Disposable d =
        c.receive()
            .subscribe(
                r -> {
                  out.add(r.record());
                  r.ack();
                });
    closers.add(
        () -> {
          d.dispose();
          c.close(Duration.ZERO);
        });
    return out;
  }

  private static StageRunner router(Topics topics, StageHandler h) {
    StageSettings s =
        new StageSettings(
            Stage.ROUTER,
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
        .metrics(new PipelineMetrics(new SimpleMeterRegistry()))
        .clock(Clock.systemUTC())
        .timer(Schedulers.parallel())
        .build();
  }

  private static StageHandler submitting(Topics topics, List<JobEvent> seen) {
    return ev -> {
      seen.add(ev);
      return Mono.just(
          Outcome.publish(
              topics.submitted(),
              ev.submitted(
                  new RouteDecision("google/nano-banana-2/edit", "default", List.of()),
                  Map.of("prompt", ev.job().prompt()),
                  new Submission("r-" + ev.jobId(), null, null, null, Instant.now()),
                  Instant.now())));
    };
  }

  private static String header(ConsumerRecord<?, ?> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static void send(String topic, String key, String value, String traceparent)
      throws Exception {
    ProducerRecord<String, byte[]> r =
        new ProducerRecord<>(topic, key, value.getBytes(StandardCharsets.UTF_8));
    if (traceparent != null) {
      r.headers().add(Traceparent.HEADER, traceparent.getBytes(StandardCharsets.US_ASCII));
    }
    raw.send(r).get();
  }

  @Test
  void shouldHandAPlainJobLineOnTheRequestedTopicToTheRouterAsARequestedEvent() throws Exception {
    Topics topics = new Topics("t-plain");
    List<JobEvent> seen = new CopyOnWriteArrayList<>();
    StageRunner r = router(topics, submitting(topics, seen));
    List<ConsumerRecord<String, byte[]>> submitted = collect(topics.submitted(), "s-plain");
    List<ConsumerRecord<String, byte[]>> failed = collect(topics.failed(), "f-plain");
    r.start();
    try {
      send(
          topics.requested(),
          "ext-1",
          "{\"id\":\"ext-1\",\"prompt\":\"Make it warmer\",\"images\":[\"https://cdn.example.com/ext-1.png\"],"
              + "\"batch\":\"from-erp\"}",
          null);
      send(
          topics.requested(),
          "ext-bad",
          "{\"id\":\"ext-bad\",\"prompt\":\"x\",\"images\":[\"http://cdn.example.com/x.png\"]}",
          null);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> submitted.size() == 1 && failed.size() == 1);
      assertThat(seen).hasSize(1);
      JobEvent in = seen.get(0);
      assertThat(in.type()).isEqualTo(EventType.REQUESTED);
      assertThat(in.jobId()).isEqualTo("ext-1");
      assertThat(in.job())
          .isEqualTo(
              new Job(
                  "ext-1",
                  "Make it warmer",
                  List.of("https://cdn.example.com/ext-1.png"),
                  null,
                  null,
                  null,
                  null,
                  "from-erp"));

      ConsumerRecord<String, byte[]> out = submitted.get(0);
      assertThat(out.key()).isEqualTo("ext-1");
      assertThat(EventCodec.decode(out.value()).type()).isEqualTo(EventType.SUBMITTED);
      assertThat(header(out, EventPublisher.HEADER_BATCH)).isEqualTo("from-erp");
      assertThat(Traceparent.valid(header(out, Traceparent.HEADER)))
          .as("a record without a traceparent starts a trace")
          .isTrue();

      JobEvent bad = EventCodec.decode(failed.get(0).value());
      assertThat(bad.jobId()).isEqualTo("ext-bad");
      assertThat(bad.failure().reasonText()).isEqualTo("undecodable");
      assertThat(bad.failure().exitClass().code()).isEqualTo(65);
      assertThat(bad.failure().message()).contains("images[0]").contains("https");
    } finally {
      r.close();
    }
  }

  @Test
  void shouldWriteTheEditstreamHeadersOnEveryPublishedEvent() {
    Topics topics = new Topics("t-headers");
    TopicAdmin.ensureTopics(kafka.bootstrapServers(), topics.all(), 2, (short) 1);
    List<ConsumerRecord<String, byte[]>> requested = collect(topics.requested(), "h-req");
    List<ConsumerRecord<String, byte[]>> failed = collect(topics.failed(), "h-failed");
    JobEvent withBatch =
        JobEvent.requested(
            new Job(
                "h-1", "x", List.of("https://a.example.com/1.png"), null, null, null, null, "b-7"),
            Instant.now());
    JobEvent noBatch =
        JobEvent.requested(
            new Job(
                "h-2", "x", List.of("https://a.example.com/2.png"), null, null, null, null, null),
            Instant.now());
    publisher.publish(topics.requested(), withBatch).block(Duration.ofSeconds(30));
    publisher.publish(topics.requested(), noBatch).block(Duration.ofSeconds(30));
    String parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    JobEvent f =
        withBatch.failed(
            new dev.editstream.core.event.Failure(
                dev.editstream.core.error.ExitClass.DATA, "schema", "bad", Stage.ROUTER, 1),
            Instant.now());
    publisher.publish(topics.failed(), f, parent).block(Duration.ofSeconds(30));
    publisher.publish(topics.failed(), f, "not-a-traceparent").block(Duration.ofSeconds(30));
    await().atMost(Duration.ofSeconds(60)).until(() -> requested.size() == 2 && failed.size() == 2);

    ConsumerRecord<String, byte[]> r1 =
        requested.stream().filter(r -> r.key().equals("h-1")).findFirst().orElseThrow();
    ConsumerRecord<String, byte[]> r2 =
        requested.stream().filter(r -> r.key().equals("h-2")).findFirst().orElseThrow();
    assertThat(header(r1, EventPublisher.HEADER_TYPE)).isEqualTo("requested");
    assertThat(header(r1, EventPublisher.HEADER_VERSION))
        .isEqualTo(String.valueOf(JobEvent.VERSION));
    assertThat(header(r1, EventPublisher.HEADER_JOB_ID)).isEqualTo("h-1");
    assertThat(header(r1, EventPublisher.HEADER_BATCH)).isEqualTo("b-7");
    assertThat(header(r1, Traceparent.HEADER)).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
    assertThat(header(r2, EventPublisher.HEADER_JOB_ID)).isEqualTo("h-2");
    assertThat(r2.headers().lastHeader(EventPublisher.HEADER_BATCH))
        .as("no batch header without a batch")
        .isNull();
    assertThat(Traceparent.parse(header(r1, Traceparent.HEADER)).orElseThrow().traceId())
        .as("each requested event starts its own trace")
        .isNotEqualTo(Traceparent.parse(header(r2, Traceparent.HEADER)).orElseThrow().traceId());

    assertThat(failed)
        .allSatisfy(r -> assertThat(header(r, EventPublisher.HEADER_TYPE)).isEqualTo("failed"));
    Traceparent child = Traceparent.parse(header(failed.get(0), Traceparent.HEADER)).orElseThrow();
    assertThat(child.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(child.spanId()).isNotEqualTo("00f067aa0ba902b7");
    Traceparent fresh = Traceparent.parse(header(failed.get(1), Traceparent.HEADER)).orElseThrow();
    assertThat(fresh.traceId())
        .as("a malformed parent starts a new trace")
        .isNotEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
  }

  @Test
  void shouldCarryTheConsumedRecordsTraceToTheStagesOutputs() throws Exception {
    Topics topics = new Topics("t-trace");
    List<JobEvent> seen = new CopyOnWriteArrayList<>();
    StageRunner r =
        router(
            topics,
            ev ->
                ev.jobId().startsWith("fail")
                    ? Mono.just(
                        new Outcome.Fail(
                            dev.editstream.core.error.ExitClass.DATA,
                            FailureReason.SCHEMA,
                            "refused"))
                    : submitting(topics, seen).handle(ev));
    List<ConsumerRecord<String, byte[]>> submitted = collect(topics.submitted(), "s-trace");
    List<ConsumerRecord<String, byte[]>> failed = collect(topics.failed(), "f-trace");
    r.start();
    try {
      String parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
      JobEvent envelope =
          JobEvent.requested(
              new Job(
                  "tr-1",
                  "x",
                  List.of("https://a.example.com/1.png"),
                  null,
                  null,
                  null,
                  null,
                  null),
              Instant.now());
      send(
          topics.requested(),
          "tr-1",
          new String(EventCodec.encode(envelope), StandardCharsets.UTF_8),
          parent);
      send(
          topics.requested(),
          "tr-2",
          "{\"id\":\"tr-2\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/2.png\"]}",
          "00-11111111111111111111111111111111-2222222222222222-01");
      send(
          topics.requested(),
          "fail-1",
          "{\"id\":\"fail-1\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/3.png\"]}",
          "00-33333333333333333333333333333333-4444444444444444-01");
      send(
          topics.requested(),
          "tr-3",
          "{\"id\":\"tr-3\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/4.png\"]}",
          "00-garbage");
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> submitted.size() == 3 && failed.size() == 1);

      Map<String, Traceparent> out = new java.util.HashMap<>();
      submitted.forEach(
          rec ->
              out.put(rec.key(), Traceparent.parse(header(rec, Traceparent.HEADER)).orElseThrow()));
      assertThat(out.get("tr-1").traceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
      assertThat(out.get("tr-1").spanId()).isNotEqualTo("b7ad6b7169203331");
      assertThat(out.get("tr-2").traceId()).isEqualTo("11111111111111111111111111111111");
      assertThat(out.get("tr-2").spanId()).isNotEqualTo("2222222222222222");
      assertThat(out.get("tr-3").traceId())
          .as("a malformed traceparent starts a new trace")
          .matches("[0-9a-f]{32}");
      Traceparent f = Traceparent.parse(header(failed.get(0), Traceparent.HEADER)).orElseThrow();
      assertThat(f.traceId()).isEqualTo("33333333333333333333333333333333");
      assertThat(header(failed.get(0), EventPublisher.HEADER_TYPE)).isEqualTo("failed");
      assertThat(header(failed.get(0), EventPublisher.HEADER_JOB_ID)).isEqualTo("fail-1");
      submitted.forEach(
          rec -> {
            assertThat(header(rec, EventPublisher.HEADER_TYPE)).isEqualTo("submitted");
            assertThat(header(rec, EventPublisher.HEADER_JOB_ID)).isEqualTo(rec.key());
            assertThat(header(rec, EventPublisher.HEADER_VERSION))
                .isEqualTo(String.valueOf(JobEvent.VERSION));
          });
    } finally {
      r.close();
    }
  }
}
