package dev.editstream.pipeline.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one or more topics from their end: every record published after {@link #start} returns is
 * handed to {@code onRecord}, in offset order per partition, on one daemon thread. No consumer
 * group and nothing committed, so memory is constant and a restart starts at the end again (for
 * what lives only as long as the process, such as flow-control permits). Unlike {@link TopicView},
 * history is never read.
 *
 * <p>A record whose handling throws is logged at WARN and skipped. Thread-safe to close.
 */
public final class TopicTail implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TopicTail.class);

  private final String name;
  private final Consumer<ConsumerRecord<String, byte[]>> onRecord;
  private final CountDownLatch positioned = new CountDownLatch(1);
  private volatile boolean running = true;
  private volatile @Nullable KafkaConsumer<String, byte[]> consumer;
  private volatile @Nullable RuntimeException failure;
  private @Nullable Thread thread;

  private TopicTail(String name, Consumer<ConsumerRecord<String, byte[]>> onRecord) {
    this.name = name;
    this.onRecord = onRecord;
  }

  /**
   * Starts following {@code topics} and returns once every partition's position is fixed at its end
   * offset, so nothing published after the return is missed.
   *
   * @param bootstrapServers the cluster ({@link KafkaClientConfig} adds its security settings)
   * @param topics existing topics
   * @param onRecord called for every record after the start, on the tail's thread
   * @param timeout how long to wait for the positions (ms resolution)
   * @throws IllegalStateException if the partitions cannot be found or positioned within {@code
   *     timeout}
   */
  public static TopicTail start(
      String bootstrapServers,
      List<String> topics,
      Consumer<ConsumerRecord<String, byte[]>> onRecord,
      Duration timeout) {
    TopicTail t = new TopicTail(String.join(",", topics), onRecord);
    t.thread =
        new Thread(() -> t.run(bootstrapServers, topics, timeout), "editstream-tail-" + t.name);
    t.thread.setDaemon(true);
    t.thread.start();
    try {
      RuntimeException failed = null;
      if (!t.positioned.await(timeout.toMillis(), TimeUnit.MILLISECONDS)
          || (failed = t.failure) != null) {
        t.close();
        throw new IllegalStateException(
            "could not follow "
                + t.name
                + " within "
                + timeout.toSeconds()
                + " s"
                + (failed == null ? "" : ": " + failed));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      t.close();
      throw new IllegalStateException("interrupted while starting to follow " + t.name, e);
    }
    return t;
  }

  private void run(String bootstrapServers, List<String> topics, Duration timeout) {
    Properties p = TopicView.consumerProperties(bootstrapServers);
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p)) {
      consumer = c;
      List<TopicPartition> parts = new ArrayList<>();
      for (String topic : topics) {
        for (PartitionInfo pi : c.partitionsFor(topic, timeout)) {
          parts.add(new TopicPartition(topic, pi.partition()));
        }
      }
      c.assign(parts);
      c.seekToEnd(parts);
      for (TopicPartition tp : parts) {
        c.position(tp, timeout); // resolves the lazy seek now: later records are not missed
      }
      positioned.countDown();
      while (running) {
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
          try {
            onRecord.accept(r);
          } catch (RuntimeException e) {
            log.warn(
                "tail of {}: record at {}-{}@{} skipped: {}",
                name,
                r.topic(),
                r.partition(),
                r.offset(),
                e.toString());
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      failure = e;
      if (positioned.getCount() == 0) {
        log.error("tail of {} stopped: {}", name, e.toString());
      }
      positioned.countDown();
    } finally {
      consumer = null;
    }
  }

  /** Whether the tail still follows its topics (false once closed or stopped by an error). */
  public boolean alive() {
    Thread th = thread;
    return th != null && th.isAlive();
  }

  @Override
  public void close() {
    running = false;
    KafkaConsumer<String, byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    Thread th = thread;
    if (th != null && th != Thread.currentThread()) {
      try {
        th.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
