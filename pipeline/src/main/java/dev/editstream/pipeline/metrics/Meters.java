package dev.editstream.pipeline.metrics;

/**
 * Every meter of editstream, in one place: name, type, tags and meaning. Tags never carry a job id,
 * a token or a URL.
 */
public enum Meters {
  /** Counter, tags stage: records taken from a stage's input topic. */
  JOBS_IN("editstream.jobs.in", "records taken from a stage's input topic"),
  /** Counter, tags stage, model: jobs a stage finished and handed on. */
  STAGE_SUCCEEDED("editstream.stage.succeeded", "jobs a stage finished and handed on"),
  /** Counter, tags model: jobs whose outputs are all on disk. */
  JOBS_DONE("editstream.jobs.done", "jobs whose outputs are all on disk"),
  /** Counter, tags stage, exit_class: jobs that ended on the failure topic. */
  JOBS_FAILED("editstream.jobs.failed", "jobs that ended on the failure topic"),
  /** Counter, tags stage, exit_class: retries sent to a delay topic. */
  RETRIES("editstream.jobs.retries", "retries sent to a delay topic"),
  /** Counter, tags stage: undecodable records sent to the failure topic. */
  POISON("editstream.records.poison", "undecodable records sent to the failure topic"),
  /** Counter, tags stage: events skipped because their job had already ended (redeliveries). */
  SKIPPED("editstream.stage.skipped", "events skipped because their job had already ended"),
  /** Counter: jobs failed because their POST may have been accepted (answer lost). */
  MAY_HAVE_BEEN_SUBMITTED(
      "editstream.jobs.may_have_been_submitted",
      "jobs whose POST may have been accepted though its answer was lost"),
  /** Gauge: 1 while submission is paused for an account fault (401/403/402), else 0. */
  ACCOUNT_PAUSED("editstream.account.paused", "1 while submission is paused for an account fault"),
  /** Timer, tags stage, model: time a stage spent on one job (ms). */
  STAGE_LATENCY("editstream.stage.latency", "time a stage spent on one job"),
  /**
   * Timer: per output file, response headers to the last byte written (network, hash, page cache).
   */
  DOWNLOAD_STREAMING(
      "editstream.download.streaming",
      "per output file, response headers to the last byte written"),
  /**
   * Timer: per output file, the final wait for background syncs, fsync, close and atomic rename.
   */
  DOWNLOAD_COMMIT(
      "editstream.download.commit", "per output file, final fsync, close and atomic rename"),
  /** Counter: bytes of output files written and committed. */
  DOWNLOAD_BYTES("editstream.download.bytes", "bytes of output files written and committed"),
  /** Counter: background fdatasyncs started while output files streamed (large files only). */
  DOWNLOAD_BACKGROUND_SYNCS(
      "editstream.download.background_syncs",
      "background fdatasyncs started while output files streamed"),
  /**
   * Counter, tag {@code model}: RunComfy's actual cost of the jobs this process finished, USD
   * ({@code result?include_cost=true}).
   */
  COST_USD("editstream.cost.usd", "RunComfy's actual cost of the jobs finished, USD"),
  /** Counter, tags stage: stage chains that ended in error and were restarted. */
  STAGE_RESTARTS(
      "editstream.stage.restarts", "stage chains that ended in error and were restarted"),
  /** Counter, tags stage: 429 (Too Many Requests) answers from RunComfy. */
  PROVIDER_THROTTLED(
      "editstream.provider.throttled", "429 (Too Many Requests) answers from RunComfy"),
  /** Gauge, tags stage: records on the stage's input partitions past its consumers' positions. */
  STAGE_LAG(
      "editstream.stage.lag",
      "records on the stage's input partitions not yet read (consumer lag)"),
  /**
   * Gauge (seconds), tags stage: age of the oldest record the stage holds, from its record
   * timestamp.
   */
  STAGE_OLDEST_AGE(
      "editstream.stage.oldest.age",
      "age of the oldest record the stage holds, from its record timestamp"),
  /**
   * Gauge, tags stage: 1 while both chains of the stage run, 0 between a failure and its restart.
   */
  STAGE_ALIVE("editstream.stage.alive", "1 while the stage's chains run");

  private final String meterName;
  private final String description;

  Meters(String meterName, String description) {
    this.meterName = meterName;
    this.description = description;
  }

  /** The Micrometer meter name. */
  public String meterName() {
    return meterName;
  }

  /** What it counts. */
  public String description() {
    return description;
  }
}
