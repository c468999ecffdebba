package dev.editstream.pipeline.stage;

import dev.editstream.core.Backoff;
import dev.editstream.core.event.Stage;
import java.time.Duration;

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
 */
public record StageSettings(
    Stage stage,
    String bootstrapServers,
    int concurrency,
    int maxAttempts,
    Backoff backoff,
    int retryHold,
    Duration shutdownGrace) {

  /** @throws IllegalArgumentException naming the setting that breaks its rule */
  public StageSettings {
    if (stage == null || stage == Stage.PRODUCER) {
      throw new IllegalArgumentException("stage must be router, poller or downloader");
    }
    if (concurrency < 1) {
      throw new IllegalArgumentException(stage.wire() + ".concurrency must be >= 1, was " + concurrency);
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException(stage.wire() + ".maxAttempts must be >= 1, was " + maxAttempts);
    }
    if (retryHold < 1) {
      throw new IllegalArgumentException(stage.wire() + ".retryHold must be >= 1, was " + retryHold);
    }
  }

  /** The consumer group of the stage's input topic. */
  public String groupId() {
    return "editstream-" + stage.wire();
  }
}
