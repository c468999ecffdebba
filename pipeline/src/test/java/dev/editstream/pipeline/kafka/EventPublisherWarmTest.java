package dev.editstream.pipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.localkafka.EmbeddedKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link EventPublisher#warm}: metadata fetched ahead, on the real embedded broker. */
class EventPublisherWarmTest {
  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.start(null);
    TopicAdmin.ensureTopics(kafka.bootstrapServers(), List.of("warm-a"), 3, (short) 1);
    TopicAdmin.ensureTopics(kafka.bootstrapServers(), List.of("warm-b"), 1, (short) 1);
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  @Test
  void shouldKnowEachTopicsPartitionsBeforeItsFirstRecord() {
    try (EventPublisher p = new EventPublisher(kafka.bootstrapServers(), "warm", Map.of())) {
      Map<String, Integer> known =
          p.warm(List.of("warm-a", "warm-b")).block(Duration.ofSeconds(30));
      assertThat(known).containsExactly(Map.entry("warm-a", 3), Map.entry("warm-b", 1));
      assertThat(p.send("warm-a", "k", new byte[] {1}).block(Duration.ofSeconds(30)).partition())
          .isBetween(0, 2);
    }
  }

  @Test
  void shouldSpareTheFirstRecordTheMetadataWaitThatAColdPublisherPays() {
    SimpleMeterRegistry coldMeters = new SimpleMeterRegistry();
    SimpleMeterRegistry warmMeters = new SimpleMeterRegistry();
    try (EventPublisher cold =
            new EventPublisher(kafka.bootstrapServers(), "warm-cold", Map.of())
                .bindMetrics(coldMeters);
        EventPublisher warmed =
            new EventPublisher(kafka.bootstrapServers(), "warm-warmed", Map.of())
                .bindMetrics(warmMeters)) {
      warmed.warm(List.of("warm-b")).block(Duration.ofSeconds(30));
      double coldBefore = metadataWaitNs(coldMeters);
      double warmBefore = metadataWaitNs(warmMeters);
      cold.send("warm-b", "k", new byte[] {1}).block(Duration.ofSeconds(30));
      warmed.send("warm-b", "k", new byte[] {1}).block(Duration.ofSeconds(30));
      double coldWait = metadataWaitNs(coldMeters) - coldBefore;
      double warmWait = metadataWaitNs(warmMeters) - warmBefore;
      assertThat(coldWait).as("a cold first record waits for a metadata round trip").isPositive();
      assertThat(warmWait)
          .as("the warmed first record's wait, ns, against the cold one's %.0f ns", coldWait)
          .isLessThan(coldWait)
          .isLessThan(1_000_000);
    }
  }

  /** The producer's own total wait for metadata in send, ns (Kafka's producer-metrics). */
  private static double metadataWaitNs(SimpleMeterRegistry meters) {
    return meters.get("kafka.producer.metadata.wait.time.ns.total").functionCounter().count();
  }

  @Test
  void shouldLeaveOutATopicWhoseMetadataCannotBeFetchedWithoutFailing() {
    // the broker does not create topics on metadata requests here: a missing topic times out
    try (EventPublisher p =
        new EventPublisher(
            kafka.bootstrapServers(),
            "warm-missing",
            Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 500))) {
      Map<String, Integer> known =
          p.warm(List.of("warm-missing", "warm-b")).block(Duration.ofSeconds(30));
      assertThat(known).containsExactly(Map.entry("warm-b", 1));
    }
  }
}
