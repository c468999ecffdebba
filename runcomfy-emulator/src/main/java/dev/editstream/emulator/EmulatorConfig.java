package dev.editstream.emulator;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Immutable, validated settings of a {@link RunComfyEmulator}. The compact constructor rejects bad
 * values with an {@link IllegalArgumentException} whose message names the field; {@link
 * #defaults(Path, String)} and the {@code with...} copy methods build valid instances.
 *
 * <p>Fault rates are probabilities in {@code 0..1}, drawn from streams seeded by {@link #seed()}:
 * the same sequence of calls meets the same faults (see {@link FaultPlan}). Limits ({@link
 * #providerCap()}, {@link #rateLimitPerSecond()}) apply per account, one account per token;
 * RunComfy does not document its limits, these play a provider's as a load model.
 *
 * @param host interface to bind, default {@code 127.0.0.1}; a wildcard ({@code 0.0.0.0}, {@code
 *     ::}) binds every interface and URLs then name {@code 127.0.0.1}
 * @param port TCP port, {@code 0} = ephemeral (read it back with {@link RunComfyEmulator#port()})
 * @param tokens bearer tokens accepted on API calls (not on file downloads); non-empty, no blanks
 * @param outputDir directory where output files are written, one sub-directory per request_id
 * @param latency {@code in_progress} time of a job, ms (default uniform 300..900)
 * @param modelLatency per model_id overrides of {@link #latency()} (default none)
 * @param concurrency how many jobs are {@code in_progress} at once; the others wait {@code
 *     in_queue} (default 8)
 * @param rate429 share of API calls answered 429 with {@code Retry-After: 1}
 * @param rate5xx share of API calls answered 503 with error_code 500001
 * @param failedJobRate share of accepted jobs that end {@code failed} ("upstream model error")
 * @param slowRate share of API calls answered only after {@link #slowMs()}
 * @param slowMs delay of a slow answer, ms
 * @param hangRate share of API calls never answered (the client must time out)
 * @param truncateRate share of file downloads cut short: the Content-Length announces the whole
 *     file, half of it is sent, then the connection closes
 * @param seed seed of every random draw (faults, latencies, blob content)
 * @param fetchInputs whether jobs fetch their input URLs and derive outputs from them (default
 *     {@code true}); when {@code false} outputs are synthetic pictures and no input is fetched
 * @param providerCap most jobs per account accepted and not yet terminal ({@code in_queue} + {@code
 *     in_progress}); a submit over it is answered 429; {@code 0} = no cap (default)
 * @param capRetryAfterS the {@code Retry-After} of a 429 for the cap, s (default 1)
 * @param rateLimitPerSecond API calls per second per account (token bucket, burst one second's
 *     worth, at least 1); over it a call is answered 429; {@code 0} = no limit (default)
 * @param renderOutputs whether outputs are rendered per job (default {@code true}); when {@code
 *     false} every job's outputs are one tiny PNG (or small MP4 for video models) made at start and
 *     shared, and no input is fetched: for overhead benchmarks at thousands of jobs per second
 * @param blobOutputBytes when {@code > 0}, every job's output is one signed {@code
 *     /_emulator/blob/{bytes}} URL of that size instead of a rendered file, bytes, up to 4 GiB
 *     ({@code 0} = off, default)
 * @param balanceUsd each account's starting balance, USD, finite and {@code >= 0} (default {@value
 *     #DEFAULT_BALANCE_USD}); every completed job debits its cost ({@link Pricing}); a submit while
 *     the balance is {@code <= 0} is answered 402 with error_code 400002 (runcomfy-live-contract.md
 *     §3)
 * @param resultBeforeCompletion the answer of a result GET while the job is queued or running:
 *     {@link ResultBeforeCompletion#ERROR} (default, 400 with error_code 400005, today's RunComfy)
 *     or {@link ResultBeforeCompletion#STATE} (200 with the current state, as {@code
 *     result-not-finished.json} documents)
 * @param statusWords how {@code status} is spelled: {@link StatusWords#LIVE} (default, a
 *     deterministic live spelling per request, e.g. {@code pending}, {@code COMPLETED}) or {@link
 *     StatusWords#DOCUMENTED}
 * @param acceptedThen504Rate share of accepted submits whose job is created, runs and is billed,
 *     but whose answer is an HTTP 504 HTML gateway page instead of the request_id (a gateway timing
 *     out after the body was sent, runcomfy-live-contract.md §4), default 0
 * @param submit503First how many of the first submits are answered 503 with RunComfy's rejecting
 *     JSON envelope ({@code error_code} 500001: no request created), default 0
 * @param publicOutputs whether output file URLs are plain public URLs ({@code
 *     <root>/files/{request_id}/{name}}, no query string, served without a signature check), as in
 *     RunComfy's documented results ({@code result-completed-images.json}: {@code
 *     https://playgrounds-storage-public.runcomfy.net/...}); default {@code false}: signed like
 *     pre-signed storage URLs ({@code ?X-Amz-Signature=...}), which clients must never publish.
 *     Blob URLs are always signed
 */
public record EmulatorConfig(
    String host,
    int port,
    Set<String> tokens,
    Path outputDir,
    LatencyModel latency,
    Map<String, LatencyModel> modelLatency,
    int concurrency,
    double rate429,
    double rate5xx,
    double failedJobRate,
    double slowRate,
    long slowMs,
    double hangRate,
    double truncateRate,
    long seed,
    boolean fetchInputs,
    int providerCap,
    long capRetryAfterS,
    double rateLimitPerSecond,
    boolean renderOutputs,
    long blobOutputBytes,
    double balanceUsd,
    ResultBeforeCompletion resultBeforeCompletion,
    StatusWords statusWords,
    double acceptedThen504Rate,
    int submit503First,
    boolean publicOutputs) {

  /** Default {@link #host()}. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  /** Default {@link #latency()}: uniform 300..900 ms. */
  public static final LatencyModel DEFAULT_LATENCY = new LatencyModel.Uniform(300, 900);

  /** Default {@link #concurrency()}. */
  public static final int DEFAULT_CONCURRENCY = 8;

  /** Default {@link #slowMs()}, ms. */
  public static final long DEFAULT_SLOW_MS = 3_000;

  /** Default {@link #capRetryAfterS()}, s. */
  public static final long DEFAULT_CAP_RETRY_AFTER_S = 1;

  /** Default {@link #balanceUsd()}, USD: large enough for any test or benchmark. */
  public static final double DEFAULT_BALANCE_USD = 1000.0;

  /**
   * Validates every field.
   *
   * @throws IllegalArgumentException naming the first invalid field
   */
  public EmulatorConfig {
    require(host != null && !host.isBlank(), "host", "must not be blank");
    require(port >= 0 && port <= 65_535, "port", "must be 0..65535, was " + port);
    require(tokens != null && !tokens.isEmpty(), "tokens", "must hold at least one token");
    require(
        tokens.stream().noneMatch(t -> t == null || t.isBlank()),
        "tokens",
        "must not contain a blank token");
    tokens = Set.copyOf(tokens);
    require(outputDir != null, "outputDir", "must be set");
    require(latency != null, "latency", "must be set");
    require(modelLatency != null, "modelLatency", "must be set (empty for none)");
    require(
        modelLatency.entrySet().stream()
            .allMatch(e -> e.getKey() != null && !e.getKey().isBlank() && e.getValue() != null),
        "modelLatency",
        "must map non-blank model_ids to latency models");
    modelLatency = Map.copyOf(modelLatency);
    require(concurrency >= 1, "concurrency", "must be >= 1, was " + concurrency);
    rate("rate429", rate429);
    rate("rate5xx", rate5xx);
    rate("failedJobRate", failedJobRate);
    rate("slowRate", slowRate);
    require(slowMs >= 0, "slowMs", "must be >= 0, was " + slowMs);
    rate("hangRate", hangRate);
    rate("truncateRate", truncateRate);
    require(providerCap >= 0, "providerCap", "must be >= 0 (0 = no cap), was " + providerCap);
    require(capRetryAfterS >= 0, "capRetryAfterS", "must be >= 0, was " + capRetryAfterS);
    require(
        rateLimitPerSecond >= 0 && Double.isFinite(rateLimitPerSecond),
        "rateLimitPerSecond",
        "must be >= 0 (0 = no limit), was " + rateLimitPerSecond);
    require(
        blobOutputBytes >= 0 && blobOutputBytes <= BlobStream.MAX_BYTES,
        "blobOutputBytes",
        "must be 0.." + BlobStream.MAX_BYTES + " (0 = off), was " + blobOutputBytes);
    require(
        Double.isFinite(balanceUsd) && balanceUsd >= 0,
        "balanceUsd",
        "must be a finite amount >= 0, was " + balanceUsd);
    require(resultBeforeCompletion != null, "resultBeforeCompletion", "must be set");
    require(statusWords != null, "statusWords", "must be set");
    rate("acceptedThen504Rate", acceptedThen504Rate);
    require(submit503First >= 0, "submit503First", "must be >= 0");
  }

  /**
   * A fault-free, unlimited configuration on {@code 127.0.0.1}, ephemeral port, one token, latency
   * uniform 300..900 ms, concurrency 8, seed 0, inputs fetched, outputs rendered, a balance of
   * {@value #DEFAULT_BALANCE_USD} USD per account, results refused (400005) before completion, live
   * status spellings.
   *
   * @throws IllegalArgumentException if the token is blank or outputDir null
   */
  public static EmulatorConfig defaults(Path outputDir, String token) {
    Objects.requireNonNull(token, "token");
    return new EmulatorConfig(
        DEFAULT_HOST,
        0,
        Set.of(token),
        outputDir,
        DEFAULT_LATENCY,
        Map.of(),
        DEFAULT_CONCURRENCY,
        0,
        0,
        0,
        0,
        DEFAULT_SLOW_MS,
        0,
        0,
        0L,
        true,
        0,
        DEFAULT_CAP_RETRY_AFTER_S,
        0,
        true,
        0,
        DEFAULT_BALANCE_USD,
        ResultBeforeCompletion.ERROR,
        StatusWords.LIVE,
        0,
        0,
        false);
  }

  /** The latency model of jobs of {@code modelId}: its override, else {@link #latency()}. */
  public LatencyModel latencyFor(String modelId) {
    return modelLatency.getOrDefault(modelId, latency);
  }

  /** A copy bound to {@code host}. */
  public EmulatorConfig withHost(String host) {
    return with(b -> b.host = host);
  }

  /** A copy on TCP {@code port} (0 = ephemeral). */
  public EmulatorConfig withPort(int port) {
    return with(b -> b.port = port);
  }

  /** A copy accepting exactly these bearer tokens. */
  public EmulatorConfig withTokens(Set<String> tokens) {
    return with(b -> b.tokens = tokens);
  }

  /**
   * A copy whose jobs stay {@code in_progress} uniformly between {@code minMs} and {@code maxMs}
   * (inclusive).
   *
   * @throws IllegalArgumentException if {@code minMs < 0} or {@code maxMs < minMs}
   */
  public EmulatorConfig withLatency(long minMs, long maxMs) {
    return withLatency(new LatencyModel.Uniform(minMs, maxMs));
  }

  /** A copy drawing every job's latency (unless overridden per model) from {@code latency}. */
  public EmulatorConfig withLatency(LatencyModel latency) {
    return with(b -> b.latency = latency);
  }

  /** A copy drawing the latency of jobs of {@code modelId} from {@code latency}. */
  public EmulatorConfig withModelLatency(String modelId, LatencyModel latency) {
    Map<String, LatencyModel> m = new HashMap<>(modelLatency);
    m.put(modelId, latency);
    return with(b -> b.modelLatency = m);
  }

  /** A copy with exactly these per-model latency overrides. */
  public EmulatorConfig withModelLatencies(Map<String, LatencyModel> modelLatency) {
    return with(b -> b.modelLatency = modelLatency);
  }

  /** A copy running at most {@code concurrency} jobs at once. */
  public EmulatorConfig withConcurrency(int concurrency) {
    return with(b -> b.concurrency = concurrency);
  }

  /** A copy answering this share (0..1) of API calls with 429. */
  public EmulatorConfig withRate429(double rate429) {
    return with(b -> b.rate429 = rate429);
  }

  /** A copy answering this share (0..1) of API calls with 503. */
  public EmulatorConfig withRate5xx(double rate5xx) {
    return with(b -> b.rate5xx = rate5xx);
  }

  /** A copy where this share (0..1) of jobs ends {@code failed}. */
  public EmulatorConfig withFailedJobRate(double failedJobRate) {
    return with(b -> b.failedJobRate = failedJobRate);
  }

  /** A copy answering this share (0..1) of API calls after {@code slowMs} ms. */
  public EmulatorConfig withSlow(double slowRate, long slowMs) {
    return with(
        b -> {
          b.slowRate = slowRate;
          b.slowMs = slowMs;
        });
  }

  /** A copy never answering this share (0..1) of API calls. */
  public EmulatorConfig withHangRate(double hangRate) {
    return with(b -> b.hangRate = hangRate);
  }

  /** A copy truncating this share (0..1) of file downloads. */
  public EmulatorConfig withTruncateRate(double truncateRate) {
    return with(b -> b.truncateRate = truncateRate);
  }

  /** A copy drawing faults, latencies and blob content from {@code seed}. */
  public EmulatorConfig withSeed(long seed) {
    return with(b -> b.seed = seed);
  }

  /** A copy that does ({@code true}) or does not fetch job inputs. */
  public EmulatorConfig withFetchInputs(boolean fetchInputs) {
    return with(b -> b.fetchInputs = fetchInputs);
  }

  /** A copy accepting at most {@code cap} live jobs per account (0 = no cap). */
  public EmulatorConfig withProviderCap(int cap) {
    return with(b -> b.providerCap = cap);
  }

  /** A copy announcing {@code seconds} in the {@code Retry-After} of a 429 for the cap. */
  public EmulatorConfig withCapRetryAfterS(long seconds) {
    return with(b -> b.capRetryAfterS = seconds);
  }

  /** A copy accepting at most {@code perSecond} API calls per second per account (0 = no limit). */
  public EmulatorConfig withRateLimitPerSecond(double perSecond) {
    return with(b -> b.rateLimitPerSecond = perSecond);
  }

  /**
   * A copy rendering outputs per job ({@code true}) or sharing pre-rendered ones ({@code false}).
   */
  public EmulatorConfig withRenderOutputs(boolean renderOutputs) {
    return with(b -> b.renderOutputs = renderOutputs);
  }

  /** A copy whose jobs output one blob of {@code bytes} bytes (0 = off). */
  public EmulatorConfig withBlobOutputBytes(long bytes) {
    return with(b -> b.blobOutputBytes = bytes);
  }

  /** A copy where every account starts with {@code usd} USD. */
  public EmulatorConfig withBalanceUsd(double usd) {
    return with(b -> b.balanceUsd = usd);
  }

  /** A copy answering a result GET before completion as {@code mode} says. */
  public EmulatorConfig withResultBeforeCompletion(ResultBeforeCompletion mode) {
    return with(b -> b.resultBeforeCompletion = mode);
  }

  /** A copy spelling {@code status} as {@code words} says. */
  public EmulatorConfig withStatusWords(StatusWords words) {
    return with(b -> b.statusWords = words);
  }

  /**
   * A copy answering this share (0..1) of accepted submits with a 504 HTML page (the job still runs
   * and is billed).
   */
  public EmulatorConfig withAcceptedThen504Rate(double rate) {
    return with(b -> b.acceptedThen504Rate = rate);
  }

  /**
   * A copy answering the first {@code n} submits 503 with RunComfy's rejecting envelope (no request
   * created).
   */
  public EmulatorConfig withSubmit503First(int n) {
    return with(b -> b.submit503First = n);
  }

  /**
   * A copy whose output file URLs are public ({@code true}: no query string, as RunComfy's
   * documented results) or signed ({@code false}, the default).
   */
  public EmulatorConfig withPublicOutputs(boolean publicOutputs) {
    return with(b -> b.publicOutputs = publicOutputs);
  }

  private EmulatorConfig with(Consumer<Builder> change) {
    Builder b = new Builder(this);
    change.accept(b);
    return b.build();
  }

  private static void rate(String field, double value) {
    require(value >= 0.0 && value <= 1.0, field, "must be a probability 0..1, was " + value);
  }

  private static void require(boolean ok, String field, String rule) {
    if (!ok) {
      throw new IllegalArgumentException("EmulatorConfig." + field + " " + rule);
    }
  }

  /** A mutable copy used by the {@code with...} methods only. */
  private static final class Builder {
    String host;
    int port;
    Set<String> tokens;
    Path outputDir;
    LatencyModel latency;
    Map<String, LatencyModel> modelLatency;
    int concurrency;
    double rate429;
    double rate5xx;
    double failedJobRate;
    double slowRate;
    long slowMs;
    double hangRate;
    double truncateRate;
    long seed;
    boolean fetchInputs;
    int providerCap;
    long capRetryAfterS;
    double rateLimitPerSecond;
    boolean renderOutputs;
    long blobOutputBytes;
    double balanceUsd;
    ResultBeforeCompletion resultBeforeCompletion;
    StatusWords statusWords;
    double acceptedThen504Rate;
    int submit503First;
    boolean publicOutputs;

    Builder(EmulatorConfig c) {
      host = c.host;
      port = c.port;
      tokens = c.tokens;
      outputDir = c.outputDir;
      latency = c.latency;
      modelLatency = c.modelLatency;
      concurrency = c.concurrency;
      rate429 = c.rate429;
      rate5xx = c.rate5xx;
      failedJobRate = c.failedJobRate;
      slowRate = c.slowRate;
      slowMs = c.slowMs;
      hangRate = c.hangRate;
      truncateRate = c.truncateRate;
      seed = c.seed;
      fetchInputs = c.fetchInputs;
      providerCap = c.providerCap;
      capRetryAfterS = c.capRetryAfterS;
      rateLimitPerSecond = c.rateLimitPerSecond;
      renderOutputs = c.renderOutputs;
      blobOutputBytes = c.blobOutputBytes;
      balanceUsd = c.balanceUsd;
      resultBeforeCompletion = c.resultBeforeCompletion;
      statusWords = c.statusWords;
      acceptedThen504Rate = c.acceptedThen504Rate;
      submit503First = c.submit503First;
      publicOutputs = c.publicOutputs;
    }

    EmulatorConfig build() {
      return new EmulatorConfig(
          host,
          port,
          tokens,
          outputDir,
          latency,
          modelLatency,
          concurrency,
          rate429,
          rate5xx,
          failedJobRate,
          slowRate,
          slowMs,
          hangRate,
          truncateRate,
          seed,
          fetchInputs,
          providerCap,
          capRetryAfterS,
          rateLimitPerSecond,
          renderOutputs,
          blobOutputBytes,
          balanceUsd,
          resultBeforeCompletion,
          statusWords,
          acceptedThen504Rate,
          submit503First,
          publicOutputs);
    }
  }
}
