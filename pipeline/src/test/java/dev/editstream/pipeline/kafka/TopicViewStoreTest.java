package dev.editstream.pipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.editstream.localkafka.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A view with a local store on a real broker: a restart reads only what was published since the
 * last checkpoint, a topic made again or a broken file makes it rebuild from the topics, and a
 * second view on the same folder gets its own file.
 */
class TopicViewStoreTest {
  private static EmbeddedKafka kafka;
  private static Admin admin;

  @TempDir Path dir;

  /** A value is an int; the view keeps the largest (idempotent, as a store needs). */
  private static final TopicView.Codec<Integer> INT =
      new TopicView.Codec<>() {
        @Override
        public byte[] encode(Integer v) {
          return Integer.toString(v).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public Integer decode(byte[] b) {
          return Integer.parseInt(new String(b, StandardCharsets.UTF_8));
        }
      };

  @BeforeAll
  static void start() {
    kafka = EmbeddedKafka.start(null);
    Properties a = new Properties();
    a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    admin = Admin.create(a);
  }

  @AfterAll
  static void stop() {
    admin.close();
    kafka.close();
  }

  private static KafkaProducer<String, byte[]> newProducer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    return new KafkaProducer<>(p);
  }

  private static void create(String topic) throws Exception {
    admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
  }

  /**
   * Publishes values {@code from..to-1}, key {@code k<value % keys>}, and waits for the acks. Each
   * call has a producer of its own: one that saw a topic deleted (a test here deletes one) can keep
   * retrying stale metadata until its delivery timeout, longer than a test may take.
   */
  private static void publish(String topic, int from, int to, int keys) throws Exception {
    try (KafkaProducer<String, byte[]> p = newProducer()) {
      publish(p, topic, from, to, keys);
    }
  }

  private static void publish(
      KafkaProducer<String, byte[]> producer, String topic, int from, int to, int keys)
      throws Exception {
    for (int i = from; i < to; i++) {
      producer.send(
          new ProducerRecord<>(
              topic, "k" + (i % keys), Integer.toString(i).getBytes(StandardCharsets.UTF_8)));
    }
    producer.flush();
  }

  private TopicView<Integer> view(String topic, String name) {
    return TopicView.start(
        kafka.bootstrapServers(),
        List.of(topic),
        r -> INT.decode(r.value()),
        Math::max,
        Duration.ofSeconds(60),
        new TopicView.Local<>(dir, name, INT, 1));
  }

  @Test
  void shouldReadOnlyWhatWasPublishedSinceTheCheckpointAfterARestart() throws Exception {
    create("vs.restart");
    publish("vs.restart", 0, 500, 250);
    try (TopicView<Integer> v = view("vs.restart", "restart")) {
      assertThat(v.recordsReadAtStart()).isEqualTo(500);
      assertThat(v.size()).isEqualTo(250);
      assertThat(v.get("k0")).contains(250);
      publish("vs.restart", 500, 540, 250); // read while tailing, before the close
      await().atMost(Duration.ofSeconds(30)).until(() -> v.get("k0").orElse(0) == 500);
      assertThat(v.storeFile()).isEqualTo(dir.resolve("restart.mv.db"));
    }
    publish("vs.restart", 540, 600, 300); // published while no view ran
    try (TopicView<Integer> v = view("vs.restart", "restart")) {
      assertThat(v.recordsReadAtStart()).isEqualTo(60);
      assertThat(v.size()).isEqualTo(300);
      assertThat(v.get("k0")).contains(500); // 0, 250, 500; 540..599 do not touch k0 of 300 keys
      assertThat(v.get("k39")).contains(539);
      assertThat(v.get("k299")).contains(599);
      java.util.Map<String, Integer> all = new java.util.HashMap<>();
      v.forEachEntry(all::put);
      assertThat(all).hasSize(300).containsEntry("k249", 549);
    }
  }

  @Test
  void shouldRebuildWhenTheTopicWasDeletedAndMadeAgain() throws Exception {
    create("vs.again");
    publish("vs.again", 0, 100, 100);
    try (TopicView<Integer> v = view("vs.again", "again")) {
      assertThat(v.size()).isEqualTo(100);
    }
    admin.deleteTopics(Set.of("vs.again")).all().get();
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(
            () -> {
              create("vs.again");
              return true;
            });
    publish("vs.again", 1000, 1003, 3);
    try (TopicView<Integer> v = view("vs.again", "again")) {
      assertThat(v.recordsReadAtStart()).isEqualTo(3);
      assertThat(v.size()).isEqualTo(3);
      assertThat(v.get("k50")).isEmpty();
    }
  }

