package dev.editstream.pipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.editstream.localkafka.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * Issue 15, point 5: cooperative rebalances keep work. Through a real broker: one member consumes a
 * topic of 4 partitions; mid-way a second member joins, later the first leaves. Every record is
 * handled at least once, none is lost, the records handled twice are at most the in-flight window
 * of the revoked partitions at each rebalance, and the member that stays keeps its partitions (only
 * the moving ones are revoked, never all).
 */
class CooperativeRebalanceTest {
  private static final int RECORDS = 400;
  private static final int MAX_IN_FLIGHT = 4;
  private static final int CONCURRENCY = 2;
  private static EmbeddedKafka kafka;
  private static EventPublisher publisher;

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.start(null);
    publisher = new EventPublisher(kafka.bootstrapServers(), "coop", Map.of());
  }

  @AfterAll
  static void stopBroker() {
    publisher.close();
    kafka.close();
  }

  /** One group member: its consumer, subscription and what its observer heard. */
  private static final class Member {
    final String name;
    final ReactiveKafkaConsumer consumer;
    final List<Collection<TopicPartition>> assigned = new CopyOnWriteArrayList<>();
    final List<ReactiveKafkaConsumer.Revocation> revoked = new CopyOnWriteArrayList<>();
    final List<Collection<TopicPartition>> lost = new CopyOnWriteArrayList<>();
    final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
    final AtomicInteger handled = new AtomicInteger();
    Disposable flow;

    Member(String name, ConsumerSettings settings, Map<String, AtomicInteger> handledByRecord) {
      this.name = name;
      this.consumer =
          new ReactiveKafkaConsumer(settings)
              .observe(
                  new ReactiveKafkaConsumer.RebalanceObserver() {
                    @Override
                    public void assigned(Collection<TopicPartition> parts) {
                      assigned.add(
                          parts); // empty in every cooperative rebalance that brings nothing new
                      owned.addAll(parts);
                    }

                    @Override
                    public void revoked(ReactiveKafkaConsumer.Revocation r) {
                      revoked.add(r);
                      r.partitions().forEach(owned::remove);
                    }

                    @Override
                    public void lost(Collection<TopicPartition> parts, int inFlight) {
                      lost.add(parts);
                      parts.forEach(owned::remove);
                    }
                  });
      // the handler: ~20 ms of work per record, then acknowledge
      this.flow =
          consumer
              .receive()
              .flatMap(
                  r ->
                      Mono.delay(Duration.ofMillis(20))
                          .doOnNext(
                              x -> {
                                handledByRecord
                                    .computeIfAbsent(
                                        r.record().partition() + "@" + r.record().offset(),
                                        k -> new AtomicInteger())
                                    .incrementAndGet();
                                handled.incrementAndGet();
                                r.ack();
                              }),
                  CONCURRENCY)
              .subscribe();
    }

    void close() {
      consumer.close(Duration.ofSeconds(10));
      flow.dispose();
    }
  }

  private static ConsumerSettings settings(String group, String topic, Map<String, Object> extra) {
    Map<String, Object> all = new java.util.HashMap<>(extra);
    // learn of a rebalance quickly (the default 3 s heartbeat would let the first member finish
    // alone)
    all.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 200);
    return new ConsumerSettings(
        kafka.bootstrapServers(),
        group,
        List.of(topic),
        MAX_IN_FLIGHT,
        Duration.ofMillis(50),
        Duration.ofMillis(100),
        all);
  }

  private static void produce(String topic, int from, int to) {
    for (int i = from; i < to; i++) {
      publisher
          .send(topic, "key-" + i, ("v" + i).getBytes(StandardCharsets.UTF_8))
          .block(Duration.ofSeconds(30));
    }
  }

  @Test
  void shouldKeepTheStayingMembersPartitionsAndRepeatAtMostTheInFlightWindow() {
    String topic = "coop-rebalance";
    String group = "g-coop";
    TopicAdmin.ensureTopics(kafka.bootstrapServers(), List.of(topic), 4, (short) 1);
    produce(topic, 0, RECORDS);
    Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();

    Member a = new Member("a", settings(group, topic, Map.of()), handled);
    Member b = null;
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> a.owned.size() == 4 && handled.size() >= RECORDS / 5);
      assertThat(handled.size()).as("a has not finished before b joins").isLessThan(RECORDS);

      b = new Member("b", settings(group, topic, Map.of()), handled);
      Member joined = b;
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> joined.owned.size() == 2 && a.owned.size() == 2);
      // cooperative: a was asked to give up only the two partitions that moved, never all four
      assertThat(a.revoked).hasSize(1);
      assertThat(a.revoked.get(0).partitions()).hasSize(2);
      assertThat(a.assigned.stream().filter(p -> !p.isEmpty()))
          .as("a's non-empty assignments")
          .hasSize(1);
      Set<TopicPartition> kept = new HashSet<>(a.owned);
      assertThat(kept).doesNotContainAnyElementsOf(a.revoked.get(0).partitions());
      System.out.printf("join: a handled %d, revoked %s%n", a.handled.get(), a.revoked.get(0));

      int before = handled.size();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> handled.size() >= Math.min(RECORDS, before + 60) && joined.handled.get() > 0);
      int windowAtLeave = a.consumer.inFlight();
      a.close();
      await().atMost(Duration.ofSeconds(60)).until(() -> joined.owned.size() == 4);
      // b stayed: it kept its partitions and only gained a's
      assertThat(b.revoked).isEmpty();
      assertThat(b.lost).isEmpty();
      assertThat(b.assigned.stream().filter(p -> !p.isEmpty()))
          .as("b's non-empty assignments")
          .hasSize(2);

      await().atMost(Duration.ofSeconds(60)).until(() -> handled.size() == RECORDS);
      int revokedWindows =
          a.revoked.stream().mapToInt(ReactiveKafkaConsumer.Revocation::inFlight).sum();
      int unfinished =
          a.revoked.stream().mapToInt(ReactiveKafkaConsumer.Revocation::unfinished).sum();
      int duplicates = handled.values().stream().mapToInt(n -> n.get() - 1).sum();
      System.out.printf(
          "records %d, handled %d times in all, duplicates %d; a's revocations %s; a in flight at close %d; "
              + "unfinished at revocations %d%n",
          handled.size(),
          handled.values().stream().mapToInt(AtomicInteger::get).sum(),
          duplicates,
          a.revoked,
          windowAtLeave,
          unfinished);

      assertThat(handled).hasSize(RECORDS);
      assertThat(handled.values()).allSatisfy(n -> assertThat(n.get()).isPositive());
      assertThat(a.lost).isEmpty();
      assertThat(duplicates)
          .as("records handled twice")
          .isLessThanOrEqualTo(revokedWindows + windowAtLeave);
      // the in-flight window of one member is at most one poll batch past its cap
      assertThat(duplicates).isLessThanOrEqualTo(2 * (2 * MAX_IN_FLIGHT));
    } finally {
      a.close();
      if (b != null) {
        b.close();
      }
    }
  }

  @Test
  void shouldKeepStaticMembershipWorkingWithCooperativeAssignment() {
    String topic = "coop-static";
    String group = "g-coop-static";
    TopicAdmin.ensureTopics(kafka.bootstrapServers(), List.of(topic), 2, (short) 1);
    produce(topic, 0, 30);
    Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
    Map<String, Object> instance = Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "worker-1");

    Member first = new Member("first", settings(group, topic, instance), handled);
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> handled.size() == 30);
    } finally {
      first.close();
    }
    // the same static member comes back at once (no session timeout to wait for) and reads only
    // what is new
    produce(topic, 30, 40);
    Member again = new Member("again", settings(group, topic, instance), handled);
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> handled.size() == 40);
      assertThat(again.owned).hasSize(2);
      List<Integer> counts = new ArrayList<>();
      handled.values().forEach(n -> counts.add(n.get()));
      assertThat(counts).as("no record read twice").allMatch(n -> n == 1);
    } finally {
      again.close();
    }
  }
}
