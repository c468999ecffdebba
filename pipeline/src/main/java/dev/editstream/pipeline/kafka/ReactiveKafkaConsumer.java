package dev.editstream.pipeline.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;
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
 *   <li>Offsets: per partition an {@link OffsetTracker}; only the offset below the first unfinished
 *       record is committed, so a crash redelivers every unfinished record (at-least-once). Commits
 *       are asynchronous every {@code commitInterval}, synchronous on revocation and close.
 *   <li>Rebalances are cooperative ({@code partition.assignment.strategy} = {@link
 *       CooperativeStickyAssignor}, the classic group protocol; static membership through {@code
 *       group.instance.id} in {@link ConsumerSettings#extra()} keeps working): a rebalance revokes
 *       only the partitions that move, and the partitions a member keeps go on with their in-flight
 *       work untouched. On {@code onPartitionsRevoked}, for the revoked partitions only: records
 *       handed out but not yet taken by the subscriber are dropped (never started here, so the new
 *       owner does them); records already being processed get up to {@code revokeGrace} (bounded by
 *       the close grace while closing) to be acknowledged; then their completed offsets are
 *       committed synchronously and their state is forgotten. A record still unfinished after that
 *       wait is left uncommitted: the new owner redoes it, and this member's late acknowledgement
 *       of it is ignored. So a rebalance repeats at most the records that were in flight on the
 *       revoked partitions and not finished within the grace (at-least-once). {@code
 *       onPartitionsLost} (the member was fenced or its session expired: another member may already
 *       own the partitions) drops their state without committing.
 * </ul>
 *
 * <p>The design follows reactor-kafka's {@code ConsumerEventLoop} (discontinued; it does not
 * support kafka-clients 4). Records are {@code String} keys and {@code byte[]} values.
 */
public final class ReactiveKafkaConsumer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReactiveKafkaConsumer.class);

  private final ConsumerSettings settings;
  private final Sinks.Many<ReceivedRecord> sink = Sinks.many().unicast().onBackpressureBuffer();
  private final ConcurrentLinkedQueue<ReceivedRecord> acks = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inFlight = new AtomicInteger();

  /**
   * Records on the assigned partitions past this consumer's position, after the last poll (-1
   * before the first).
   */
  private final java.util.concurrent.atomic.AtomicLong lag =
      new java.util.concurrent.atomic.AtomicLong(-1);

  private final AtomicBoolean started = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Map<TopicPartition, OffsetTracker> trackers = new HashMap<>();

  /**
   * Current generation of each assigned partition; read by subscriber threads (see {@link
   * #handOut}).
   */
  private final Map<TopicPartition, Long> generations = new ConcurrentHashMap<>();

  /**
   * Every record emitted and neither acknowledged nor dropped, with its {@link #QUEUED}/{@link
   * #STARTED}/{@link #DROPPED} state.
   */
  private final Map<ReceivedRecord, AtomicInteger> handed = new ConcurrentHashMap<>();

  /** Partitions being revoked or lost: their queued records are dropped instead of handed out. */
  private final Set<TopicPartition> revoking = ConcurrentHashMap.newKeySet();

  private final Duration revokeGrace;
  private volatile RebalanceObserver observer = new RebalanceObserver() {};
  private volatile boolean revokeWaiting;
  private volatile boolean running = true;
  private volatile long drainDeadlineNanos = Long.MAX_VALUE;
  private volatile @Nullable KafkaConsumer<String, byte[]> consumer;
  private long generationCounter;
  private volatile boolean paused;
  private volatile @Nullable Thread pollThread;

  /** A record emitted to the sink, not yet taken by the subscriber. */
  private static final int QUEUED = 0;

  /** A record taken by the subscriber: being processed. */
  private static final int STARTED = 1;

  /** A queued record of a revoked or lost partition: never handed out. */
  private static final int DROPPED = 2;

  /**
   * How long a revocation waits, by default, for the revoked partitions' records being processed.
   */
  public static final Duration DEFAULT_REVOKE_GRACE = Duration.ofSeconds(10);

  /**
   * As {@link #ReactiveKafkaConsumer(ConsumerSettings, Duration)} with {@link
   * #DEFAULT_REVOKE_GRACE}.
   *
   * @param settings validated settings; nothing connects until {@link #receive()} is subscribed
   */
  public ReactiveKafkaConsumer(ConsumerSettings settings) {
    this(settings, DEFAULT_REVOKE_GRACE);
  }

  /**
   * @param settings validated settings; nothing connects until {@link #receive()} is subscribed
   * @param revokeGrace how long {@code onPartitionsRevoked} waits for the revoked partitions'
   *     records being processed to be acknowledged before committing and letting them go, &gt;= 0;
   *     keep it well under {@code max.poll.interval.ms} (the poll thread waits in the callback)
   * @throws IllegalArgumentException when {@code revokeGrace} is negative
   */
  public ReactiveKafkaConsumer(ConsumerSettings settings, Duration revokeGrace) {
    if (revokeGrace == null || revokeGrace.isNegative()) {
      throw new IllegalArgumentException("revokeGrace must be >= 0, was " + revokeGrace);
    }
    this.settings = settings;
    this.revokeGrace = revokeGrace;
  }

  /**
   * The records, in poll order per partition. Subscribe once: the first subscription starts the
   * poll thread. The flux completes on {@link #close()} and errors if the consumer fails. A record
   * whose partition was revoked (or lost) before the subscriber took it is not handed out: the
   * partition's new owner reads it.
   */
  public Flux<ReceivedRecord> receive() {
    return sink.asFlux().filter(this::handOut).doOnSubscribe(s -> start());
  }

  /**
   * Sets who is told about rebalances (assignments, revocations with what happened to their
   * records, losses). Call before {@link #receive()} is subscribed; called on the poll thread, so
   * it must return quickly; what it throws is logged and ignored.
   *
   * @param o the observer, not null
   * @return this consumer
   */
  public ReactiveKafkaConsumer observe(RebalanceObserver o) {
    this.observer = Objects.requireNonNull(o, "observer");
    return this;
  }

  private volatile io.micrometer.core.instrument.@Nullable MeterRegistry metricsRegistry;

  /**
   * Publishes the Kafka consumer's own metrics ({@code kafka.consumer.*}: fetch rate, records lag
   * max, commit latency...) to {@code registry} through Micrometer's {@code KafkaClientMetrics}
   * while it runs. Call before {@link #receive()}.
   *
   * @return this consumer
   */
  public ReactiveKafkaConsumer metrics(io.micrometer.core.instrument.MeterRegistry registry) {
    this.metricsRegistry = registry;
    return this;
  }

  /**
   * What happened to the records of partitions revoked in one rebalance.
   *
   * @param partitions the revoked partitions (only those that move under cooperative assignment)
   * @param inFlight records of those partitions handed out and not acknowledged when the revocation
   *     began (the in-flight window of the revoked partitions)
   * @param dropped of those, the records never taken by the subscriber (not started; the new owner
   *     reads them)
   * @param finished of those, the records being processed that were acknowledged within the grace
   *     (their offsets committed)
   * @param unfinished of those, the records still being processed after the grace: left
   *     uncommitted, so the new owner handles them again (the duplicates of this rebalance at most)
   */
  public record Revocation(
      List<TopicPartition> partitions, int inFlight, int dropped, int finished, int unfinished) {
    /**
     * @throws NullPointerException when {@code partitions} is null
     */
    public Revocation {
      partitions = List.copyOf(partitions);
    }
  }

  /**
   * Hears of rebalances of one {@link ReactiveKafkaConsumer} (see {@link #observe}); every method
   * does nothing by default.
   */
  public interface RebalanceObserver {
    /**
     * Partitions were added to this member (under cooperative assignment only the new ones).
     *
     * @param partitions the added partitions, possibly empty
     */
    default void assigned(Collection<TopicPartition> partitions) {}

    /**
     * Partitions were revoked from this member after their finished offsets were committed.
     *
     * @param revocation the partitions and what happened to their records
     */
    default void revoked(Revocation revocation) {}

    /**
     * Partitions were lost (fenced or session expired): nothing of them was committed.
     *
     * @param partitions the lost partitions
     * @param inFlight their records handed out and not acknowledged (all will be read again by the
     *     new owner)
     */
    default void lost(Collection<TopicPartition> partitions, int inFlight) {}
  }

  /** Records handed downstream and not yet acknowledged. */
  public int inFlight() {
    return inFlight.get();
  }

  /**
   * The consumer lag: records on the partitions assigned to this member past its position, summed,
   * as of its last poll, from the consumer's own fetch metadata ({@code KafkaConsumer#currentLag},
   * no remote call); 0 with no partitions, -1 before the first poll. Records held in flight are not
   * in it (see {@link #oldestInFlightMs}).
   */
  public long lag() {
    return lag.get();
  }

  /**
   * The record timestamp (ms since the epoch: when it was written to its topic) of the oldest
   * record handed out and not yet acknowledged, or -1 when none is in flight.
   */
  public long oldestInFlightMs() {
    long oldest = Long.MAX_VALUE;
    for (ReceivedRecord r : handed.keySet()) {
      oldest = Math.min(oldest, r.record().timestamp());
    }
    return oldest == Long.MAX_VALUE ? -1 : oldest;
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
    p.put(
        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.max(1, Math.min(500, settings.maxInFlight())));
    // a killed member's partitions are held until its session expires: keep that short
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    KafkaClientConfig.applyTo(p);
    p.putAll(settings.extra());
    // cooperative rebalances (classic protocol): only moving partitions are revoked. The new
    // "consumer" group protocol (KIP-848) assigns on the broker and refuses this setting, so it is
    // set only for the classic protocol and only when nobody chose another strategy.
    Object protocol = p.get(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
    if ((protocol == null || "classic".equalsIgnoreCase(String.valueOf(protocol)))
        && !p.containsKey(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG)) {
      p.put(
          ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
          CooperativeStickyAssignor.class.getName());
    }
    return p;
  }

  private void run() {
    pollThread = Thread.currentThread();
    io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics clientMetrics = null;
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(properties())) {
      consumer = c;
      if (metricsRegistry != null) {
        clientMetrics = new io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics(c);
        clientMetrics.bindTo(metricsRegistry);
      }
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
          for (ConsumerRecord<String, byte[]> r :
              c.poll(paused && running ? Duration.ZERO : settings.pollTimeout())) {
            emit(r);
          }
          lag.set(currentLag(c));
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
      if (clientMetrics != null) {
        clientMetrics.close();
      }
      consumer = null;
      sink.tryEmitComplete();
      stopped.countDown();
    }
  }

  /** The summed lag of the assigned partitions the consumer knows a lag for (poll thread only). */
  private static long currentLag(KafkaConsumer<String, byte[]> c) {
    long sum = 0;
    for (TopicPartition tp : c.assignment()) {
      java.util.OptionalLong l = c.currentLag(tp);
      if (l.isPresent()) {
        sum += l.getAsLong();
      }
    }
    return sum;
  }

  private void emit(ConsumerRecord<String, byte[]> r) {
    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
    OffsetTracker t = trackers.get(tp);
    if (t == null) {
      return;
    }
    t.add(r.offset());
    inFlight.incrementAndGet();
    long generation = Objects.requireNonNull(generations.get(tp), "generation"); // kept with t
    ReceivedRecord rr = new ReceivedRecord(r, generation, this::onAck);
    handed.put(rr, new AtomicInteger(QUEUED));
    Sinks.EmitResult res = sink.tryEmitNext(rr);
    if (res.isFailure()) {
      log.warn("downstream of group {} is gone ({}); stopping", settings.groupId(), res);
      running = false;
      drainDeadlineNanos = 0;
    }
  }

  /**
   * Whether {@code r} goes to the subscriber, decided when the subscriber takes it: yes while its
   * partition is still assigned in the same generation (it becomes {@link #STARTED}); else it is
   * dropped (its offset stays uncommitted here, and the partition's new owner reads it).
   */
  private boolean handOut(ReceivedRecord r) {
    AtomicInteger state = handed.get(r);
    if (state == null) {
      return false; // dropped by a revocation already
    }
    TopicPartition tp = r.partition();
    if (!revoking.contains(tp) && Objects.equals(generations.get(tp), r.generation())) {
      return state.compareAndSet(QUEUED, STARTED);
    }
    if (state.compareAndSet(QUEUED, DROPPED)) {
      release(r);
    }
    return false;
  }

  private void onAck(ReceivedRecord r) {
    int n = inFlight.decrementAndGet();
    acks.add(r); // before leaving `handed`: a revocation that no longer sees it must find its ack
    handed.remove(r);
    wake(n);
  }

  /** A queued record that will never be handed out or acknowledged. */
  private void release(ReceivedRecord r) {
    handed.remove(r);
    wake(inFlight.decrementAndGet());
  }

  private void wake(int inFlightNow) {
    Thread t = pollThread;
    if (t != null && (revokeWaiting || (paused && inFlightNow < resumeBelow()))) {
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
      if (t != null && Objects.equals(generations.get(tp), r.generation())) {
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

  private void commit(
      KafkaConsumer<String, byte[]> c, Collection<TopicPartition> parts, boolean sync) {
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
      c.commitAsync(
          offsets,
          (done, error) -> {
            if (error == null) {
              markCommitted(done);
            } else {
              log.debug(
                  "async offset commit of group {} failed: {}",
                  settings.groupId(),
                  error.toString());
            }
          });
    }
  }

  private void markCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
    offsets.forEach(
        (tp, om) -> {
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

    /**
     * Only {@code parts} are touched (under cooperative assignment, the partitions that move):
     * their queued records are dropped, their records being processed get a bounded wait, their
     * finished offsets are committed synchronously, and their state is forgotten.
     */
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> parts) {
      if (parts.isEmpty()) {
        return;
      }
      Set<TopicPartition> gone = new HashSet<>(parts);
      revoking.addAll(gone);
      try {
        int before = count(gone, -1);
        int dropped = dropQueued(gone);
        int started = count(gone, STARTED);
        long grace = revokeGrace.toNanos();
        long deadline =
            System.nanoTime()
                + (running
                    ? grace
                    : Math.min(grace, Math.max(0, drainDeadlineNanos - System.nanoTime())));
        revokeWaiting = true;
        try {
          drainAcks();
          while (count(gone, STARTED) > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(
                ReactiveKafkaConsumer.this, Math.min(deadline - System.nanoTime(), 50_000_000L));
            drainAcks();
          }
        } finally {
          revokeWaiting = false;
        }
        drainAcks();
        int unfinished = count(gone, STARTED);
        commit(c, gone, true);
        forget(gone);
        Revocation rev =
            new Revocation(List.copyOf(gone), before, dropped, started - unfinished, unfinished);
        if (unfinished > 0) {
          log.warn(
              "group {}: {} revoked with {} records still being processed after {} ms; left uncommitted for the new owner",
              settings.groupId(),
              gone,
              unfinished,
              revokeGrace.toMillis());
        } else {
          log.debug("group {}: revoked {} ({})", settings.groupId(), gone, rev);
        }
        tell(o -> o.revoked(rev));
      } finally {
        revoking.removeAll(gone);
      }
    }

    /**
     * Another member may own {@code parts} already: their state is dropped, nothing is committed.
     */
    @Override
    public void onPartitionsLost(Collection<TopicPartition> parts) {
      if (parts.isEmpty()) {
        return;
      }
      Set<TopicPartition> gone = new HashSet<>(parts);
      revoking.addAll(gone);
      try {
        int before = count(gone, -1);
        dropQueued(gone);
        forget(gone);
        log.warn(
            "group {}: lost {} with {} records in flight; nothing of them committed",
            settings.groupId(),
            gone,
            before);
        tell(o -> o.lost(List.copyOf(gone), before));
      } finally {
        revoking.removeAll(gone);
      }
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
      tell(o -> o.assigned(List.copyOf(parts)));
    }

    /** Records of {@code parts} in {@code state}, or in any state for -1. */
    private int count(Set<TopicPartition> parts, int state) {
      int n = 0;
      for (Map.Entry<ReceivedRecord, AtomicInteger> e : handed.entrySet()) {
        if ((state < 0 || e.getValue().get() == state) && parts.contains(e.getKey().partition())) {
          n++;
        }
      }
      return n;
    }

    /** Drops every queued record of {@code parts}; returns how many. */
    private int dropQueued(Set<TopicPartition> parts) {
      int n = 0;
      for (Map.Entry<ReceivedRecord, AtomicInteger> e : handed.entrySet()) {
        if (parts.contains(e.getKey().partition()) && e.getValue().compareAndSet(QUEUED, DROPPED)) {
          release(e.getKey());
          n++;
        }
      }
      return n;
    }

    private void forget(Collection<TopicPartition> parts) {
      Set<TopicPartition> gone = new HashSet<>(parts);
      trackers.keySet().removeAll(gone);
      generations.keySet().removeAll(gone);
    }

    private void tell(java.util.function.Consumer<RebalanceObserver> call) {
      try {
        call.accept(observer);
      } catch (RuntimeException e) {
        log.warn("group {}: the rebalance observer threw {}", settings.groupId(), e.toString());
      }
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
