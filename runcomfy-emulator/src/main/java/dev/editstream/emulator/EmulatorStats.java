package dev.editstream.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Live counters of what an emulator has seen, for tests and benchmarks (for example "no job was
 * paid twice": every value of {@link #submitsPerBodyHash()} is 1). Thread-safe; getters return
 * snapshots.
 *
 * <p>Submits are counted when a job is accepted (a 200 answer, i.e. a job RunComfy would bill),
 * not when a submit is refused with 401/4xx/429/5xx. Fault counters count answers actually sent.
 */
public final class EmulatorStats {
  private final Map<String, AtomicLong> submitsPerModel = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> submitsPerBodyHash = new ConcurrentHashMap<>();
  private final AtomicLong statusCalls = new AtomicLong();
  private final AtomicLong resultCalls = new AtomicLong();
  private final AtomicLong cancels = new AtomicLong();
  private final AtomicLong rateLimited = new AtomicLong();
  private final AtomicLong unavailable = new AtomicLong();
  private final AtomicLong downloads = new AtomicLong();

  /** Accepted submits per model_id. */
  public Map<String, Long> submitsPerModel() {
    return snapshot(submitsPerModel);
  }

  /** Accepted submits per {@link #bodyHash(JsonNode)} of the request body. */
  public Map<String, Long> submitsPerBodyHash() {
    return snapshot(submitsPerBodyHash);
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

  /** 429 answers sent. */
  public long rateLimited() {
    return rateLimited.get();
  }

  /** 503 answers sent. */
  public long unavailable() {
    return unavailable.get();
  }

  /** File downloads started (truncated ones included). */
  public long downloads() {
    return downloads.get();
  }

  /**
   * SHA-256 (lower-case hex) of the body's canonical JSON: object keys sorted at every level, no
   * whitespace. Two bodies with the same fields and values have the same hash whatever their key
   * order.
   */
  public static String bodyHash(JsonNode body) {
    try {
      byte[] bytes = canonical(body).toString().getBytes(StandardCharsets.UTF_8);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  void submitted(String modelId, JsonNode body) {
    submitsPerModel.computeIfAbsent(modelId, k -> new AtomicLong()).incrementAndGet();
    submitsPerBodyHash.computeIfAbsent(bodyHash(body), k -> new AtomicLong()).incrementAndGet();
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

  void download() {
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
