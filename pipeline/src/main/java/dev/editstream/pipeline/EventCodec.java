package dev.editstream.pipeline;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.editstream.core.Json;
import dev.editstream.core.Redact;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.RecordLimits;
import java.util.regex.Pattern;

/**
 * JSON encoding of {@link JobEvent}s on Kafka (UTF-8 JSON, envelope version {@link JobEvent#VERSION}).
 *
 * <p>Decoding assumes the record was written by a stranger: reads are bounded by {@link
 * Json#READ_LIMITS} (nesting depth, string and number length), duplicate keys and trailing tokens
 * are refused, and an event must carry {@code v}, {@code type}, {@code at}, a {@code job_id} of
 * {@value #ID_RULE} and a {@code job} of the same id. Every refusal is an {@link
 * IllegalArgumentException} with a bounded, escaped reason, never another exception type and never
 * a crash of the caller's thread (a {@link StackOverflowError} is caught too).
 */
public final class EventCodec {
  /** The rule every {@code job_id} read from Kafka must keep (the producer's ids plus {@code .line-n} and {@code .part-k} suffixes). */
  public static final String ID_RULE = "[A-Za-z0-9._-]{1,300}";
  /** The longest reason of a refusal, characters. */
  public static final int MAX_REASON_CHARS = 500;

  private static final Pattern ID = Pattern.compile(ID_RULE);
  private static final ObjectReader READER = Json.mapper().readerFor(JobEvent.class)
      .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .with(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  private EventCodec() {}

  /** The event as UTF-8 JSON bytes. */
  public static byte[] encode(JobEvent e) {
    return RecordLimits.encode(e);
  }

  /**
   * Decodes an event.
   *
   * @param bytes a record's value; {@code null} (a tombstone) is refused
   * @throws IllegalArgumentException with a readable reason of at most {@value #MAX_REASON_CHARS}
   *     characters, control characters escaped, when the bytes are not a valid event of a supported
   *     version (a poison record)
   */
  public static JobEvent decode(byte[] bytes) {
    if (bytes == null) {
      throw new IllegalArgumentException("record has no value (a tombstone)");
    }
    String bad = firstInvalidUtf8(bytes);
    if (bad != null) {
      throw refused("not a job event: not valid UTF-8" + bad, null);
    }
    JobEvent e;
    try {
      e = READER.readValue(bytes);
    } catch (java.io.IOException | RuntimeException ex) {
      throw refused("not a job event: " + reason(ex), ex);
    } catch (StackOverflowError ex) {
      throw refused("not a job event: nested too deeply", null);
    }
    if (e == null) {
      throw refused("not a job event: the JSON value null", null);
    }
    if (e.v() != JobEvent.VERSION) {
      throw refused("unsupported event version " + e.v() + " (this build reads " + JobEvent.VERSION + ")", null);
    }
    if (!ID.matcher(e.jobId()).matches()) {
      throw refused("job_id must match " + ID_RULE + ", was \"" + e.jobId() + "\"", null);
    }
    if (e.job() == null) {
      throw refused("event of job " + e.jobId() + " carries no job", null);
    }
    if (!e.jobId().equals(e.job().id())) {
      throw refused("event of job " + e.jobId() + " carries a job whose id is \"" + e.job().id() + "\"", null);
    }
    return e;
  }

  /** Where strict UTF-8 decoding fails, e.g. {@code " (bad byte 0xC0 at byte 17)"}, or null when the bytes are valid. */
  private static String firstInvalidUtf8(byte[] bytes) {
    java.nio.charset.CharsetDecoder dec = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
    java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
    java.nio.CharBuffer out = java.nio.CharBuffer.allocate(Math.min(bytes.length, 64 * 1024) + 1);
    while (true) {
      java.nio.charset.CoderResult r = dec.decode(in, out, true);
      if (r.isError()) {
        return String.format(" (bad byte 0x%02X at byte %d)", bytes[in.position()] & 0xff, in.position() + 1);
      }
      if (r.isUnderflow()) {
        return null;
      }
      out.clear();
    }
  }

  private static String reason(Throwable ex) {
    String msg = ex instanceof JsonProcessingException j ? j.getOriginalMessage() : ex.getMessage();
    if (msg == null) {
      msg = ex.getClass().getSimpleName();
    }
    Throwable root = ex;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != ex && root.getMessage() != null && !msg.contains(root.getMessage())) {
      msg = msg + " (" + root.getMessage() + ")";
    }
    return msg;
  }

  private static IllegalArgumentException refused(String why, Throwable cause) {
    return new IllegalArgumentException(Redact.clip(Redact.text(Redact.clip(why, 4 * MAX_REASON_CHARS)), MAX_REASON_CHARS), cause);
  }
}
