package dev.editstream.pipeline.kafka;

import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Where a view with a local store starts reading, decided from what the store says and what the
 * topics hold now. Pure (no Kafka types, no I/O): a partition is any key {@code P}, an offset a
 * {@code long}.
 *
 * <p>The store's offsets are used only when all of these hold; otherwise the store is cleared and
 * every partition is read from the beginning (the topics are the truth, the store a cache of them):
 *
 * <ul>
 *   <li>the store was filled from the same topics, same topic ids, same store format (its
 *       identity): a topic deleted and made again under the same name, or another cluster, has
 *       other topic ids;
 *   <li>no stored offset lies past its partition's end (the log was cut or replaced);
 *   <li>no stored offset lies before its partition's first offset (records the store never saw were
 *       deleted: what they said is lost, so the store may hold a value a later record would have
 *       replaced). Compacted topics keep their first offset, so this does not happen to the views'
 *       topics in normal operation.
 * </ul>
 *
 * A partition the store has no offset for (added since) is read from its beginning.
 */
public final class ViewResume {
  private ViewResume() {}

  /**
   * The decision.
   *
   * @param reset whether the store must be cleared first
   * @param why why it is cleared (for the log), or {@code ""}
   * @param from per partition, the offset to read from (absent: from the beginning)
   * @param <P> the partition key
   */
  public record Plan<P>(boolean reset, String why, Map<P, Long> from) {}

  /**
   * A store's identity: its format and each topic with its topic id, in a stable order.
   *
   * @param format the store format ({@link ViewStore#FORMAT})
   * @param topicIds topic name → topic id
   * @return e.g. {@code v1 editstream.jobs.done=AbC.. editstream.jobs.failed=XyZ..}
   */
  public static String identity(int format, Map<String, String> topicIds) {
    StringBuilder sb = new StringBuilder("v").append(format);
    new TreeMap<>(topicIds).forEach((t, id) -> sb.append(' ').append(t).append('=').append(id));
    return sb.toString();
  }

  /**
   * Decides where to start.
   *
   * @param storedIdentity the store's identity, or {@code null} for a new store
   * @param identity the identity of the topics now
   * @param stored the store's offsets (next offset to read) per partition
   * @param beginning each partition's first offset now
   * @param end each partition's end offset now
   * @param <P> the partition key
   * @return the plan
   */
  public static <P> Plan<P> plan(
      @Nullable String storedIdentity,
      String identity,
      Map<P, Long> stored,
      Map<P, Long> beginning,
      Map<P, Long> end) {
    if (storedIdentity == null) {
      return new Plan<>(true, "new store", Map.of());
    }
    if (!storedIdentity.equals(identity)) {
      return new Plan<>(
          true,
          "the topics are not those the store was filled from (deleted and made again, another"
              + " cluster, or another store format)",
          Map.of());
    }
    for (Map.Entry<P, Long> e : stored.entrySet()) {
      Long last = end.get(e.getKey());
      if (last != null && e.getValue() > last) {
        return new Plan<>(
            true,
            "partition " + e.getKey() + ": checkpoint " + e.getValue() + " is past its end " + last,
            Map.of());
      }
      Long first = beginning.get(e.getKey());
      if (first != null && e.getValue() < first) {
        return new Plan<>(
            true,
            "partition "
                + e.getKey()
                + ": records "
                + e.getValue()
                + ".."
                + (first - 1)
                + " were deleted before the store read them",
            Map.of());
      }
    }
    Map<P, Long> from = new java.util.HashMap<>();
    stored.forEach(
        (p, off) -> {
          if (end.containsKey(p)) {
            from.put(p, off);
          }
        });
    return new Plan<>(false, "", Map.copyOf(from));
  }
}
