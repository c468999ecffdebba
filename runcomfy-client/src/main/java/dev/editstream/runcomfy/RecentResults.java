package dev.editstream.runcomfy;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The full (possibly signed) output URLs of results this process has just read, handed from the
 * poller to the downloader when both run in one process, so the downloader need not ask RunComfy
 * for the same result again ({@code GET /requests/{request_id}/result}). Events never carry signed
 * URLs (their query strings are stripped), which is why, without this, the downloader re-reads
 * every result. Memory only, never logged or published ({@link #toString} shows the sizes only).
 * Bounded by entries and by an estimate of their bytes ({@link #weight}): past either, the oldest
 * are dropped (their jobs then re-read the result, as a downloader in another process always does).
 * Thread-safe.
 */
public final class RecentResults {
  /** Bytes counted per entry on top of its characters (map entry, list, string headers). */
  static final int ENTRY_OVERHEAD_BYTES = 160;

  private final int capacity;
  private final long maxBytes;
  private final Map<String, List<String>> byRequest = new LinkedHashMap<>();
  private long bytes;

  /**
   * Bounded by entries only.
   *
   * @param capacity most results held, &gt;= 1
   * @throws IllegalArgumentException if {@code capacity} &lt; 1
   */
  public RecentResults(int capacity) {
    this(capacity, Long.MAX_VALUE);
  }

  /**
   * @param capacity most results held, &gt;= 1
   * @param maxBytes most bytes held by the estimate of {@link #weight}, &gt;= 1; a single result
   *     over it is not held at all
   * @throws IllegalArgumentException if {@code capacity} or {@code maxBytes} is below 1 (the
   *     message names it)
   */
  public RecentResults(int capacity, long maxBytes) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
    }
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be >= 1, was " + maxBytes);
    }
    this.capacity = capacity;
    this.maxBytes = maxBytes;
  }

  /**
   * The estimated heap bytes of one entry: {@value #ENTRY_OVERHEAD_BYTES} plus one byte per
   * character of the request_id and of every URL (Latin-1 strings, as URLs are).
   */
  static long weight(String requestId, List<String> outputUrls) {
    long w = ENTRY_OVERHEAD_BYTES + requestId.length();
    for (String u : outputUrls) {
      w += u.length() + 16;
    }
    return w;
  }

  /** Keeps the output URLs (as RunComfy returned them) of a completed request. */
  public synchronized void put(String requestId, List<String> outputUrls) {
    List<String> urls = List.copyOf(outputUrls);
    long w = weight(requestId, urls);
    List<String> previous = byRequest.remove(requestId);
    if (previous != null) {
      bytes -= weight(requestId, previous);
    }
    if (w > maxBytes) {
      return;
    }
    byRequest.put(requestId, urls);
    bytes += w;
    Iterator<Map.Entry<String, List<String>>> oldest = byRequest.entrySet().iterator();
    while (byRequest.size() > capacity || bytes > maxBytes) {
      Map.Entry<String, List<String>> e = oldest.next();
      bytes -= weight(e.getKey(), e.getValue());
      oldest.remove();
    }
  }

  /**
   * The output URLs of {@code requestId}, removed from here; empty when not (or no longer) held.
   */
  public synchronized Optional<List<String>> take(String requestId) {
    List<String> urls = byRequest.remove(requestId);
    if (urls != null) {
      bytes -= weight(requestId, urls);
    }
    return Optional.ofNullable(urls);
  }

  /** Results held now. */
  public synchronized int size() {
    return byRequest.size();
  }

  /** The estimated bytes held now ({@link #weight} summed). */
  public synchronized long bytes() {
    return bytes;
  }

  @Override
  public synchronized String toString() {
    return "RecentResults["
        + byRequest.size()
        + " of "
        + capacity
        + ", "
        + bytes
        + " of "
        + (maxBytes == Long.MAX_VALUE ? "unbounded" : String.valueOf(maxBytes))
        + " bytes]";
  }
}
