package dev.editstream.pipeline.stage;

import dev.editstream.core.Backoff;
import dev.editstream.core.event.Stage;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Settings of one {@link StageRunner}.
 *
 * @param stage which stage (router, poller or downloader)
 * @param bootstrapServers Kafka bootstrap servers
 * @param concurrency jobs handled at once by this process, &gt;= 1 (may exceed the partition count)
 * @param maxAttempts attempts per job for retryable classes (69, 75) before it fails, &gt;= 1
 * @param backoff delay before each retry (exponential, full jitter; Retry-After wins when longer)
 * @param retryHold records held on the delay topic at once, waiting for their due time, &gt;= 1
 * @param shutdownGrace how long close waits for jobs in flight
 * @param instanceId static group membership id ({@code group.instance.id}) so a restarted worker
 *     takes its partitions back at once instead of after the session timeout; {@code null} for
 *     dynamic membership
 * @param jobDeadline longest time from a job's acceptance ({@code created_at}) within which a retry
 *     may still be scheduled; a retry due later fails the job with reason {@code deadline}
 */
public record StageSettings(
    Stage stage,
    String bootstrapServers,
    int concurrency,
    int maxAttempts,
    Backoff backoff,
    int retryHold,
    Duration shutdownGrace,
    @Nullable String instanceId,
    Duration jobDeadline) {

  /**
   * @throws IllegalArgumentException naming the setting that breaks its rule
   */
  public StageSettings {
    if (stage == null || stage == Stage.PRODUCER) {
      throw new IllegalArgumentException("stage must be router, poller or downloader");
    }
    if (concurrency < 1) {
      throw new IllegalArgumentException(
          stage.wire() + ".concurrency must be >= 1, was " + concurrency);
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException(
          stage.wire() + ".maxAttempts must be >= 1, was " + maxAttempts);
    }
    if (instanceId != null && !instanceId.matches("[A-Za-z0-9._-]{1,100}")) {
      throw new IllegalArgumentException(
          "instance id must match [A-Za-z0-9._-]{1,100}, was \"" + instanceId + "\"");
    }
    if (jobDeadline == null || jobDeadline.isZero() || jobDeadline.isNegative()) {
      throw new IllegalArgumentException(stage.wire() + ".jobDeadline must be > 0");
    }
    if (retryHold < 1) {
      throw new IllegalArgumentException(
          stage.wire() + ".retryHold must be >= 1, was " + retryHold);
    }
  }

  /** Consumer properties for static membership, empty without an instance id. */
  public java.util.Map<String, Object> membership() {
    return instanceId == null
        ? java.util.Map.of()
        : java.util.Map.of("group.instance.id", instanceId);
  }
}
