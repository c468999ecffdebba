package dev.editstream.localkafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The persistent in-process broker keeps topics, records and committed group offsets across
 * restarts and crashes.
 */
class LocalBrokerTest {
  private static final String TOPIC = "jobs.submitted";

  @Test
  void shouldKeepRecordsAndCommittedOffsetsAcrossARestart(@TempDir Path dir) throws Exception {
    long t0 = System.nanoTime();
    try (LocalBroker b = LocalBroker.start(dir)) {
      System.out.printf("LocalBroker first start (format) took %d ms%n", ms(t0));
      assertThat(b.bootstrapServers()).isEqualTo("127.0.0.1:" + b.port());
      createTopic(b.bootstrapServers(), TOPIC);
      produce(b.bootstrapServers(), TOPIC, 10);
      commit(b.bootstrapServers(), "g1", new TopicPartition(TOPIC, 0), 4);
      assertThat(committed(b.bootstrapServers(), "g1")).isEqualTo(4);
    }
    t0 = System.nanoTime();
    try (LocalBroker b = LocalBroker.start(dir)) {
      System.out.printf("LocalBroker restart after close took %d ms%n", ms(t0));
      assertThat(readAll(b.bootstrapServers(), TOPIC, 10)).containsExactly(values(10));
      assertThat(committed(b.bootstrapServers(), "g1")).isEqualTo(4);
    }
  }

  @Test
  void shouldRunTwoBrokersOnTwoFoldersInOneJvm(@TempDir Path a, @TempDir Path b) throws Exception {
    try (LocalBroker one = LocalBroker.start(a);
        LocalBroker two = LocalBroker.start(b)) {
      assertThat(one.bootstrapServers()).isNotEqualTo(two.bootstrapServers());
      for (LocalBroker k : List.of(one, two)) {
        createTopic(k.bootstrapServers(), TOPIC);
        produce(k.bootstrapServers(), TOPIC, 3);
        assertThat(readAll(k.bootstrapServers(), TOPIC, 3)).containsExactly(values(3));
      }
    }
  }

  @Test
  void shouldFailFastWhenTheFolderIsInUse(@TempDir Path dir) throws Exception {
    try (LocalBroker running = LocalBroker.start(dir)) {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> LocalBroker.start(dir))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(
              "another editstream process is using " + dir.toAbsolutePath().normalize());
      System.out.printf("second start on a folder in use failed after %d ms%n", ms(t0));
      assertThat(ms(t0)).isLessThan(10_000);
      // the running broker is unharmed
      createTopic(running.bootstrapServers(), TOPIC);
      produce(running.bootstrapServers(), TOPIC, 1);
    }
  }

  @Test
  void shouldFailFastWhenAnotherProcessUsesTheFolder(@TempDir Path dir) throws Exception {
    Process child = startChild(dir, 1);
    try {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> LocalBroker.start(dir))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(
              "another editstream process is using " + dir.toAbsolutePath().normalize());
      assertThat(ms(t0)).isLessThan(10_000);
    } finally {
      child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void shouldKeepRecordsWhenTheBrokerProcessIsKilled(@TempDir Path dir) throws Exception {
    Process child = startChild(dir, 5);
    child.destroyForcibly(); // SIGKILL
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("child JVM exited").isTrue();
    long t0 = System.nanoTime();
    try (LocalBroker b = LocalBroker.start(dir)) {
      System.out.printf("LocalBroker restart after kill -9 took %d ms%n", ms(t0));
      assertThat(readAll(b.bootstrapServers(), TOPIC, 5)).containsExactly(values(5));
      // the restarted broker could register only once the killed one's session ended: ours is
      // shorter than Kafka's 9 s
      try (Admin admin =
          Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers()))) {
        org.apache.kafka.common.config.ConfigResource broker =
            new org.apache.kafka.common.config.ConfigResource(
                org.apache.kafka.common.config.ConfigResource.Type.BROKER, "1");
        assertThat(
                admin
                    .describeConfigs(List.of(broker))
                    .all()
                    .get(60, TimeUnit.SECONDS)
                    .get(broker)
                    .get("broker.session.timeout.ms")
                    .value())
            .isEqualTo(String.valueOf(StandaloneBroker.BROKER_SESSION_MS));
      }
    }
  }

  /**
   * Starts {@link LocalBrokerMain} in a child JVM on {@code dir} and waits (max 90 s) for its READY
   * line.
   */
  private static Process startChild(Path dir, int records) throws Exception {
    String cp =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                cp,
                LocalBrokerMain.class.getName(),
                dir.toString(),
                TOPIC,
                Integer.toString(records))
            .redirectErrorStream(true)
            .start();
    CompletableFuture<String> ready = new CompletableFuture<>();
    List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  output.add(line);
                  if (line.startsWith("READY")) {
                    ready.complete(line);
                  }
                }
              } catch (IOException e) {
                // the child was killed
              }
              ready.completeExceptionally(
                  new IllegalStateException(
                      "child JVM ended before READY: " + String.join("\n", output)));
            },
            "child-output");
    reader.setDaemon(true);
    reader.start();
    long t0 = System.nanoTime();
    try {
      String line = ready.get(90, TimeUnit.SECONDS);
      System.out.printf("child JVM broker ready (%s) after %d ms%n", line, ms(t0));
    } catch (Exception e) {
      p.destroyForcibly();
      throw new AssertionError("child JVM not READY: " + String.join("\n", output), e);
    }
    return p;
  }

  /** Creates a one-partition topic (no pipeline code here: this module sits below it). */
  static void createTopic(String bootstrap, String topic) throws Exception {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin
          .createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 1, (short) 1)))
          .all()
          .get(60, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  static void produce(String bootstrap, String topic, int n) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        sent.add(producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)));
      }
      for (java.util.concurrent.Future<?> f : sent) {
        f.get(30, TimeUnit.SECONDS);
      }
    }
  }

  private static List<String> readAll(String bootstrap, String topic, int expected) {
    TopicPartition tp = new TopicPartition(topic, 0);
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps(bootstrap, null))) {
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
          out.add(r.value());
        }
      }
    }
    return out;
  }

  private static void commit(String bootstrap, String group, TopicPartition tp, long offset) {
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps(bootstrap, group))) {
      c.assign(List.of(tp));
      c.commitSync(Map.of(tp, new OffsetAndMetadata(offset)), Duration.ofSeconds(30));
    }
  }

  private static long committed(String bootstrap, String group) throws Exception {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      OffsetAndMetadata m =
          admin
              .listConsumerGroupOffsets(group)
              .partitionsToOffsetAndMetadata()
              .get(30, TimeUnit.SECONDS)
              .get(new TopicPartition(TOPIC, 0));
      return m == null ? -1 : m.offset();
    }
  }

  private static Properties consumerProps(String bootstrap, String group) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    if (group != null) {
      p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    }
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    return p;
  }

  private static String[] values(int n) {
    String[] v = new String[n];
    for (int i = 0; i < n; i++) {
      v[i] = "v" + i;
    }
    return v;
  }

  private static long ms(long t0) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }
}
