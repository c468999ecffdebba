package dev.editstream.emulator;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;

/**
 * Immutable, validated settings of a {@link RunComfyEmulator}. The compact constructor rejects bad
 * values with an {@link IllegalArgumentException} whose message names the field; {@link
 * #defaults(Path, String)} and the {@code with...} copy methods build valid instances.
 *
 * <p>Fault rates are probabilities in {@code 0..1}, drawn from streams seeded by {@link #seed()}:
 * the same sequence of calls meets the same faults (see {@link FaultPlan}).
 *
 * @param host interface to bind, default {@code 127.0.0.1}; a wildcard ({@code 0.0.0.0}, {@code ::})
 *     binds every interface and URLs then name {@code 127.0.0.1}
 * @param port TCP port, {@code 0} = ephemeral (read it back with {@link RunComfyEmulator#port()})
 * @param tokens bearer tokens accepted on API calls (not on file downloads); non-empty, no blanks
 * @param outputDir directory where output files are written, one sub-directory per request_id
 * @param latencyMinMs shortest {@code in_progress} time of a job, ms (default 300)
 * @param latencyMaxMs longest {@code in_progress} time of a job, ms, {@code >= latencyMinMs} (default 900)
 * @param concurrency how many jobs are {@code in_progress} at once; the others wait {@code in_queue}
 *     (default 8)
 * @param rate429 share of API calls answered 429 with {@code Retry-After: 1}
 * @param rate5xx share of API calls answered 503 with error_code 500001
 * @param failedJobRate share of accepted jobs that end {@code failed} ("upstream model error")
 * @param slowRate share of API calls answered only after {@link #slowMs()}
 * @param slowMs delay of a slow answer, ms
 * @param hangRate share of API calls never answered (the client must time out)
 * @param truncateRate share of file downloads cut short: the Content-Length announces the whole
 *     file, half of it is sent, then the connection closes
 * @param seed seed of every random draw (faults, latencies)
 * @param fetchInputs whether jobs fetch their input URLs and derive outputs from them (default
 *     {@code true}); when {@code false} outputs are synthetic pictures and no input is fetched
 */
