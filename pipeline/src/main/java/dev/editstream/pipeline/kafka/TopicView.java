package dev.editstream.pipeline.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BinaryOperator;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live, read-only view of one or more topics keyed by job id: every partition is read from the
 * beginning (no consumer group, nothing committed) and the value per key is folded with {@code
 * merge}. {@link #start} returns only once the view has caught up with the end offsets it saw at
 * start-up, so a restarted worker knows everything published before it crashed; afterwards the view
 * keeps tailing. A process's own writes are added at once with {@link #put} (write-through).
 *
 * <p>Memory grows with the number of distinct keys (one small value per job). Records whose value
 * cannot be decoded are skipped. Thread-safe.
 *
 * @param <V> the value per key
 */
public final class TopicView<V> implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TopicView.class);

  private final Map<String, V> values = new ConcurrentHashMap<>();
  private final Function<ConsumerRecord<String, byte[]>, V> decode;
  private final BinaryOperator<V> merge;
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private final String name;
  private volatile boolean running = true;
  private volatile @Nullable KafkaConsumer<String, byte[]> consumer;
  private @Nullable Thread thread;

  private TopicView(
      String name, Function<ConsumerRecord<String, byte[]>, V> decode, BinaryOperator<V> merge) {
    this.name = name;
    this.decode = decode;
    this.merge = merge;
  }

  /**
   * Starts the view and waits until it caught up.
   *
   * @param decode record → value, or {@code null} to skip the record
   * @param merge (old, new) → kept value
   * @param catchUpTimeout how long to wait for the initial read
   * @throws IllegalStateException if the view does not catch up in time
   */
  public static <V> TopicView<V> start(
      String bootstrapServers,
      List<String> topics,
      Function<ConsumerRecord<String, byte[]>, V> decode,
      BinaryOperator<V> merge,
      Duration catchUpTimeout) {
    TopicView<V> v = new TopicView<>(String.join(",", topics), decode, merge);
    v.thread = new Thread(() -> v.run(bootstrapServers, topics), "editstream-view-" + v.name);
    v.thread.setDaemon(true);
    v.thread.start();
    try {
      if (!v.caughtUp.await(catchUpTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        v.close();
        throw new IllegalStateException(
            "view of " + v.name + " did not catch up within " + catchUpTimeout.toSeconds() + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while loading view of " + v.name, e);
    }
    return v;
  }

  private void run(String bootstrapServers, List<String> topics) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
    KafkaClientConfig.applyTo(p);
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p)) {
      consumer = c;
      List<TopicPartition> parts = new ArrayList<>();
      for (String t : topics) {
        for (PartitionInfo pi : c.partitionsFor(t, Duration.ofSeconds(60))) {
          parts.add(new TopicPartition(t, pi.partition()));
        }
      }
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(60));
      while (running) {
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
          if (r.key() == null) {
            continue;
          }
          V v;
          try {
            v = decode.apply(r);
          } catch (RuntimeException e) {
            v = null;
          }
          if (v != null) {
            values.merge(r.key(), v, merge);
          }
        }
        if (caughtUp.getCount() > 0
            && end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
          log.debug("view of {} caught up: {} keys", name, values.size());
          caughtUp.countDown();
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      log.error("view of {} stopped: {}", name, e.toString());
    } finally {
      consumer = null;
    }
  }

  /** The value of {@code key}, if any. */
  public Optional<V> get(String key) {
    return Optional.ofNullable(values.get(key));
  }

  /** Adds a value this process just published (folded with {@code merge}). */
  public void put(String key, V value) {
    values.merge(key, value, merge);
  }

  /** Calls {@code action} with every value (a snapshot of the moment). */
  public void forEach(java.util.function.Consumer<V> action) {
    values.values().forEach(action);
  }

  /** Calls {@code action} with every key and value (a snapshot of the moment). */
  public void forEachEntry(java.util.function.BiConsumer<String, V> action) {
    values.forEach(action);
  }

  /** Number of keys. */
  public int size() {
    return values.size();
  }

  @Override
  public void close() {
    running = false;
    KafkaConsumer<String, byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    if (thread != null) {
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
