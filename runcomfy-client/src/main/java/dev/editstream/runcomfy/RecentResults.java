package dev.editstream.runcomfy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The full (possibly signed) output URLs of results this process has just read, handed from the
 * poller to the downloader when both run in one process, so the downloader need not ask RunComfy
 * for the same result again ({@code GET /requests/{request_id}/result}). Events never carry
 * signed URLs (their query strings are stripped), which is why, without this, the downloader
 * re-reads every result. Memory only, never logged or published ({@link #toString} shows the
 * size only). Bounded: past {@code capacity} entries the oldest is dropped (its job then re-reads
 * the result, as a downloader in another process always does). Thread-safe.
 */
public final class RecentResults {
  private final int capacity;
  private final Map<String, List<String>> byRequest;

  /**
   * @param capacity most results held, &gt;= 1
   * @throws IllegalArgumentException if {@code capacity} &lt; 1
   */
  public RecentResults(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
    }
    this.capacity = capacity;
    this.byRequest = new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, List<String>> eldest) {
        return size() > RecentResults.this.capacity;
      }
    };
  }

  /** Keeps the output URLs (as RunComfy returned them) of a completed request. */
  public synchronized void put(String requestId, List<String> outputUrls) {
    byRequest.put(requestId, List.copyOf(outputUrls));
  }

  /** The output URLs of {@code requestId}, removed from here; empty when not (or no longer) held. */
  public synchronized Optional<List<String>> take(String requestId) {
    return Optional.ofNullable(byRequest.remove(requestId));
  }

  /** Results held now. */
  public synchronized int size() {
    return byRequest.size();
  }

  @Override
  public String toString() {
    return "RecentResults[" + size() + " of " + capacity + "]";
  }
}
