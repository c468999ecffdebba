package dev.editstream.pipeline.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The bridge from a Kafka consumer group to a Reactor {@link Flux}, built for work that takes
 * seconds to minutes per record and completes out of order (HTTP calls to RunComfy).
 *
 * <ul>
 *   <li>One dedicated thread owns the {@link KafkaConsumer}; nothing else touches it. The poll
 *       thread is never blocked by downstream work.
 *   <li>Backpressure: when {@code maxInFlight} records are handed out and not acknowledged, every
 *       assigned partition is paused, and polling goes on (so the member stays in its group); they
 *       resume when acknowledgements bring the count down. Paused state is re-applied to partitions
 *       assigned by a rebalance.
 *   <li>Offsets: per partition an {@link OffsetTracker}; only the offset below the first
 *       unfinished record is committed, so a crash redelivers every unfinished record
 *       (at-least-once). Commits are asynchronous every {@code commitInterval}, synchronous on
 *       revocation and close.
 * </ul>
 *
 * <p>The design follows reactor-kafka's {@code ConsumerEventLoop} (discontinued; it does not support
 * kafka-clients 4). Records are {@code String} keys and {@code byte[]} values.
 */
public final class ReactiveKafkaConsumer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReactiveKafkaConsumer.class);

  private final ConsumerSettings settings;
  private final Sinks.Many<ReceivedRecord> sink = Sinks.many().unicast().onBackpressureBuffer();
  private final ConcurrentLinkedQueue<ReceivedRecord> acks = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicBoolean started = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Map<TopicPartition, OffsetTracker> trackers = new HashMap<>();
  private final Map<TopicPartition, Long> generations = new HashMap<>();
  private volatile boolean running = true;
  private volatile long drainDeadlineNanos = Long.MAX_VALUE;
  private volatile KafkaConsumer<String, byte[]> consumer;
  private long generationCounter;
  private volatile boolean paused;
  private volatile Thread pollThread;

  /** @param settings validated settings; nothing connects until {@link #receive()} is subscribed */
  public ReactiveKafkaConsumer(ConsumerSettings settings) {
    this.settings = settings;
  }

  /**
   * The records, in poll order per partition. Subscribe once: the first subscription starts the
   * poll thread. The flux completes on {@link #close()} and errors if the consumer fails.
   */
  public Flux<ReceivedRecord> receive() {
    return sink.asFlux().doOnSubscribe(s -> start());
  }

  /** Records handed downstream and not yet acknowledged. */
  public int inFlight() {
    return inFlight.get();
  }

  private void start() {
    if (started.compareAndSet(false, true)) {
      Thread t = new Thread(this::run, "editstream-consumer-" + settings.groupId());
      t.setDaemon(true);
      t.start();
    }
  }

  private Properties properties() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.max(1, Math.min(500, settings.maxInFlight())));
    // a killed member's partitions are held until its session expires: keep that short
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    KafkaClientConfig.applyTo(p);
    p.putAll(settings.extra());
    return p;
  }

  private void run() {
    pollThread = Thread.currentThread();
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(properties())) {
      consumer = c;
      c.subscribe(settings.topics(), new Listener(c));
      long nextCommit = System.nanoTime() + settings.commitInterval().toNanos();
      while (running || (inFlight.get() > 0 && System.nanoTime() < drainDeadlineNanos)) {
        drainAcks();
        if (System.nanoTime() >= nextCommit) {
          commit(c, trackers.keySet(), false);
          nextCommit = System.nanoTime() + settings.commitInterval().toNanos();
        }
        applyBackpressure(c);
        if (paused && running) {
          // Nothing will be fetched while paused: wait for acknowledgements instead (onAck unparks
          // this thread once the in-flight count is below the resume mark), then poll at once so
          // the group still sees this member and rebalance callbacks run.
          LockSupport.parkNanos(this, settings.pollTimeout().toNanos());
          drainAcks();
          applyBackpressure(c);
        }
        try {
          for (ConsumerRecord<String, byte[]> r : c.poll(paused && running ? Duration.ZERO : settings.pollTimeout())) {
            emit(r);
          }
        } catch (WakeupException e) {
          // close() woke us up: the loop condition decides what comes next
        }
      }
      drainAcks();
      commit(c, trackers.keySet(), true);
    } catch (RuntimeException e) {
      log.error("consumer of group {} stopped: {}", settings.groupId(), e.toString());
      sink.tryEmitError(e);
    } finally {
      consumer = null;
      sink.tryEmitComplete();
      stopped.countDown();
    }
  }

  private void emit(ConsumerRecord<String, byte[]> r) {
    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
    OffsetTracker t = trackers.get(tp);
    if (t == null) {
      return;
    }
    t.add(r.offset());
    inFlight.incrementAndGet();
    Sinks.EmitResult res = sink.tryEmitNext(new ReceivedRecord(r, generations.get(tp), this::onAck));
    if (res.isFailure()) {
      log.warn("downstream of group {} is gone ({}); stopping", settings.groupId(), res);
      running = false;
      drainDeadlineNanos = 0;
    }
  }

  private void onAck(ReceivedRecord r) {
    int n = inFlight.decrementAndGet();
    acks.add(r);
    Thread t = pollThread;
    if (paused && t != null && n < resumeBelow()) {
      LockSupport.unpark(t);
    }
  }

  /** In-flight count under which a paused consumer resumes (a quarter of the cap below it). */
  private int resumeBelow() {
    return Math.max(1, settings.maxInFlight() - Math.max(1, settings.maxInFlight() / 4) + 1);
  }

  private void drainAcks() {
    for (ReceivedRecord r; (r = acks.poll()) != null; ) {
      TopicPartition tp = r.partition();
      OffsetTracker t = trackers.get(tp);
      if (t != null && generations.get(tp) == r.generation()) {
        t.complete(r.record().offset());
      }
    }
  }

  private void applyBackpressure(KafkaConsumer<String, byte[]> c) {
    int n = inFlight.get();
    int resumeBelow = resumeBelow();
    boolean shouldPause = !running || n >= settings.maxInFlight();
    if (shouldPause && !paused) {
      c.pause(c.assignment());
      paused = true;
    } else if (paused && running && n < resumeBelow) {
      c.resume(c.paused());
      paused = false;
    }
  }

  private void commit(KafkaConsumer<String, byte[]> c, Collection<TopicPartition> parts, boolean sync) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition tp : parts) {
      OffsetTracker t = trackers.get(tp);
      long o = t == null ? -1 : t.committable();
      if (o >= 0) {
        offsets.put(tp, new OffsetAndMetadata(o));
      }
    }
    if (offsets.isEmpty()) {
      return;
    }
    if (sync) {
      try {
        c.commitSync(offsets, Duration.ofSeconds(10));
        markCommitted(offsets);
      } catch (RuntimeException e) {
        log.warn("offset commit of group {} failed: {}", settings.groupId(), e.toString());
      }
    } else {
      c.commitAsync(offsets, (done, error) -> {
        if (error == null) {
          markCommitted(done);
        } else {
          log.debug("async offset commit of group {} failed: {}", settings.groupId(), error.toString());
        }
      });
    }
  }

  private void markCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
    offsets.forEach((tp, om) -> {
      OffsetTracker t = trackers.get(tp);
      if (t != null) {
        t.committed(om.offset());
      }
    });
  }

  private final class Listener implements ConsumerRebalanceListener {
    private final KafkaConsumer<String, byte[]> c;

    Listener(KafkaConsumer<String, byte[]> c) {
      this.c = c;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> parts) {
      drainAcks();
      commit(c, parts, true);
      forget(parts);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> parts) {
      forget(parts);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> parts) {
      for (TopicPartition tp : parts) {
        trackers.put(tp, new OffsetTracker());
        generations.put(tp, ++generationCounter);
      }
      if (paused && !parts.isEmpty()) {
        c.pause(parts);
      }
      log.debug("group {} assigned {}", settings.groupId(), parts);
    }

    private void forget(Collection<TopicPartition> parts) {
      Set<TopicPartition> gone = new HashSet<>(parts);
      trackers.keySet().removeAll(gone);
      generations.keySet().removeAll(gone);
    }
  }

  /**
   * Stops polling new records, waits up to {@code grace} for records in flight to be acknowledged,
   * commits and closes the consumer.
   */
  public void close(Duration grace) {
    drainDeadlineNanos = System.nanoTime() + grace.toNanos();
    running = false;
    KafkaConsumer<String, byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    if (started.get()) {
      try {
        stopped.await(grace.toMillis() + 15_000, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } else {
      sink.tryEmitComplete();
    }
  }

  /** {@link #close(Duration)} with a 5 s grace. */
  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }
}
