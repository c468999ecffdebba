package dev.editstream.emulator;

import java.util.SplittableRandom;

/**
 * Decides, deterministically from {@link EmulatorConfig#seed()}, which fault each API call, job and
 * download meets. Pure: no HTTP types, no clock.
 *
 * <p>Four independent random streams are derived from the seed, one for API calls, one for jobs,
 * one for downloads and one for the answers of accepted submits, so that (for example) the number
 * of status polls does not change which job fails. Every draw consumes a fixed count of numbers
 * from its stream (4 per call, 3 per job, 1 per download, 1 per accepted submit) whatever the
 * outcome or latency model, so a given sequence of calls always meets the same faults and
 * latencies; the accepted-submit stream was added without changing the draws of the other three. A
 * rate of {@code 1.0} always fires and {@code 0.0} never does. Thread-safe.
 */
public final class FaultPlan {
  private static final long CALLS = 0x9E3779B97F4A7C15L;
  private static final long JOBS = 0xC2B2AE3D27D4EB4FL;
  private static final long DOWNLOADS = 0x165667B19E3779F9L;
  private static final long SUBMITS = 0xD6E8FEB86659FD93L;

  /** What an API call meets. */
  public enum Outcome {
    /** answered normally */
    ANSWER,
    /** answered 429 with {@code Retry-After: 1} */
    RATE_LIMITED,
    /** answered 503 with error_code 500001 */
    UNAVAILABLE,
    /** never answered */
    HANG
  }

  /**
   * The fault one API call meets.
   *
   * @param outcome how it is answered
   * @param delayMs delay before the answer, ms ({@code 0} unless the call is slow)
   */
  public record CallFault(Outcome outcome, long delayMs) {}

  /**
   * The fate of one accepted job.
   *
   * @param fails whether the job ends {@code failed} with "upstream model error"
   * @param latencyMs its {@code in_progress} time, ms, drawn from the model's {@link LatencyModel}
   */
  public record JobDraw(boolean fails, long latencyMs) {}

  private final EmulatorConfig config;
  private final SplittableRandom calls;
  private final SplittableRandom jobs;
  private final SplittableRandom downloads;
  private final SplittableRandom submits;

  /** A plan for the rates, latency models and seed of {@code config}. */
  public FaultPlan(EmulatorConfig config) {
    this.config = config;
    this.calls = new SplittableRandom(config.seed() ^ CALLS);
    this.jobs = new SplittableRandom(config.seed() ^ JOBS);
    this.downloads = new SplittableRandom(config.seed() ^ DOWNLOADS);
    this.submits = new SplittableRandom(config.seed() ^ SUBMITS);
  }

  /**
   * The fault of the next API call. Precedence when several fire: hang, then 429, then 5xx; slow
   * adds its delay to whatever answer is given.
   */
  public synchronized CallFault nextCall() {
    boolean hang = calls.nextDouble() < config.hangRate();
    boolean limited = calls.nextDouble() < config.rate429();
    boolean unavailable = calls.nextDouble() < config.rate5xx();
    boolean slow = calls.nextDouble() < config.slowRate();
    Outcome outcome =
        hang
            ? Outcome.HANG
            : limited ? Outcome.RATE_LIMITED : unavailable ? Outcome.UNAVAILABLE : Outcome.ANSWER;
    return new CallFault(outcome, slow && !hang ? config.slowMs() : 0L);
  }

  /**
   * The fate of the next accepted job.
   *
   * @param modelId the job's model_id, choosing its latency model ({@link
   *     EmulatorConfig#latencyFor(String)})
   */
  public synchronized JobDraw nextJob(String modelId) {
    boolean fails = jobs.nextDouble() < config.failedJobRate();
    double u1 = jobs.nextDouble();
    double u2 = jobs.nextDouble();
    return new JobDraw(fails, config.latencyFor(modelId).sample(u1, u2));
  }

  /**
   * Whether the next accepted submit (its job created) is answered with a 504 gateway page instead
   * of its request_id ({@link EmulatorConfig#acceptedThen504Rate()}).
   */
  public synchronized boolean nextAcceptedThen504() {
    return submits.nextDouble() < config.acceptedThen504Rate();
  }

  /** Whether the next file download is truncated. */
  public synchronized boolean nextDownloadTruncated() {
    return downloads.nextDouble() < config.truncateRate();
  }
}
