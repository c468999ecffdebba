package dev.editstream.pipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.editstream.localkafka.EmbeddedKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

class ReactiveKafkaConsumerTest {
  private static EmbeddedKafka kafka;
  private static EventPublisher publisher;

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.start(null);
    publisher = new EventPublisher(kafka.bootstrapServers(), "test", Map.of());
  }

  @AfterAll
  static void stopBroker() {
    publisher.close();
    kafka.close();
  }

  private static void produce(String topic, int n) {
    TopicAdmin.ensureTopics(kafka.bootstrapServers(), List.of(topic), 2, (short) 1);
    for (int i = 0; i < n; i++) {
      publisher.send(topic, "k" + i, ("v" + i).getBytes()).block(Duration.ofSeconds(30));
    }
  }

  private static long committed(String group, String topic) throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      Map<TopicPartition, OffsetAndMetadata> m =
          admin
              .listConsumerGroupOffsets(group)
              .partitionsToOffsetAndMetadata()
              .get(30, TimeUnit.SECONDS);
      return m.entrySet().stream()
          .filter(e -> e.getKey().topic().equals(topic))
          .mapToLong(e -> e.getValue().offset())
          .sum();
    }
  }

  @Test
  void shouldPauseAtMaxInFlightAndResumeWhenRecordsAreAcknowledged() {
    produce("bp", 40);
    ReactiveKafkaConsumer c =
        new ReactiveKafkaConsumer(
            ConsumerSettings.of(kafka.bootstrapServers(), "g-bp", List.of("bp"), 5));
    List<ReceivedRecord> held = new CopyOnWriteArrayList<>();
    Disposable d = c.receive().subscribe(held::add);
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> held.size() >= 5);
      // nothing acknowledged: the consumer must stay at its cap (one poll batch at most beyond it)
      await()
          .during(Duration.ofMillis(500))
          .atMost(Duration.ofSeconds(5))
          .until(() -> held.size() <= 5);
      assertThat(c.inFlight()).isEqualTo(held.size());
      for (ReceivedRecord r : held) {
        r.ack();
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                held.forEach(ReceivedRecord::ack);
                return held.size() == 40;
              });
    } finally {
      d.dispose();
      c.close();
    }
  }

  @Test
  void shouldResumeAsSoonAsRecordsAreAcknowledgedNotAfterAPollTimeout() {
    produce("wake", 20);
    // a 20 s poll timeout: a paused consumer that only looked at its acknowledgements between
    // polls would take 20 s per resume; waking on acknowledgement takes milliseconds
    ConsumerSettings base =
        ConsumerSettings.of(kafka.bootstrapServers(), "g-wake", List.of("wake"), 5);
    ReactiveKafkaConsumer c =
        new ReactiveKafkaConsumer(
            new ConsumerSettings(
                base.bootstrapServers(),
                base.groupId(),
                base.topics(),
                5,
                Duration.ofSeconds(20),
                base.commitInterval(),
                base.extra()));
    List<ReceivedRecord> held = new CopyOnWriteArrayList<>();
    Disposable d = c.receive().subscribe(held::add);
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> held.size() >= 5);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () -> {
                held.forEach(ReceivedRecord::ack);
                return held.size() == 20;
              });
    } finally {
      d.dispose();
      c.close(Duration.ofSeconds(1));
    }
  }

  @Test
  void shouldCommitOnlyContiguousOffsetsWhenRecordsFinishOutOfOrder() throws Exception {
    produce("ooo", 20);
    ReactiveKafkaConsumer c =
        new ReactiveKafkaConsumer(
            ConsumerSettings.of(kafka.bootstrapServers(), "g-ooo", List.of("ooo"), 100));
    List<ReceivedRecord> got = new CopyOnWriteArrayList<>();
    Disposable d = c.receive().subscribe(got::add);
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> got.size() == 20);
      // acknowledge everything except the first record of each partition
      Map<Integer, Long> firstPerPartition = new ConcurrentHashMap<>();
      for (ReceivedRecord r : got) {
        firstPerPartition.merge(r.record().partition(), r.record().offset(), Math::min);
      }
      List<ReceivedRecord> shuffled = new ArrayList<>(got);
      Collections.shuffle(shuffled, new java.util.Random(7));
      Set<ReceivedRecord> held = ConcurrentHashMap.newKeySet();
      for (ReceivedRecord r : shuffled) {
        if (firstPerPartition.get(r.record().partition()) == r.record().offset()) {
          held.add(r);
        } else {
          r.ack();
        }
      }
      await()
          .during(Duration.ofMillis(600))
          .atMost(Duration.ofSeconds(5))
          .until(() -> committed("g-ooo", "ooo") == 0);
      held.forEach(ReceivedRecord::ack);
      await().atMost(Duration.ofSeconds(30)).until(() -> committed("g-ooo", "ooo") == 20);
    } finally {
      d.dispose();
      c.close();
    }
  }

  @Test
  void shouldRedeliverUnacknowledgedRecordsToTheNextConsumerOfTheGroup() {
    produce("redeliver", 10);
    ReactiveKafkaConsumer first =
        new ReactiveKafkaConsumer(
            ConsumerSettings.of(kafka.bootstrapServers(), "g-re", List.of("redeliver"), 100));
    List<ReceivedRecord> got = new CopyOnWriteArrayList<>();
    Disposable d1 = first.receive().subscribe(got::add);
    await().atMost(Duration.ofSeconds(30)).until(() -> got.size() == 10);
    got.stream().filter(r -> r.record().key().compareTo("k5") < 0).forEach(ReceivedRecord::ack);
    first.close(Duration.ZERO);
    d1.dispose();

    ReactiveKafkaConsumer second =
        new ReactiveKafkaConsumer(
            ConsumerSettings.of(kafka.bootstrapServers(), "g-re", List.of("redeliver"), 100));
    Set<String> again = ConcurrentHashMap.newKeySet();
    Disposable d2 =
        second
            .receive()
            .subscribe(
                r -> {
                  again.add(r.record().key());
                  r.ack();
                });
    try {
      // every record not acknowledged before the first consumer closed comes back
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> again.containsAll(List.of("k5", "k6", "k7", "k8", "k9")));
    } finally {
      d2.dispose();
      second.close();
    }
  }
}
