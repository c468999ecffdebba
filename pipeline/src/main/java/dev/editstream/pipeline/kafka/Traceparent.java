package dev.editstream.pipeline.kafka;

import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * A W3C Trace Context {@code traceparent} header value, version {@code 00}: {@code 00-<32 hex trace
 * id>-<16 hex span id>-<2 hex flags>}. editstream writes one on every record it publishes (header
 * {@value #HEADER}, flags {@code 01}): the producer starts a new trace for each requested job
 * ({@link #newRoot()}), and each stage writes its outputs under the trace of the record it consumed
 * with a new span id ({@link #child(String)}). Pure, apart from the random ids.
 *
 * <p>Parsing is strict (lower-case hex only, version {@code 00} only, trace and span ids not all
 * zeros, nothing after the flags): a header from a stranger that is not exactly that is ignored and
 * a new trace is started, never an error.
 *
 * @param traceId 32 lower-case hex digits, not all zeros
 * @param spanId 16 lower-case hex digits, not all zeros (the parent id of a child span)
 * @param flags 2 lower-case hex digits ({@code 01}: sampled)
 */
public record Traceparent(String traceId, String spanId, String flags) {
  /** The Kafka header name, as in W3C Trace Context. */
  public static final String HEADER = "traceparent";

  private static final String ZERO_TRACE = "0".repeat(32);
  private static final String ZERO_SPAN = "0".repeat(16);
  private static final HexFormat HEX = HexFormat.of();

  /**
   * @throws IllegalArgumentException when a part does not keep its rule
   */
  public Traceparent {
    if (!hex(traceId, 32) || traceId.equals(ZERO_TRACE)) {
      throw new IllegalArgumentException(
          "trace id must be 32 lower-case hex digits, not all zeros, was " + show(traceId));
    }
    if (!hex(spanId, 16) || spanId.equals(ZERO_SPAN)) {
      throw new IllegalArgumentException(
          "span id must be 16 lower-case hex digits, not all zeros, was " + show(spanId));
    }
    if (!hex(flags, 2)) {
      throw new IllegalArgumentException(
          "flags must be 2 lower-case hex digits, was " + show(flags));
    }
  }

  /**
   * Reads a header value.
   *
   * @param value the header's text, or {@code null}
   * @return the trace context, or empty when {@code value} is absent or not a valid version-00
   *     {@code traceparent}
   */
  public static Optional<Traceparent> parse(@Nullable String value) {
    if (value == null || value.length() != 55) {
      return Optional.empty();
    }
    // 00-<32>-<16>-<2>: the dashes at 2, 35 and 52
    if (!value.startsWith("00-") || value.charAt(35) != '-' || value.charAt(52) != '-') {
      return Optional.empty();
    }
    String trace = value.substring(3, 35);
    String span = value.substring(36, 52);
    String flags = value.substring(53);
    if (!hex(trace, 32)
        || !hex(span, 16)
        || !hex(flags, 2)
        || trace.equals(ZERO_TRACE)
        || span.equals(ZERO_SPAN)) {
      return Optional.empty();
    }
    return Optional.of(new Traceparent(trace, span, flags));
  }

  /**
   * Reads a header value given as bytes (a Kafka header).
   *
   * @param value the header's bytes (US-ASCII), or {@code null}
   * @return as {@link #parse(String)}
   */
  public static Optional<Traceparent> parse(byte @Nullable [] value) {
    if (value == null || value.length != 55) {
      return Optional.empty();
    }
    return parse(new String(value, java.nio.charset.StandardCharsets.US_ASCII));
  }

  /** Whether {@code value} is a valid version-00 {@code traceparent}. */
  public static boolean valid(String value) {
    return parse(value).isPresent();
  }

  /** A new trace: random trace and span ids, sampled ({@code 01}). */
  public static Traceparent newRoot() {
    return new Traceparent(randomHex(16), randomHex(8), "01");
  }

  /**
   * The context of a record written while handling a record that carried {@code parent}: the same
   * trace id with a new span id, sampled; a new trace when {@code parent} is absent or malformed.
   *
   * @param parent the consumed record's {@code traceparent} header value, or {@code null}
   */
  public static Traceparent child(@Nullable String parent) {
    return parse(parent).map(Traceparent::child).orElseGet(Traceparent::newRoot);
  }

  /** A child of this context: the same trace id, a new span id, flags {@code 01}. */
  public Traceparent child() {
    return new Traceparent(traceId, randomHex(8), "01");
  }

  /** The header value: {@code 00-<trace id>-<span id>-<flags>}. */
  @Override
  public String toString() {
    return "00-" + traceId + "-" + spanId + "-" + flags;
  }

  /**
   * Random ids from {@link ThreadLocalRandom}, as OpenTelemetry's default id generator draws them:
   * ids must be unique and unpredictable enough to tell traces apart, not secret, and a shared
   * {@code SecureRandom} cost a lock and a few microseconds on every record published.
   */
  private static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    do {
      ThreadLocalRandom.current().nextBytes(b);
    } while (allZero(b));
    return HEX.formatHex(b);
  }

  /** Whether {@code s} is exactly {@code length} lower-case hex digits. */
  private static boolean hex(@Nullable String s, int length) {
    if (s == null || s.length() != length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  private static boolean allZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static String show(String s) {
    if (s == null) {
      return "null";
    }
    String cut = s.length() > 40 ? s.substring(0, 40) + "..." : s;
    return "\"" + cut.replaceAll("[^\\x20-\\x7e]", "?") + "\"";
  }
}