public record EmulatorConfig(
    String host,
    int port,
    Set<String> tokens,
    Path outputDir,
    long latencyMinMs,
    long latencyMaxMs,
    int concurrency,
    double rate429,
    double rate5xx,
    double failedJobRate,
    double slowRate,
    long slowMs,
    double hangRate,
    double truncateRate,
    long seed,
    boolean fetchInputs) {

  /** Default {@link #host()}. */
  public static final String DEFAULT_HOST = "127.0.0.1";
  /** Default {@link #latencyMinMs()}, ms. */
  public static final long DEFAULT_LATENCY_MIN_MS = 300;
  /** Default {@link #latencyMaxMs()}, ms. */
  public static final long DEFAULT_LATENCY_MAX_MS = 900;
  /** Default {@link #concurrency()}. */
  public static final int DEFAULT_CONCURRENCY = 8;
  /** Default {@link #slowMs()}, ms. */
  public static final long DEFAULT_SLOW_MS = 3_000;

  /**
   * Validates every field.
   *
   * @throws IllegalArgumentException naming the first invalid field
   */
  public EmulatorConfig {
    require(host != null && !host.isBlank(), "host", "must not be blank");
    require(port >= 0 && port <= 65_535, "port", "must be 0..65535, was " + port);
    require(tokens != null && !tokens.isEmpty(), "tokens", "must hold at least one token");
    require(tokens.stream().noneMatch(t -> t == null || t.isBlank()), "tokens", "must not contain a blank token");
    tokens = Set.copyOf(tokens);
    require(outputDir != null, "outputDir", "must be set");
    require(latencyMinMs >= 0, "latencyMinMs", "must be >= 0, was " + latencyMinMs);
    require(latencyMaxMs >= latencyMinMs, "latencyMaxMs", "must be >= latencyMinMs (" + latencyMinMs + "), was " + latencyMaxMs);
    require(concurrency >= 1, "concurrency", "must be >= 1, was " + concurrency);
    rate("rate429", rate429);
    rate("rate5xx", rate5xx);
    rate("failedJobRate", failedJobRate);
    rate("slowRate", slowRate);
    require(slowMs >= 0, "slowMs", "must be >= 0, was " + slowMs);
    rate("hangRate", hangRate);
    rate("truncateRate", truncateRate);
  }

  /**
   * A fault-free configuration on {@code 127.0.0.1}, ephemeral port, one token, latency 300..900 ms,
   * concurrency 8, seed 0, inputs fetched.
   *
   * @throws IllegalArgumentException if the token is blank or outputDir null
   */
  public static EmulatorConfig defaults(Path outputDir, String token) {
    Objects.requireNonNull(token, "token");
    return new EmulatorConfig(DEFAULT_HOST, 0, Set.of(token), outputDir, DEFAULT_LATENCY_MIN_MS,
        DEFAULT_LATENCY_MAX_MS, DEFAULT_CONCURRENCY, 0, 0, 0, 0, DEFAULT_SLOW_MS, 0, 0, 0L, true);
  }

  /** A copy bound to {@code host}. */
  public EmulatorConfig withHost(String host) {
    return new EmulatorConfig(host, port, tokens, outputDir, latencyMinMs, latencyMaxMs, concurrency, rate429, rate5xx, failedJobRate, slowRate, slowMs, hangRate, truncateRate, seed, fetchInputs);
  }

  /** A copy on TCP {@code port} (0 = ephemeral). */
  public EmulatorConfig withPort(int port) {
    return new EmulatorConfig(host, port, tokens, outputDir, latencyMinMs, latencyMaxMs, concurrency, rate429, rate5xx, failedJobRate, slowRate, slowMs, hangRate, truncateRate, seed, fetchInputs);
  }

  /** A copy accepting exactly these bearer tokens. */
  public EmulatorConfig withTokens(Set<String> tokens) {
    return new EmulatorConfig(host, port, tokens, outputDir, latencyMinMs, latencyMaxMs, concurrency, rate429, rate5xx, failedJobRate, slowRate, slowMs, hangRate, truncateRate, seed, fetchInputs);
  }

  /** A copy whose jobs stay {@code in_progress} between {@code minMs} and {@code maxMs} (inclusive). */
  public EmulatorConfig withLatency(long minMs, long maxMs) {
    return new EmulatorConfig(host, port, tokens, outputDir, minMs, maxMs, concurrency, rate429, rate5xx, failedJobRate, slowRate, slowMs, hangRate, truncateRate, seed, fetchInputs);
  }

  /** A copy running at most {@code concurrency} jobs at once. */
  public EmulatorConfig withConcurrency(int concurrency) {
    return new EmulatorConfig(host, port, tokens, outputDir, latencyMinMs, latencyMaxMs, concurrency, rate429, rate5xx, failedJobRate, slowRate, slowMs, hangRate, truncateRate, seed, fetchInputs);
  }

  /** A copy answering this share (0..1) of API calls with 429. */
  public EmulatorConfig withRate429(double rate429) {
    return new EmulatorConfig(host, port, tokens, outputDir, latencyMinMs, latencyMaxMs, concurrency, rate429, rate5xx, failedJobRate, slowRate, slowMs, hangRate, truncateRate, seed, fetchInputs);
  }

  /** A copy answering this share (0..1) of API calls with 503. */
  public EmulatorConfig withRate5xx(double rate5xx) {
    return new EmulatorConfig(host, port, tokens, outputDir, latencyMinMs, latencyMaxMs, concurrency, rate429, rate5xx, failedJobRate, slowRate, slowMs, hangRate, truncateRate, seed, fetchInputs);
  }

  /** A copy where this share (0..1) of jobs ends {@code failed}. */
  public EmulatorConfig withFailedJobRate(double failedJobRate) {
    return new EmulatorConfig(host, port, tokens, outputDir, latencyMinMs, latencyMaxMs, concurrency, rate429, rate5xx, failedJobRate, slowRate, slowMs, hangRate, truncateRate, seed, fetchInputs);
  }

  /** A copy answering this share (0..1) of API calls after {@code slowMs} ms. */
  public EmulatorConfig withSlow(double slowRate, long slowMs) {
    return new EmulatorConfig(host, port, tokens, outputDir, latencyMinMs, latencyMaxMs, concurrency, rate429, rate5xx, failedJobRate, slowRate, slowMs, hangRate, truncateRate, seed, fetchInputs);
  }

  /** A copy never answering this share (0..1) of API calls. */
  public EmulatorConfig withHangRate(double hangRate) {
    return new EmulatorConfig(host, port, tokens, outputDir, latencyMinMs, latencyMaxMs, concurrency, rate429, rate5xx, failedJobRate, slowRate, slowMs, hangRate, truncateRate, seed, fetchInputs);
  }

  /** A copy truncating this share (0..1) of file downloads. */
  public EmulatorConfig withTruncateRate(double truncateRate) {
    return new EmulatorConfig(host, port, tokens, outputDir, latencyMinMs, latencyMaxMs, concurrency, rate429, rate5xx, failedJobRate, slowRate, slowMs, hangRate, truncateRate, seed, fetchInputs);
  }

  /** A copy drawing faults and latencies from {@code seed}. */
  public EmulatorConfig withSeed(long seed) {
    return new EmulatorConfig(host, port, tokens, outputDir, latencyMinMs, latencyMaxMs, concurrency, rate429, rate5xx, failedJobRate, slowRate, slowMs, hangRate, truncateRate, seed, fetchInputs);
  }

  /** A copy that does ({@code true}) or does not fetch job inputs. */
  public EmulatorConfig withFetchInputs(boolean fetchInputs) {
    return new EmulatorConfig(host, port, tokens, outputDir, latencyMinMs, latencyMaxMs, concurrency, rate429, rate5xx, failedJobRate, slowRate, slowMs, hangRate, truncateRate, seed, fetchInputs);
  }

  private static void rate(String field, double value) {
    require(value >= 0.0 && value <= 1.0, field, "must be a probability 0..1, was " + value);
  }

  private static void require(boolean ok, String field, String rule) {
    if (!ok) {
      throw new IllegalArgumentException("EmulatorConfig." + field + " " + rule);
    }
  }
}