  @Test
  void shouldGiveASecondViewOnTheSameFolderItsOwnFile() throws Exception {
    create("vs.two");
    publish("vs.two", 0, 20, 10);
    try (TopicView<Integer> a = view("vs.two", "two");
        TopicView<Integer> b = view("vs.two", "two")) {
      assertThat(a.storeFile()).isEqualTo(dir.resolve("two.mv.db"));
      assertThat(b.storeFile()).isEqualTo(dir.resolve("two.1.mv.db"));
      assertThat(a.get("k3")).contains(13);
      assertThat(b.get("k3")).contains(13);
    }
  }

  @Test
  void shouldRebuildFromTheTopicsWhenTheStoreFileIsBroken() throws Exception {
    create("vs.broken");
    publish("vs.broken", 0, 30, 30);
    Files.write(dir.resolve("broken.mv.db"), "not an MVStore file".repeat(300).getBytes());
    try (TopicView<Integer> v = view("vs.broken", "broken")) {
      assertThat(v.recordsReadAtStart()).isEqualTo(30);
      assertThat(v.get("k29")).contains(29);
    }
  }

  @Test
  void shouldKeepTheProcesssOwnWritesInTheStore() throws Exception {
    create("vs.own");
    publish("vs.own", 0, 5, 5);
    try (TopicView<Integer> v = view("vs.own", "own")) {
      v.put("mine", 7);
      v.put("k1", 0); // folded: the larger stays
      assertThat(v.get("mine")).contains(7);
      assertThat(v.get("k1")).contains(1);
    }
  }

  @Test
  void shouldKeepTheValuesInMemoryWhenNoStoreCanBeMade() throws Exception {
    create("vs.nofolder");
    publish("vs.nofolder", 0, 4, 4);
    Path notAFolder = Files.writeString(dir.resolve("a-file"), "x");
    try (TopicView<Integer> v =
        TopicView.start(
            kafka.bootstrapServers(),
            List.of("vs.nofolder"),
            r -> INT.decode(r.value()),
            Math::max,
            Duration.ofSeconds(60),
            new TopicView.Local<>(notAFolder.resolve("views"), "nofolder", INT, 1))) {
      assertThat(v.storeFile()).isNull();
      assertThat(v.recordsReadAtStart()).isEqualTo(4);
      assertThat(v.get("k3")).contains(3);
    }
  }

  @Test
  void shouldTellEveryChangeOnceItIsReadableInMemoryAndInAStore() throws Exception {
    create("vs.changes");
    publish("vs.changes", 0, 60, 6); // keys k0-k5, each rising 10 times
    for (boolean stored : new boolean[] {false, true}) {
      java.util.Map<String, Integer> told = new java.util.concurrent.ConcurrentHashMap<>();
      java.util.concurrent.atomic.AtomicInteger wrongBefore =
          new java.util.concurrent.atomic.AtomicInteger();
      java.util.concurrent.atomic.AtomicReference<TopicView<Integer>> self =
          new java.util.concurrent.atomic.AtomicReference<>();
      java.util.concurrent.atomic.AtomicInteger unreadable =
          new java.util.concurrent.atomic.AtomicInteger();
      try (TopicView<Integer> v =
          TopicView.start(
              kafka.bootstrapServers(),
              List.of("vs.changes"),
              r -> INT.decode(r.value()),
              Math::max,
              Duration.ofSeconds(60),
              stored ? new TopicView.Local<>(dir, "changes", INT, 1) : null,
              (key, before, after) -> {
                if (!java.util.Objects.equals(told.get(key), before)) {
                  wrongBefore.incrementAndGet();
                }
                TopicView<Integer> view = self.get();
                if (view != null && !view.get(key).equals(java.util.Optional.of(after))) {
                  unreadable.incrementAndGet();
                }
                told.put(key, after);
              })) {
        self.set(v);
        publish("vs.changes", 60, 66, 6);
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(() -> assertThat(told).containsEntry("k5", 65));
        java.util.Map<String, Integer> seen = new java.util.HashMap<>();
        v.forEachEntry(seen::put);
        assertThat(told).as("stored=%s", stored).isEqualTo(seen).hasSize(6);
        assertThat(wrongBefore.get()).as("stored=%s: before of a change", stored).isZero();
        assertThat(unreadable.get()).as("stored=%s: new value readable", stored).isZero();
      }
    }
  }
}
