package dev.editstream.pipeline.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.common.TopicPartition;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local store of a {@link TopicView}: its values (key → bytes) and the offsets they were read
 * up to, in one H2 MVStore file, written together by {@link #checkpoint}, so a restarted view reads
 * only the records published after its last checkpoint (O(new records), not O(history)). The heap
 * it takes is bounded by its page cache ({@code cacheMb}) whatever the number of keys; the values
 * live in the file.
 *
 * <p>A store belongs to one set of topics: its {@linkplain #identity() identity} names them and
 * their topic ids, and a view that finds another identity (a topic deleted and made again, another
 * cluster) {@linkplain #reset clears} it and reads from the beginning. A file another process holds
 * (MVStore locks it) is skipped for the next free sibling ({@code name.1.mv.db}, {@code
 * name.2.mv.db}, ...), so two workers on one host with the same state folder each get their own; a
 * corrupt file is deleted and the view rebuilds from the topics, which are the truth.
 *
 * <p>Crash safety: a checkpoint commits values and offsets in one MVStore chunk. Between two
 * checkpoints MVStore may write values on its own (auto-commit), so after a crash the store can
 * hold values newer than its offsets: the view then reads those records again and folds them once
 * more, which is why a view's merge must be idempotent (folding a record twice changes nothing).
 *
 * <p>Thread-safe (MVMap is a concurrent map).
 */
final class ViewStore implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ViewStore.class);

  /** Bump when the layout of what is stored changes: older files are then rebuilt. */
  static final int FORMAT = 1;

  /**
   * Unsaved changes MVStore keeps in memory before it writes them on its own, KiB: larger than its
   * default (1 MiB), so a view catching up on millions of records rewrites fewer pages (the file is
   * log-structured: every write of a page leaves the old copy as garbage until compaction).
   */
  static final int AUTO_COMMIT_KB = 8 * 1024;

  /** At most this long is spent compacting the file when a view closes, ms. */
  static final int CLOSE_COMPACT_MS = 2000;

  /** How many sibling files to try when the first ones are locked by other processes. */
  static final int SIBLINGS = 16;

  private final MVStore store;
  private final MVMap<String, byte[]> values;
  private final MVMap<String, Long> offsets;
  private final MVMap<String, String> meta;
  private final Path file;

  private ViewStore(Path file, int cacheMb) {
    this.file = file;
    this.store =
        new MVStore.Builder()
            .fileName(file.toString())
            .cacheSize(cacheMb)
            .autoCommitBufferSize(AUTO_COMMIT_KB)
            .compress()
            .open();
    this.values = store.openMap("values");
    this.offsets = store.openMap("offsets");
    this.meta = store.openMap("meta");
  }

  /**
   * Opens (or makes) the store {@code name} in {@code dir}: the first of {@code name.mv.db}, {@code
   * name.1.mv.db}, ... no other process holds.
   *
   * @param dir the state folder (made if missing)
   * @param name the view's file name, without extension ({@code [A-Za-z0-9._-]+})
   * @param cacheMb MVStore's page cache, MiB, at least 1
   * @throws IllegalArgumentException if {@code name} or {@code cacheMb} is out of range
   * @throws UncheckedIOException if the folder cannot be made or every sibling is locked or broken
   */
  static ViewStore open(Path dir, String name, int cacheMb) {
    if (!name.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("view store name must match [A-Za-z0-9._-]+: " + name);
    }
    if (cacheMb < 1) {
      throw new IllegalArgumentException("cacheMb must be >= 1, was " + cacheMb);
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make the state folder " + dir, e);
    }
    for (int i = 0; i < SIBLINGS; i++) {
      Path f = dir.resolve(i == 0 ? name + ".mv.db" : name + "." + i + ".mv.db");
      try {
        return new ViewStore(f, cacheMb);
      } catch (MVStoreException e) {
        if (e.getErrorCode() == DataUtils.ERROR_FILE_LOCKED) {
          continue; // another process's view
        }
        log.warn("view store {} unreadable ({}); deleting it, the view rebuilds", f, e.toString());
        try {
          Files.deleteIfExists(f);
          return new ViewStore(f, cacheMb);
        } catch (IOException | MVStoreException again) {
          log.warn("view store {} cannot be made again: {}", f, again.toString());
        }
      }
    }
    throw new UncheckedIOException(
        new IOException(
            "no usable view store "
                + name
                + " in "
                + dir
                + " (the first "
                + SIBLINGS
                + " files are locked by other processes or broken)"));
  }

  /** The file this store lives in. */
  Path file() {
    return file;
  }

  /** What the store was filled from (see {@link #reset}), or {@code null} for a new store. */
  @Nullable String identity() {
    return meta.get("identity");
  }

  /**
   * Clears values and offsets and records the identity of what they will be read from (format,
   * topics, topic ids), committed.
   */
  void reset(String identity) {
    values.clear();
    offsets.clear();
    meta.put("identity", identity);
    store.commit();
  }

  /** The offset each partition was read up to (the next offset to read) at the last checkpoint. */
  Map<TopicPartition, Long> offsets() {
    Map<TopicPartition, Long> out = new HashMap<>();
    offsets.forEach((k, v) -> out.put(partition(k), v));
    return out;
  }

  /**
   * Records that every record below {@code positions} is folded into the values, and commits values
   * and offsets together.
   */
  void checkpoint(Map<TopicPartition, Long> positions) {
    positions.forEach((tp, off) -> offsets.put(tp.topic() + ":" + tp.partition(), off));
    store.commit();
  }

  /** The value of {@code key}, or {@code null}. */
  byte @Nullable [] get(String key) {
    return values.get(key);
  }

  /** Sets the value of {@code key} (written at the next commit). */
  void put(String key, byte[] value) {
    values.put(key, value);
  }

  /** Calls {@code action} with every key and value (a snapshot: MVMap's iterators are). */
  void forEach(BiConsumer<String, byte[]> action) {
    for (Map.Entry<String, byte[]> e : values.entrySet()) {
      action.accept(e.getKey(), e.getValue());
    }
  }

  /** Number of keys. */
  long size() {
    return values.sizeAsLong();
  }

  /**
   * Commits what is pending, compacts the file for at most {@link #CLOSE_COMPACT_MS} and closes it.
   */
  @Override
  public void close() {
    if (!store.isClosed()) {
      store.close(CLOSE_COMPACT_MS);
    }
  }

  private static TopicPartition partition(String key) {
    int colon = key.lastIndexOf(':');
    return new TopicPartition(key.substring(0, colon), Integer.parseInt(key.substring(colon + 1)));
  }
}
