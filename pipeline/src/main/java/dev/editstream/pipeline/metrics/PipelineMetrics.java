package dev.editstream.pipeline.metrics;

import dev.editstream.core.event.Stage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Records the pipeline's meters ({@link Meters}) in a Micrometer registry. Thread-safe. */
public final class PipelineMetrics {
  private final MeterRegistry registry;

  public PipelineMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** The registry the meters live in. */
  public MeterRegistry registry() {
    return registry;
  }

  public void jobIn(Stage stage) {
    counter(Meters.JOBS_IN, "stage", stage.wire()).increment();
  }

  public void succeeded(Stage stage, String model, Duration took) {
    counter(Meters.STAGE_SUCCEEDED, "stage", stage.wire(), "model", model).increment();
    Timer.builder(Meters.STAGE_LATENCY.meterName())
        .description(Meters.STAGE_LATENCY.description())
        .tags("stage", stage.wire(), "model", model)
        .register(registry)
        .record(took);
    if (stage == Stage.DOWNLOADER) {
      counter(Meters.JOBS_DONE, "model", model).increment();
    }
  }

  public void failed(Stage stage, int exitClass) {
    counter(Meters.JOBS_FAILED, "stage", stage.wire(), "exit_class", Integer.toString(exitClass))
        .increment();
  }

  public void retried(Stage stage, int exitClass) {
    counter(Meters.RETRIES, "stage", stage.wire(), "exit_class", Integer.toString(exitClass))
        .increment();
  }

  public void skipped(Stage stage) {
    counter(Meters.SKIPPED, "stage", stage.wire()).increment();
  }

  /**
   * Registers the per-stage counters of {@code stage} at zero (jobs in, restarts, 429s, poison
   * records, skipped events), so that they are on {@code /metrics} from the start: an alert on
   * {@code increase(...)} of a counter that does not exist yet can never fire.
   */
  public void registerStage(Stage stage) {
    for (Meters m :
        List.of(
            Meters.JOBS_IN,
            Meters.STAGE_RESTARTS,
            Meters.PROVIDER_THROTTLED,
            Meters.POISON,
            Meters.SKIPPED)) {
      counter(m, "stage", stage.wire());
    }
  }

  /** Counts one restart of a chain of {@code stage} that ended in error. */
  public void stageRestart(Stage stage) {
    counter(Meters.STAGE_RESTARTS, "stage", stage.wire()).increment();
  }

  /** Counts one 429 (Too Many Requests) answer RunComfy gave a call of {@code stage}. */
  public void throttled(Stage stage) {
    counter(Meters.PROVIDER_THROTTLED, "stage", stage.wire()).increment();
  }

  /** Counts one undecodable record of {@code stage}. */
  public void poison(Stage stage) {
    counter(Meters.POISON, "stage", stage.wire()).increment();
  }

  /**
   * Records one committed output file.
   *
   * @param bytes its size, bytes
   * @param streaming response headers to the last byte written
   * @param commit final fsync, close and rename
   * @param backgroundSyncs background fdatasyncs started while it streamed
   */
  public void downloaded(long bytes, Duration streaming, Duration commit, int backgroundSyncs) {
    counter(Meters.DOWNLOAD_BYTES).increment((double) bytes);
    counter(Meters.DOWNLOAD_BACKGROUND_SYNCS).increment(backgroundSyncs);
    timer(Meters.DOWNLOAD_STREAMING).record(streaming);
    timer(Meters.DOWNLOAD_COMMIT).record(commit);
  }

  private Timer timer(Meters m) {
    return Timer.builder(m.meterName()).description(m.description()).register(registry);
  }

  private Counter counter(Meters m, String... tags) {
    return Counter.builder(m.meterName())
        .description(m.description())
        .tags(tags)
        .register(registry);
  }

  /**
   * Adds RunComfy's actual cost of one finished job (the downloader counts it when it publishes the
   * job's {@code done}, so each job counts once across processes).
   *
   * @param model the model_id (a bounded set: the catalog's), or {@code unknown}
   * @param usd the cost in USD, &gt;= 0
   */
  public void cost(@Nullable String model, double usd) {
    counter(Meters.COST_USD, "model", model == null ? "unknown" : model).increment(usd);
  }
}
