package dev.editstream.pipeline.kafka;

import java.util.TreeSet;

/**
 * Tracks the records of one partition handed to processing and finished out of order, and tells
 * which offset may be committed: the smallest offset still in flight, or one past the highest
 * offset seen when none is in flight. So a commit never skips an unfinished record (the pattern of
 * reactor-kafka's {@code CommittableBatch}). Pure, not thread-safe: owned by the poll thread.
 */
public final class OffsetTracker {
  private final TreeSet<Long> inFlight = new TreeSet<>();
  private long highestSeen = -1;
  private long lastCommitted = -1;

  /**
   * Records that {@code offset} was handed to processing.
   *
   * @throws IllegalArgumentException if offsets do not arrive in increasing order
   */
  public void add(long offset) {
    if (offset <= highestSeen) {
      throw new IllegalArgumentException("offset " + offset + " not after " + highestSeen);
    }
    highestSeen = offset;
    inFlight.add(offset);
  }

  /** Records that processing of {@code offset} finished; unknown offsets are ignored. */
  public void complete(long offset) {
    inFlight.remove(offset);
  }

  /** Number of records handed out and not finished. */
  public int inFlight() {
    return inFlight.size();
  }

  /**
   * The offset to commit now (Kafka's "next offset to read"), or -1 when it would not move the
   * committed position forward.
   */
  public long committable() {
    if (highestSeen < 0) {
      return -1;
    }
    long next = inFlight.isEmpty() ? highestSeen + 1 : inFlight.first();
    return next > lastCommitted ? next : -1;
  }

  /** Notes that {@code offset} was committed (so {@link #committable()} stops offering it). */
  public void committed(long offset) {
    lastCommitted = Math.max(lastCommitted, offset);
  }
}
