package dev.editstream.pipeline.hostile;

import dev.editstream.core.Backoff;
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
import dev.editstream.pipeline.metrics.PipelineMetrics;
import dev.editstream.pipeline.stage.StageHandler;
import dev.editstream.pipeline.stage.StageRunner;
import dev.editstream.pipeline.stage.StageSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

/** One embedded broker, publisher and collectors shared by the hostile Kafka tests of a class. */
final class HostileKafka implements AutoCloseable {
  final EmbeddedKafka kafka = EmbeddedKafka.start(null);
  final EventPublisher publisher =
      new EventPublisher(kafka.bootstrapServers(), "hostile", Map.of());
  private final List<Runnable> closers = new CopyOnWriteArrayList<>();

  /** Every record of {@code topic}, by key, as raw bytes (the latest per key), from now on. */
  Map<String, byte[]> collect(String topic, String group) {
    Map<String, byte[]> out = new ConcurrentHashMap<>();
    ReactiveKafkaConsumer c =
        new ReactiveKafkaConsumer(
            ConsumerSettings.of(kafka.bootstrapServers(), group, List.of(topic), 1000));
    Disposable d =
        c.receive()
            .subscribe(
                r -> {
                  out.put(
                      String.valueOf(r.record().key()),
                      r.record().value() == null ? new byte[0] : r.record().value());
                  r.ack();
                });
    closers.add(
        () -> {
          d.dispose();
          c.close(Duration.ZERO);
        });
    return out;
  }

  StageRunner runner(Topics topics, Stage stage, int maxAttempts, Backoff backoff, StageHandler h) {
    StageSettings s =
        new StageSettings(
            stage,
            kafka.bootstrapServers(),
            8,
            maxAttempts,
            backoff,
            100,
            Duration.ofSeconds(2),
            null,
            Duration.ofMinutes(10));
    TopicAdmin.ensureTopics(kafka.bootstrapServers(), topics.all(), 2, (short) 1);
    StageRunner r =
        StageRunner.builder(s, topics, publisher, h)
            .metrics(new PipelineMetrics(new SimpleMeterRegistry()))
            .clock(Clock.systemUTC())
            .timer(Schedulers.parallel())
            .build();
    closers.add(r::close);
    return r;
  }

  static JobEvent requested(String id) {
    return JobEvent.requested(
        new Job(
            id,
            "make it warmer",
            List.of("https://assets.example.com/a.jpg"),
            null,
            null,
            null,
            null,
            null),
        Instant.now());
  }

  static JobEvent submitted(String id) {
    return requested(id)
        .submitted(
            new RouteDecision("google/nano-banana-2/edit", "default", List.of()),
            Map.of("prompt", "x"),
            new Submission("r-" + id, null, null, null, Instant.now()),
            Instant.now());
  }

  static JobEvent decode(byte[] b) {
    return EventCodec.decode(b);
  }

  @Override
  public void close() {
    closers.forEach(Runnable::run);
    publisher.close();
    kafka.close();
  }
}
