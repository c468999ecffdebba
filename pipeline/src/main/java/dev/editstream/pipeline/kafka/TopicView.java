package dev.editstream.pipeline.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BinaryOperator;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
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
 * <p>Two ways to keep the values:
 *
 * <ul>
 *   <li><b>in memory</b> ({@link #start(String, List, Function, BinaryOperator, Duration)}): every
 *       start reads the whole history, and memory grows with the number of distinct keys;
 *   <li><b>in a local store</b> ({@link #start(String, List, Function, BinaryOperator, Duration,
 *       Local)}): the values live in a file ({@link ViewStore}, H2's MVStore) with the offsets they
 *       were read up to, checkpointed every second and when the view caught up or closes; a restart
 *       reads only what was published since the last checkpoint, and the heap holds the store's
 *       page cache, not the values. {@code merge} must then be idempotent (a record may be folded
 *       twice after a crash).
 * </ul>
 *
 * Records whose value cannot be decoded are skipped. Thread-safe.
 *
 * @param <V> the value per key
 */
public final class TopicView<V> implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TopicView.class);

  /** How often a view with a local store checkpoints while records arrive, ms. */
  static final long CHECKPOINT_EVERY_MS = 1000;

  /**
   * A value's bytes in a local store, both ways. {@code decode(encode(v))} must equal {@code v} for
   * what the view's users read.
   *
   * @param <V> the value type
   */
  public interface Codec<V> {
    /** The bytes of {@code value}. */
    byte[] encode(V value);

    /**
     * The value of {@code bytes}.
     *
     * @throws RuntimeException if the bytes are not a value (the view then skips them)
     */
    V decode(byte[] bytes);

    /**
     * A value's JSON ({@link dev.editstream.core.Json#mapper()}: snake_case) both ways. Its {@code
     * decode} throws {@link java.io.UncheckedIOException} when the bytes are not a {@code type}.
     *
     * @param type the value's class (a record, or a class Jackson reads)
     */
    static <V> Codec<V> json(Class<V> type) {
      return new Codec<>() {
        @Override
        public byte[] encode(V value) {
          try {
            return dev.editstream.core.Json.mapper().writeValueAsBytes(value);
          } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }

        @Override
        public V decode(byte[] bytes) {
          try {
            return dev.editstream.core.Json.mapper().readValue(bytes, type);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      };
    }
  }

  /**
   * Where a view keeps its values: a store named {@code name} in the state folder {@code dir}.
   *
   * @param dir the state folder (made if missing)
   * @param name the view's file name ({@code [A-Za-z0-9._-]+}, e.g. {@code terminal})
   * @param codec the values' bytes
   * @param cacheMb the store's page cache, MiB (heap bound of the view), at least 1
   * @param <V> the value type
   */
  public record Local<V>(java.nio.file.Path dir, String name, Codec<V> codec, int cacheMb) {
    /** A store with a 16 MiB page cache. */
    public Local(java.nio.file.Path dir, String name, Codec<V> codec) {
      this(dir, name, codec, 16);
    }
  }

  /**
   * Told of every change of a key's value, after {@link #get} returns the new value: for the
   * records the view reads, in their order (one thread); a change by {@link #put} on another thread
   * may be told out of that order. Must be quick: it runs on the view's thread.
   *
   * @param <V> the value type
   */
  @FunctionalInterface
  public interface Changes<V> {
    /**
     * The value of {@code key} went from {@code before} ({@code null}: absent) to {@code after}.
     */
    void changed(String key, @Nullable V before, V after);
  }

  private final Values<V> values;
  private final Function<ConsumerRecord<String, byte[]>, V> decode;
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private final String name;
  private volatile boolean running = true;
  private volatile @Nullable KafkaConsumer<String, byte[]> consumer;
  private volatile @Nullable RuntimeException failure;
  private @Nullable Thread thread;
  private volatile long readAtStart;
  private volatile long readSoFar;

  private TopicView(
      String name, Function<ConsumerRecord<String, byte[]>, V> decode, Values<V> values) {
    this.name = name;
    this.decode = decode;
    this.values = values;
  }

  /**
   * Starts the view and waits until it caught up.
   *
   * @param decode record → value, or {@code null} to skip the record
   * @param merge (old, new) → kept value
   * @param catchUpTimeout how long the initial read may go without reading a record
   * @throws IllegalStateException if the view reads nothing for {@code catchUpTimeout} before it
   *     caught up
   */
  public static <V> TopicView<V> start(
      String bootstrapServers,
      List<String> topics,
      Function<ConsumerRecord<String, byte[]>, V> decode,
      BinaryOperator<V> merge,
      Duration catchUpTimeout) {
    return start(bootstrapServers, topics, decode, merge, catchUpTimeout, null);
  }

  /**
   * Starts the view, its values in a local store when {@code local} is given (else in memory), and
   * waits until it caught up.
   *
   * @param decode record → value, or {@code null} to skip the record
   * @param merge (old, new) → kept value; with a local store it must be idempotent
   * @param catchUpTimeout how long the initial read may go without reading a record
   * @param local the local store, or {@code null} to keep the values in memory
   * @throws IllegalStateException if the view does not catch up in time or the topics cannot be
   *     read (a local store that cannot be opened is not an error: the view then keeps its values
   *     in memory, with a warning)
   */
  public static <V> TopicView<V> start(
      String bootstrapServers,
      List<String> topics,
      Function<ConsumerRecord<String, byte[]>, V> decode,
      BinaryOperator<V> merge,
      Duration catchUpTimeout,
      @Nullable Local<V> local) {
    return start(bootstrapServers, topics, decode, merge, catchUpTimeout, local, null);
  }

  /**
   * As {@link #start(String, List, Function, BinaryOperator, Duration, Local)}, telling {@code
   * changes} of every change of a value (from the first record read on, so a user that keeps
   * aggregates of the values never walks them).
   *
   * @param changes told of each change, or {@code null}
   * @throws IllegalStateException if the view does not catch up in time or the topics cannot be
   *     read
   */
  public static <V> TopicView<V> start(
      String bootstrapServers,
      List<String> topics,
      Function<ConsumerRecord<String, byte[]>, V> decode,
      BinaryOperator<V> merge,
      Duration catchUpTimeout,
      @Nullable Local<V> local,
      @Nullable Changes<V> changes) {
    Values<V> values = new MemoryValues<>(merge, changes);
    if (local != null) {
      try {
        values =
            new StoreValues<>(
                ViewStore.open(local.dir(), local.name(), local.cacheMb()),
                local.codec(),
                merge,
                changes);
      } catch (java.io.UncheckedIOException e) {
        // the store is a cache of the topics: without it the view reads them whole, as before
        log.warn(
            "view {} keeps its values in memory: no local store in {} (--state-dir): {}",
            local.name(),
            local.dir(),
            e.getMessage());
      }
    }
    TopicView<V> v = new TopicView<>(String.join(",", topics), decode, values);
    long t0 = System.nanoTime();
    v.thread = new Thread(() -> v.run(bootstrapServers, topics), "editstream-view-" + v.name);
    v.thread.setDaemon(true);
    v.thread.start();
    try {
      RuntimeException failed = null;
      // a view still reading records is not stuck: a first build of a store from a long history
      // takes minutes; only a view that reads nothing for catchUpTimeout is given up
      long seen = 0;
      while (!v.caughtUp.await(catchUpTimeout.toMillis(), TimeUnit.MILLISECONDS)
          && v.readSoFar > seen
          && v.failure == null) {
        seen = v.readSoFar;
        log.info("view of {} still catching up: {} records read", v.name, seen);
      }
      if (v.caughtUp.getCount() > 0 || (failed = v.failure) != null) {
        v.close();
        throw new IllegalStateException(
            "view of "
                + v.name
                + (failed == null
                    ? " did not catch up: no record read for " + catchUpTimeout.toSeconds() + " s"
                    : " stopped before it caught up: " + failed),
            failed);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      v.close();
      throw new IllegalStateException("interrupted while loading view of " + v.name, e);
    }
    log.info(
        "view of {} ready in {} ms: {} records read, {} keys{}",
        v.name,
        (System.nanoTime() - t0) / 1_000_000,
        v.readAtStart,
        v.size(),
        v.storeFile() == null ? " (in memory)" : " (store " + v.storeFile() + ")");
    return v;
  }

  private void run(String bootstrapServers, List<String> topics) {
    Properties p = consumerProperties(bootstrapServers);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p)) {
      consumer = c;
      List<TopicPartition> parts = new ArrayList<>();
      for (String t : topics) {
        for (PartitionInfo pi : c.partitionsFor(t, Duration.ofSeconds(60))) {
          parts.add(new TopicPartition(t, pi.partition()));
        }
      }
      c.assign(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(60));
      Map<TopicPartition, Long> from =
          values.resumeFrom(
              () -> identity(bootstrapServers, topics),
              c.beginningOffsets(parts, Duration.ofSeconds(60)),
              end);
      for (TopicPartition tp : parts) {
        Long at = from.get(tp);
        if (at == null) {
          c.seekToBeginning(List.of(tp));
        } else {
          c.seek(tp, at);
        }
      }
      long read = 0;
      long lastCheckpoint = System.nanoTime();
      boolean dirty = false;
      if (end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
        // nothing to read (empty topics, or a store already at their ends): ready without waiting
        // for a first poll to come back empty (up to 100 ms; issue 19: command to first POST)
        readAtStart = 0;
        caughtUp.countDown();
      }
      while (running) {
        ConsumerRecords<String, byte[]> records;
        try {
          records = c.poll(Duration.ofMillis(100));
        } catch (WakeupException e) {
          break; // closing
        }
        readSoFar = read + records.count();
        for (ConsumerRecord<String, byte[]> r : records) {
          read++;
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
            values.merge(r.key(), v);
          }
        }
        dirty |= !records.isEmpty();
        boolean justCaughtUp =
            caughtUp.getCount() > 0
                && end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue());
        if (dirty
            && (justCaughtUp
                || System.nanoTime() - lastCheckpoint >= CHECKPOINT_EVERY_MS * 1_000_000)) {
          values.checkpoint(positions(c, parts));
          lastCheckpoint = System.nanoTime();
          dirty = false;
        }
        if (justCaughtUp) {
          readAtStart = read;
          caughtUp.countDown();
        }
      }
      if (dirty) {
        try {
          values.checkpoint(positions(c, parts));
        } catch (WakeupException e) {
          values.checkpoint(positions(c, parts)); // the close's wakeup, unused by a poll
        }
      }
    } catch (WakeupException e) {
      // closing before the view was positioned
    } catch (RuntimeException e) {
      failure = e;
      caughtUp.countDown();
      log.error("view of {} stopped: {}", name, e.toString());
    } finally {
      consumer = null;
    }
  }

  /** The consumer settings of a view or a tail: no group, nothing committed, committed reads. */
  static Properties consumerProperties(String bootstrapServers) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    KafkaClientConfig.applyTo(p);
    return p;
  }

  private static Map<TopicPartition, Long> positions(
      KafkaConsumer<String, byte[]> c, List<TopicPartition> parts) {
    Map<TopicPartition, Long> out = new HashMap<>();
    for (TopicPartition tp : parts) {
      out.put(tp, c.position(tp));
    }
    return out;
  }

  /**
   * What a local store is filled from: the store format, the topics and their topic ids (a topic
   * deleted and made again, or another cluster, has other ids).
   */
  private static String identity(String bootstrapServers, List<String> topics) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    KafkaClientConfig.applyTo(p);
    try (Admin admin = Admin.create(p)) {
      Map<String, TopicDescription> d =
          admin.describeTopics(topics).allTopicNames().get(60, TimeUnit.SECONDS);
      return ViewResume.identity(
          ViewStore.FORMAT,
          topics.stream()
              .collect(
                  java.util.stream.Collectors.toMap(
                      t -> t,
                      t -> {
                        TopicDescription td = d.get(t);
                        return td == null ? "?" : td.topicId().toString();
                      })));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while describing " + topics, e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("cannot describe " + topics + ": " + e, e);
    }
  }

  /** The value of {@code key}, if any. */
  public Optional<V> get(String key) {
    return Optional.ofNullable(values.get(key));
  }

  /** Adds a value this process just published (folded with {@code merge}). */
  public void put(String key, V value) {
    values.merge(key, value);
  }

  /** Calls {@code action} with every value (a snapshot of the moment). */
  public void forEach(java.util.function.Consumer<V> action) {
    values.forEach((k, v) -> action.accept(v));
  }

  /** Calls {@code action} with every key and value (a snapshot of the moment). */
  public void forEachEntry(java.util.function.BiConsumer<String, V> action) {
    values.forEach(action);
  }

  /**
   * Records read before the view first caught up: the whole history in memory, those since the last
   * checkpoint with a local store.
   */
  public long recordsReadAtStart() {
    return readAtStart;
  }

  /** The local store's file, or {@code null} for a view in memory. */
  public java.nio.file.@Nullable Path storeFile() {
    return values instanceof StoreValues<V> sv ? sv.store.file() : null;
  }

  /** Number of keys. */
  public int size() {
    return (int) Math.min(Integer.MAX_VALUE, values.size());
  }

  @Override
  public void close() {
    running = false;
    KafkaConsumer<String, byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    Thread t = thread;
    if (t != null) {
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    values.close();
  }

  /** Where the values are kept. Implementations are thread-safe. */
  private interface Values<V> {
    @Nullable V get(String key);

    void merge(String key, V value);

    void forEach(java.util.function.BiConsumer<String, V> action);

    long size();

    /**
     * Where to start reading each partition ({@code null} or absent: from the beginning), given the
     * topics' identity (asked only when a store needs it) and their offset range.
     */
    Map<TopicPartition, Long> resumeFrom(
        java.util.function.Supplier<String> identity,
        Map<TopicPartition, Long> beginning,
        Map<TopicPartition, Long> end);

    void checkpoint(Map<TopicPartition, Long> positions);

    void close();
  }

  /** Values in a concurrent map: every start reads from the beginning. */
  private static final class MemoryValues<V> implements Values<V> {
    private final Map<String, V> map = new ConcurrentHashMap<>();
    private final BinaryOperator<V> merge;
    private final @Nullable Changes<V> changes;

    MemoryValues(BinaryOperator<V> merge, @Nullable Changes<V> changes) {
      this.merge = merge;
      this.changes = changes;
    }

    @Override
    public @Nullable V get(String key) {
      return map.get(key);
    }

    @Override
    public void merge(String key, V value) {
      Changes<V> c = changes;
      if (c == null) {
        map.merge(key, value, merge);
        return;
      }
      Change<V> seen = new Change<>();
      V now =
          map.compute(
              key,
              (k, old) -> {
                seen.before = old;
                return old == null ? value : merge.apply(old, value);
              });
      // told once the new value is what get returns, outside the map's lock
      c.changed(key, seen.before, java.util.Objects.requireNonNull(now));
    }

    /** The value a compute replaced. */
    private static final class Change<V> {
      @Nullable V before;
    }

    @Override
    public void forEach(java.util.function.BiConsumer<String, V> action) {
      map.forEach(action);
    }

    @Override
    public long size() {
      return map.size();
    }

    @Override
    public Map<TopicPartition, Long> resumeFrom(
        java.util.function.Supplier<String> identity,
        Map<TopicPartition, Long> beginning,
        Map<TopicPartition, Long> end) {
      return Map.of();
    }

    @Override
    public void checkpoint(Map<TopicPartition, Long> positions) {}

    @Override
    public void close() {}
  }

  /**
   * Values in a {@link ViewStore}: a start reads from the last checkpoint. Changed values are kept
   * decoded in memory and written to the store at the next checkpoint (write-behind: a job's
   * several events within a second cost one encode and one write, and the offsets are written with
   * the values they fold), or when {@link #MAX_PENDING} keys are pending.
   */
  private static final class StoreValues<V> implements Values<V> {
    /** Changed keys kept in memory at most before they are written without a checkpoint. */
    static final int MAX_PENDING = 20_000;

    private final ViewStore store;
    private final Codec<V> codec;
    private final BinaryOperator<V> merge;
    private final @Nullable Changes<V> changes;

    /** Values changed since the last write, read before the store's; writes under {@code this}. */
    private final Map<String, V> pending = new ConcurrentHashMap<>();

    /** Keys of {@link #pending} the store does not hold yet. */
    private long pendingNewKeys;

    StoreValues(
        ViewStore store, Codec<V> codec, BinaryOperator<V> merge, @Nullable Changes<V> changes) {
      this.store = store;
      this.codec = codec;
      this.merge = merge;
      this.changes = changes;
    }

    @Override
    public @Nullable V get(String key) {
      V v = pending.get(key);
      if (v != null) {
        return v;
      }
      byte[] b = store.get(key);
      return b == null ? null : codec.decode(b);
    }

    @Override
    public void merge(String key, V value) {
      synchronized (this) { // the view's thread and the process's own writes
        V old = pending.get(key);
        if (old == null) {
          byte[] b = store.get(key);
          old = b == null ? null : codec.decode(b);
          if (b == null) {
            pendingNewKeys++;
          }
        }
        V now = old == null ? value : merge.apply(old, value);
        pending.put(key, now);
        if (changes != null) {
          changes.changed(key, old, now);
        }
        if (pending.size() >= MAX_PENDING) {
          writePending(); // values ahead of the offsets: merge is idempotent
        }
      }
    }

    /** Writes the pending values to the store (under {@code this}). */
    private void writePending() {
      for (Map.Entry<String, V> e : pending.entrySet()) {
        store.put(e.getKey(), codec.encode(e.getValue()));
      }
      // readers find a value in the store before it leaves pending
      pending.clear();
      pendingNewKeys = 0;
    }

    @Override
    public void forEach(java.util.function.BiConsumer<String, V> action) {
      Map<String, V> changed;
      synchronized (this) {
        changed = new HashMap<>(pending);
      }
      store.forEach(
          (k, b) -> {
            if (!changed.containsKey(k)) {
              action.accept(k, codec.decode(b));
            }
          });
      changed.forEach(action);
    }

    @Override
    public synchronized long size() {
      return store.size() + pendingNewKeys;
    }

    @Override
    public Map<TopicPartition, Long> resumeFrom(
        java.util.function.Supplier<String> identity,
        Map<TopicPartition, Long> beginning,
        Map<TopicPartition, Long> end) {
      String id = identity.get();
      Map<TopicPartition, Long> stored = store.offsets();
      ViewResume.Plan<TopicPartition> plan =
          ViewResume.plan(store.identity(), id, stored, beginning, end);
      if (plan.reset()) {
        log.info("view store {} rebuilt from the topics: {}", store.file(), plan.why());
        store.reset(id);
      }
      return plan.from();
    }

    @Override
    public synchronized void checkpoint(Map<TopicPartition, Long> positions) {
      writePending();
      store.checkpoint(positions);
    }

    @Override
    public synchronized void close() {
      writePending(); // the process's own writes since the last checkpoint
      store.close();
    }
  }
}
