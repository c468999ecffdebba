package dev.editstream.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Live counters of what an emulator has seen, for tests and benchmarks (for example "no job was
 * paid twice": every value of {@link #submitsPerBodyHash()} is 1). Thread-safe; getters return
 * snapshots.
 *
 * <p>Submits are counted when a job is accepted (a job RunComfy would bill: a 200 answer, or a 504
 * gateway page sent after the job was created, {@link #acceptedThen504()}), not when a submit is
 * refused with 401/4xx/429/503. Every POST received on the submit endpoint, whatever its answer, is
 * also counted per body hash ({@link #postsPerBodyHash()}), so a test can assert that a client
 * never re-sent a paid POST after an uncertain answer. Fault counters count answers actually sent.
 * {@link #calls()} counts every call received, per endpoint, before authentication and faults.
 * In-flight jobs (accepted, not yet terminal) are tracked over time ({@link #averageInFlight},
 * {@link #inFlightSamples()}) to measure a client's sustained concurrency. {@link StatsJson}
 * renders all of it for {@code GET /_emulator/stats}.
 */
public final class EmulatorStats {
  /** Spacing of {@link #inFlightSamples()}, ms. */
  public static final long SAMPLE_INTERVAL_MS = 100;

  private final Map<Endpoint, AtomicLong> calls = new EnumMap<>(Endpoint.class);
  private final AtomicLong capRejections = new AtomicLong();
  private final AtomicLong rateLimitRejections = new AtomicLong();
  private final LongSupplier nanoTime;
  private final long startNanos;
  private final Instant startedAt;
  private final InFlightTracker inFlight;
  private final Map<String, AtomicLong> submitsPerModel = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> submitsPerBodyHash = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> postsPerBodyHash = new ConcurrentHashMap<>();
  private final AtomicLong acceptedThen504 = new AtomicLong();
  private final AtomicLong billedMicros = new AtomicLong();
  private final AtomicLong statusCalls = new AtomicLong();
  private final AtomicLong resultCalls = new AtomicLong();
  private final AtomicLong cancels = new AtomicLong();
  private final AtomicLong rateLimited = new AtomicLong();
  private final AtomicLong unavailable = new AtomicLong();
  private final AtomicLong downloads = new AtomicLong();
  private final AtomicLong lastDownloadNanos = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong firstPostNanos = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong submitUnavailable = new AtomicLong();
  private final Set<String> endsSeen = ConcurrentHashMap.newKeySet();
  private final Object hops = new Object();

  /** Nanos at which a status answer first told a client of a job's end, oldest first. */
  private final ArrayDeque<Long> unpairedEnds = new ArrayDeque<>();

  private final List<Long> detectionNanos = new ArrayList<>();
  private final List<Long> hopNanos = new ArrayList<>();

  /** Stats starting now, on the system clocks. */
  public EmulatorStats() {
    this(System::nanoTime, Instant.now());
  }

  /**
   * Stats on an injected clock (tests).
   *
   * @param nanoTime monotonic clock, ns
   * @param startedAt the wall-clock instant of {@code nanoTime}'s current reading
   */
  EmulatorStats(LongSupplier nanoTime, Instant startedAt) {
    this.nanoTime = nanoTime;
    this.startNanos = nanoTime.getAsLong();
    this.startedAt = startedAt;
    this.inFlight =
        new InFlightTracker(startNanos, Duration.ofMillis(SAMPLE_INTERVAL_MS).toNanos());
    for (Endpoint e : Endpoint.values()) {
      calls.put(e, new AtomicLong());
    }
  }

  /** Calls received per endpoint (every call, whatever its answer), in {@link Endpoint} order. */
  public Map<Endpoint, Long> calls() {
    Map<Endpoint, Long> out = new LinkedHashMap<>();
    calls.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /** Calls received on one endpoint. */
  public long calls(Endpoint endpoint) {
    return counter(endpoint).get();
  }

  /** Accepted submits per model_id. */
  public Map<String, Long> submitsPerModel() {
    return snapshot(submitsPerModel);
  }

  /** Accepted submits per {@link #bodyHash(JsonNode)} of the request body. */
  public Map<String, Long> submitsPerBodyHash() {
    return snapshot(submitsPerBodyHash);
  }

  /**
   * Every POST received on {@code /v1/models/{model_id}} per body hash ({@link #bodyHash(JsonNode)}
   * of a JSON body, else the SHA-256 of its raw bytes), whatever its answer (401, 4xx, 429, 503,
   * 504 or 200).
   */
  public Map<String, Long> postsPerBodyHash() {
    return snapshot(postsPerBodyHash);
  }

  /**
   * Submits whose job was created but whose answer was a 504 gateway page ({@link
   * EmulatorConfig#acceptedThen504Rate()}).
   */
  public long acceptedThen504() {
    return acceptedThen504.get();
  }

  /** The total cost of completed jobs so far, microdollars (debited from the accounts). */
  public long billedMicros() {
    return billedMicros.get();
  }

  /** Total accepted submits. */
  public long submits() {
    return submitsPerModel.values().stream().mapToLong(AtomicLong::get).sum();
  }

  /** Status GETs answered 200 or 404 (not counting faults). */
  public long statusCalls() {
    return statusCalls.get();
  }

  /** Result GETs answered 200 or 404 (not counting faults). */
  public long resultCalls() {
    return resultCalls.get();
  }

  /** Cancel POSTs answered 202 (either outcome). */
  public long cancels() {
    return cancels.get();
  }

  /**
   * Every 429 answer sent: {@link #faultRateLimited()} + {@link #capRejections()} + {@link
   * #rateLimitRejections()}.
   */
  public long rateLimited() {
    return rateLimited.get() + capRejections.get() + rateLimitRejections.get();
  }

  /** 429 answers injected by {@link EmulatorConfig#rate429()}. */
  public long faultRateLimited() {
    return rateLimited.get();
  }

  /** Submits refused 429 because the account was at {@link EmulatorConfig#providerCap()}. */
  public long capRejections() {
    return capRejections.get();
  }

  /** Calls refused 429 because the account was over {@link EmulatorConfig#rateLimitPerSecond()}. */
  public long rateLimitRejections() {
    return rateLimitRejections.get();
  }

  /** Jobs in flight now: accepted and not yet terminal. */
  public long inFlight() {
    return inFlight.current();
  }

  /** Most jobs in flight at once so far. */
  public long peakInFlight() {
    return inFlight.peak();
  }

  /** When counting started (the first sample's start). */
  public Instant startedAt() {
    return startedAt;
  }

  /**
   * The time-weighted average of jobs in flight over each whole {@link #SAMPLE_INTERVAL_MS} elapsed
   * since {@link #startedAt()}, rounded to whole jobs, oldest first.
   */
  public long[] inFlightSamples() {
    double[] avg = inFlightAverages();
    long[] out = new long[avg.length];
    for (int i = 0; i < avg.length; i++) {
      out[i] = Math.round(avg[i]);
    }
    return out;
  }

  /** As {@link #inFlightSamples()}, unrounded. */
  public double[] inFlightAverages() {
    return inFlight.intervalAverages(nanoTime.getAsLong());
  }

  /**
   * The time-weighted average of jobs in flight between two instants (clamped to {@link
   * #startedAt()}..now); exact on sample boundaries, interpolated within a sample.
   *
   * @throws IllegalArgumentException if {@code to} is not after {@code from}
   */
  public double averageInFlight(Instant from, Instant to) {
    return inFlight.averageBetween(nanosAt(from), nanosAt(to), nanoTime.getAsLong());
  }

  /** 503 answers sent (the injected upstream error, error_code 500001; no job is created). */
  public long unavailable() {
    return unavailable.get();
  }

  /** File and blob downloads started (truncated ones included). */
  public long downloads() {
    return downloads.get();
  }

  /**
   * When the last download started (its request was answered with 200, before the first body byte),
   * on the stats' clock; {@code null} before the first download.
   */
  public @Nullable Instant lastDownloadAt() {
    long at = lastDownloadNanos.get();
    return at == Long.MIN_VALUE ? null : startedAt.plusNanos(at - startNanos);
  }

  /**
   * When the first POST on {@code /v1/models/{model_id}} was received (whatever its answer), or
   * null before any.
   */
  public @Nullable Instant firstPostAt() {
    long at = firstPostNanos.get();
    return at == Long.MIN_VALUE ? null : startedAt.plusNanos(at - startNanos);
  }

  /** SHA-256 (lower-case hex) of raw bytes: the hash of a POST body that is not JSON. */
  public static String rawHash(byte[] bytes) {
    return sha256(bytes);
  }

  /**
   * SHA-256 (lower-case hex) of the body's canonical JSON: object keys sorted at every level, no
   * whitespace. Two bodies with the same fields and values have the same hash whatever their key
   * order.
   */
  public static String bodyHash(JsonNode body) {
    return sha256(canonical(body).toString().getBytes(StandardCharsets.UTF_8));
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Counts an accepted job: one more submit, one more in flight. */
  void submitted(String modelId, JsonNode body) {
    submitted(modelId, bodyHash(body));
  }

  /** As {@link #submitted(String, JsonNode)} with the body's {@link #bodyHash(JsonNode)}. */
  void submitted(String modelId, String bodyHash) {
    long now = nanoTime.getAsLong();
    inFlight.change(1, now);
    synchronized (hops) {
      Long seen = unpairedEnds.pollFirst();
      if (seen != null) {
        hopNanos.add(now - seen);
      }
    }
    submitsPerModel.computeIfAbsent(modelId, k -> new AtomicLong()).incrementAndGet();
    submitsPerBodyHash.computeIfAbsent(bodyHash, k -> new AtomicLong()).incrementAndGet();
  }

  /** Counts a POST received on the submit endpoint, before any answer. */
  void posted(String bodyHash) {
    firstPostNanos.compareAndSet(Long.MIN_VALUE, nanoTime.getAsLong());
    postsPerBodyHash.computeIfAbsent(bodyHash, k -> new AtomicLong()).incrementAndGet();
  }

  void acceptedThen504Sent() {
    acceptedThen504.incrementAndGet();
  }

  void billed(long micros) {
    billedMicros.addAndGet(micros);
  }

  /** The counter of an endpoint (every endpoint has one from the start). */
  private AtomicLong counter(Endpoint endpoint) {
    return Objects.requireNonNull(calls.get(endpoint), "counter");
  }

  void received(Endpoint endpoint) {
    counter(endpoint).incrementAndGet();
  }

  /**
   * A status answer that tells a client of a job's end: the first for each request_id counts its
   * detection delay (from {@code finishedAt} to now) and opens a hop (closed by the next accepted
   * submit, {@link #endToNextSubmit()}).
   */
  void endAnswered(String requestId, Instant finishedAt) {
    if (!endsSeen.add(requestId)) {
      return;
    }
    long now = nanoTime.getAsLong();
    long delay = Math.max(0, now - nanosAt(finishedAt));
    synchronized (hops) {
      detectionNanos.add(delay);
      unpairedEnds.addLast(now);
    }
  }

  /**
   * Detection delay of every job whose end a status answer told: from the job's end to the first
   * status answer that said so, ns, in the order seen. A snapshot.
   */
  public long[] detectionDelays() {
    synchronized (hops) {
      return detectionNanos.stream().mapToLong(Long::longValue).toArray();
    }
  }

  /**
   * Time from a status answer that first told of a job's end to the next accepted submit, ns: each
   * accepted submit is paired with the oldest such answer not yet paired (first in, first out).
   * While a client waits at a concurrency cap this is its hop from a seen end to the slot's next
   * job; without a cap it means little. A snapshot.
   */
  public long[] endToNextSubmit() {
    synchronized (hops) {
      return hopNanos.stream().mapToLong(Long::longValue).toArray();
    }
  }

  /** One job fewer in flight (completed, failed or cancelled). */
  void terminal() {
    inFlight.change(-1, nanoTime.getAsLong());
  }

  void capRejected() {
    capRejections.incrementAndGet();
  }

  void rateLimitRejected() {
    rateLimitRejections.incrementAndGet();
  }

  private long nanosAt(Instant t) {
    Duration d = Duration.between(startedAt, t);
    long seconds = Math.max(-1_000_000_000L, Math.min(1_000_000_000L, d.getSeconds()));
    return startNanos + Duration.ofSeconds(seconds, d.getNano()).toNanos();
  }

  void statusCall() {
    statusCalls.incrementAndGet();
  }

  void resultCall() {
    resultCalls.incrementAndGet();
  }

  void cancel() {
    cancels.incrementAndGet();
  }

  void rateLimitedSent() {
    rateLimited.incrementAndGet();
  }

  void unavailableSent() {
    unavailable.incrementAndGet();
  }

  void submitUnavailableSent() {
    submitUnavailable.incrementAndGet();
  }

  /**
   * Submits answered 503 with the rejecting envelope ({@link EmulatorConfig#submit503First()}): no
   * request created.
   */
  public long submitUnavailable() {
    return submitUnavailable.get();
  }

  void download() {
    lastDownloadNanos.set(nanoTime.getAsLong());
    downloads.incrementAndGet();
  }

  private static JsonNode canonical(JsonNode node) {
    if (node.isObject()) {
      TreeMap<String, JsonNode> sorted = new TreeMap<>();
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        sorted.put(e.getKey(), canonical(e.getValue()));
      }
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      sorted.forEach(out::set);
      return out;
    }
    if (node.isArray()) {
      var out = JsonNodeFactory.instance.arrayNode();
      node.forEach(n -> out.add(canonical(n)));
      return out;
    }
    return node;
  }

  private static Map<String, Long> snapshot(Map<String, AtomicLong> m) {
    Map<String, Long> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }
}
