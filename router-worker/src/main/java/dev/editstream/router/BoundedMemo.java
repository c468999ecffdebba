package dev.editstream.router;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A bounded, thread-safe memo of a pure function of a (name, text) pair, for the lexicon's regex
 * scans: a bulk batch usually repeats one prompt over thousands of jobs (one instruction for a
 * whole SKU gallery), and every job would otherwise run every cue pattern of every language again.
 *
 * <p>Bounds: texts longer than {@code maxTextChars} are computed and not stored; when {@code
 * maxEntries} is reached the memo is emptied and starts again (a batch of all-distinct prompts pays
 * one map insert per scan and nothing more; a batch of a few prompts stays memoised). So it holds
 * at most {@code maxEntries × maxTextChars} chars of keys. Values must be immutable.
 *
 * @param <V> the memoised value (immutable)
 */
final class BoundedMemo<V> {
  private record Key(String name, String text) {}

  private final ConcurrentHashMap<Key, V> map = new ConcurrentHashMap<>();
  private final int maxEntries;
  private final int maxTextChars;
  private final AtomicLong hits = new AtomicLong();
  private final AtomicLong misses = new AtomicLong();

  /**
   * @param maxEntries most entries held, &gt;= 1
   * @param maxTextChars longest text memoised, chars, &gt;= 0
   * @throws IllegalArgumentException naming the argument that breaks its rule
   */
  BoundedMemo(int maxEntries, int maxTextChars) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be >= 1, was " + maxEntries);
    }
    if (maxTextChars < 0) {
      throw new IllegalArgumentException("maxTextChars must be >= 0, was " + maxTextChars);
    }
    this.maxEntries = maxEntries;
    this.maxTextChars = maxTextChars;
  }

  /** {@code fn.apply(text)}, from the memo when the pair was seen; {@code fn} must be pure. */
  V get(String name, String text, Function<String, V> fn) {
    Objects.requireNonNull(text, "text");
    if (text.length() > maxTextChars) {
      misses.incrementAndGet();
      return fn.apply(text);
    }
    Key key = new Key(name, text);
    V v = map.get(key);
    if (v != null) {
      hits.incrementAndGet();
      return v;
    }
    misses.incrementAndGet();
    v = fn.apply(text);
    if (map.size() >= maxEntries) {
      map.clear();
    }
    map.put(key, v);
    return v;
  }

  /** Entries held now. */
  int size() {
    return map.size();
  }

  /** Answers served from the memo since creation. */
  long hits() {
    return hits.get();
  }

  /** Answers computed since creation (not memoised, or too long to memoise). */
  long misses() {
    return misses.get();
  }
}
