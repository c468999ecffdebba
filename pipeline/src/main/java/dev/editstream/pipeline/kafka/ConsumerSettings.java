package dev.editstream.pipeline.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Settings of one {@link ReactiveKafkaConsumer}.
 *
 * @param bootstrapServers Kafka bootstrap servers, {@code host:port[,host:port]}
 * @param groupId the consumer group
 * @param topics topics to subscribe to, at least one
 * @param maxInFlight records handed downstream and not yet acknowledged before all assigned
 *     partitions are paused (backpressure), &gt;= 1
 * @param pollTimeout how long one {@code poll} may wait, &gt; 0 (also the pause and commit reaction
 *     time; a paused consumer resumes as soon as enough records are acknowledged)
 * @param commitInterval how often completed offsets are committed, &gt; 0
 * @param extra further consumer properties (override the defaults)
 */
public record ConsumerSettings(
    String bootstrapServers,
    String groupId,
    List<String> topics,
    int maxInFlight,
    Duration pollTimeout,
    Duration commitInterval,
    Map<String, Object> extra) {

  /**
   * @throws IllegalArgumentException naming the setting that breaks its rule
   */
  public ConsumerSettings {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("bootstrapServers must not be empty");
    }
    if (groupId == null || groupId.isBlank()) {
      throw new IllegalArgumentException("groupId must not be empty");
    }
    if (topics == null || topics.isEmpty()) {
      throw new IllegalArgumentException("topics must name at least one topic");
    }
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be >= 1, was " + maxInFlight);
    }
    if (pollTimeout == null || pollTimeout.isZero() || pollTimeout.isNegative()) {
      throw new IllegalArgumentException("pollTimeout must be > 0");
    }
    if (commitInterval == null || commitInterval.isZero() || commitInterval.isNegative()) {
      throw new IllegalArgumentException("commitInterval must be > 0");
    }
    topics = List.copyOf(topics);
    extra = extra == null ? Map.of() : Map.copyOf(extra);
  }

  /** Defaults: poll 100 ms, commit every 200 ms. */
  public static ConsumerSettings of(
      String bootstrapServers, String groupId, List<String> topics, int maxInFlight) {
    return new ConsumerSettings(
        bootstrapServers,
        groupId,
        topics,
        maxInFlight,
        Duration.ofMillis(100),
        Duration.ofMillis(200),
        Map.of());
  }
}
