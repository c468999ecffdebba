package dev.editstream.pipeline;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import dev.editstream.core.Redact;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.RecordLimits;
import dev.editstream.core.job.Job;
import dev.editstream.core.job.JobLineParser;
import dev.editstream.core.job.LineError;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * JSON encoding of {@link JobEvent}s on Kafka (UTF-8 JSON, envelope version {@link
 * JobEvent#VERSION}).
 *
 * <p>Versions: this build writes version 2 (a failure's and an attempt's {@code exit_class} as the
 * {@link dev.editstream.core.error.ExitClass} name, e.g. {@code "TEMPFAIL"}; {@code reason} as its
 * wire text, e.g. {@code "http_429"}) and reads versions 1 (where {@code exit_class} is the code,
 * e.g. {@code 75}) and 2. A reason this build does not know reads as {@link
 * dev.editstream.core.event.FailureReason#UNKNOWN} and keeps its text.
 *
 * <p>Decoding assumes the record was written by a stranger: reads are bounded by {@link
 * Json#READ_LIMITS} (nesting depth, string and number length), duplicate keys and trailing tokens
 * are refused, and an event must carry {@code v}, {@code type}, {@code at}, a {@code job_id} of
 * {@value #ID_RULE} and a {@code job} of the same id. Every refusal is an {@link
 * IllegalArgumentException} with a bounded, escaped reason, never another exception type and never
 * a crash of the caller's thread (a {@link StackOverflowError} is caught too).
 *
 * <p>The router's input topic also takes plain job lines from other systems: {@link
 * #decodeRequested} reads either. The contract is published as JSON Schemas in {@code
 * docs/events/}.
 */
public final class EventCodec {
  /**
   * The rule every {@code job_id} read from Kafka must keep (the producer's ids plus {@code
   * .line-n} and {@code .part-k} suffixes).
   */
  public static final String ID_RULE = "[A-Za-z0-9._-]{1,300}";

  /** The longest reason of a refusal, characters. */
  public static final int MAX_REASON_CHARS = 500;

  private static final Pattern ID = Pattern.compile(ID_RULE);
  private static final ObjectReader READER =
      Json.mapper()
          .readerFor(JobEvent.class)
          .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .with(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  /** Longest local input path of a job line, characters (as the producer's rule). */
  static final int MAX_LOCAL_PATH_CHARS = 4096;

  /**
   * Reads a record to tell an envelope from a job line: duplicate keys refused, numbers kept exact.
   */
  private static final ObjectReader TREE =
      Json.mapper()
          .reader()
          .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private static final com.fasterxml.jackson.databind.ObjectWriter LINE_WRITER =
      new com.fasterxml.jackson.databind.ObjectMapper().writer();

  /**
   * Stands for a local path while the other rules of a job line are checked (a public https URL).
   */
  private static final String LOCAL_PLACEHOLDER = "https://example.com/editstream-local-input";

  /**
   * The only allowed input folder of the parsers of {@link #decodeRequested}: one that does not
   * exist, so the parser's own local-file check never passes and local paths are left to the
   * router.
   */
  private static final Path NO_LOCAL_INPUTS =
      Path.of(
          System.getProperty("java.io.tmpdir"),
          "editstream-no-local-inputs-" + java.util.UUID.randomUUID());

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
  public static JobEvent decode(byte @Nullable [] bytes) {
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
    if (e.v() < JobEvent.MIN_VERSION || e.v() > JobEvent.VERSION) {
      throw refused(
          "unsupported event version "
              + e.v()
              + " (this build reads "
              + JobEvent.MIN_VERSION
              + " to "
              + JobEvent.VERSION
              + ")",
          null);
    }
    if (!ID.matcher(e.jobId()).matches()) {
      throw refused("job_id must match " + ID_RULE + ", was \"" + e.jobId() + "\"", null);
    }
    if (e.job() == null) {
      throw refused("event of job " + e.jobId() + " carries no job", null);
    }
    if (!e.jobId().equals(e.job().id())) {
      throw refused(
          "event of job " + e.jobId() + " carries a job whose id is \"" + e.job().id() + "\"",
          null);
    }
    return e;
  }

  /**
   * Decodes a record of the router's input topic: a job event envelope, or a plain job line
   * published by another system (a JSON object with neither {@code v} nor {@code type}, e.g. {@code
   * {"id":"sku-1","prompt":"...","images":["https://..."]}}), which becomes {@code
   * JobEvent.requested(job, now)}.
   *
   * <p>A job line is checked with the rules of {@link JobLineParser} (the producer's rules: fields,
   * id, prompt, https URLs, params, batch), with one difference: a local path in {@code images},
   * {@code mask} or {@code video} is checked for its characters and length only and is passed on as
   * written, so the router confines it exactly as it confines the paths of the producer's events
   * (absolute, inside its {@code --allow-input} folders, no links out); this method never looks at
   * the file system for it.
   *
   * @param bytes a record's value; {@code null} (a tombstone) is refused
   * @param now the time of the {@code requested} event made from a job line
   * @return the event
   * @throws IllegalArgumentException as {@link #decode}, or, for a job line that breaks a rule,
   *     with {@code not a job line: field "<field>": <rule>}
   */
  public static JobEvent decodeRequested(byte @Nullable [] bytes, java.time.Instant now) {
    if (bytes == null || firstInvalidUtf8(bytes) != null) {
      return decode(bytes);
    }
    com.fasterxml.jackson.databind.JsonNode tree;
    try {
      tree = TREE.readTree(bytes);
    } catch (java.io.IOException | RuntimeException | StackOverflowError ex) {
      return decode(bytes);
    }
    if (!(tree instanceof ObjectNode o) || o.has("v") || o.has("type")) {
      return decode(bytes);
    }
    return JobEvent.requested(
        jobLine(new String(bytes, java.nio.charset.StandardCharsets.UTF_8), o), now);
  }

  /**
   * A job line checked with the producer's rules, local paths passed on unchecked by the file
   * system (see {@link #decodeRequested}).
   *
   * @param text the line
   * @param tree the line read leniently (to find its local paths)
   */
  private static Job jobLine(String text, ObjectNode tree) {
    JobLineParser.Parsed first = new JobLineParser(NO_LOCAL_INPUTS).parse(1, text);
    if (first == null) {
      throw refused("not a job line: the record is blank", null);
    }
    if (first.ok()) {
      return Objects.requireNonNull(first.job(), "job");
    }
    LineError firstError = Objects.requireNonNull(first.error(), "error"); // a line not ok has one
    List<String> localFields = localInputs(tree);
    if (!localFields.contains(firstError.field())) {
      throw lineRefused(firstError);
    }
    // the line is valid JSON and breaks no rule before its local inputs: check them by their text,
    // then every other rule with each local path in place of a public URL
    ObjectNode copy = tree.deepCopy();
    for (String field : localFields) {
      String ref = valueAt(tree, field);
      String rule = localPathRule(ref);
      if (rule != null) {
        throw lineRefused(new LineError(1, firstError.jobId(), field, rule, 65));
      }
      setAt(copy, field);
    }
    String substituted;
    try {
      substituted = LINE_WRITER.writeValueAsString(copy);
    } catch (JsonProcessingException ex) {
      throw refused("not a job line: " + reason(ex), ex);
    }
    JobLineParser.Parsed second =
        Objects.requireNonNull( // a JSON object is never a blank line
            new JobLineParser(NO_LOCAL_INPUTS).parse(1, substituted), "parsed");
    if (!second.ok()) {
      throw lineRefused(Objects.requireNonNull(second.error(), "error"));
    }
    Job j = Objects.requireNonNull(second.job(), "job");
    List<String> images = new ArrayList<>(j.images());
    for (int i = 0; i < images.size(); i++) {
      if (localFields.contains("images[" + i + "]")) {
        images.set(i, valueAt(tree, "images[" + i + "]"));
      }
    }
    return j.withInputs(
        images,
        localFields.contains("mask") ? valueAt(tree, "mask") : j.mask(),
        localFields.contains("video") ? valueAt(tree, "video") : j.video());
  }

  /**
   * The input fields of a line ({@code images[i]}, {@code mask}, {@code video}) that hold a
   * non-blank local path.
   */
  private static List<String> localInputs(ObjectNode o) {
    List<String> out = new ArrayList<>();
    JsonNode imgs = o.get("images");
    if (imgs != null && imgs.isArray()) {
      for (int i = 0; i < imgs.size(); i++) {
        if (isLocal(imgs.get(i))) {
          out.add("images[" + i + "]");
        }
      }
    }
    for (String f : List.of("mask", "video")) {
      if (isLocal(o.get(f))) {
        out.add(f);
      }
    }
    return out;
  }

  private static boolean isLocal(JsonNode n) {
    return n != null && n.isTextual() && !n.asText().isBlank() && !JobLineParser.isUrl(n.asText());
  }

  private static String valueAt(ObjectNode o, String field) {
    return field.startsWith("images[")
        ? o.get("images").get(index(field)).asText()
        : o.get(field).asText();
  }

  private static void setAt(ObjectNode o, String field) {
    if (field.startsWith("images[")) {
      ((com.fasterxml.jackson.databind.node.ArrayNode) o.get("images"))
          .set(index(field), LOCAL_PLACEHOLDER);
    } else {
      o.put(field, LOCAL_PLACEHOLDER);
    }
  }

  private static int index(String field) {
    return Integer.parseInt(field.substring("images[".length(), field.length() - 1));
  }

  /**
   * The text rules of a local path in a job line (as {@link JobLineParser}: at most {@value
   * #MAX_LOCAL_PATH_CHARS} characters, no control or bidirectional control characters, valid
   * Unicode), or {@code null}; where it points is the router's to check.
   */
  private static @Nullable String localPathRule(String ref) {
    if (ref.length() > MAX_LOCAL_PATH_CHARS) {
      return "must be a local path of at most "
          + MAX_LOCAL_PATH_CHARS
          + " characters, was "
          + ref.length();
    }
    for (int i = 0; i < ref.length(); i++) {
      char c = ref.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return String.format(
            "must not contain control characters (U+%04X at index %d)", (int) c, i);
      }
      if ((c >= '\u202A' && c <= '\u202E')
          || (c >= '\u2066' && c <= '\u2069')
          || c == '\u200E'
          || c == '\u200F'
          || c == '\u061C') {
        return String.format(
            "must not contain bidirectional control characters (U+%04X at index %d)", (int) c, i);
      }
      if (Character.isHighSurrogate(c)
          && i + 1 < ref.length()
          && Character.isLowSurrogate(ref.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return String.format(
            "must be valid Unicode (unpaired surrogate U+%04X at index %d)", (int) c, i);
      }
    }
    return null;
  }

  private static IllegalArgumentException lineRefused(LineError e) {
    String who = e.jobId() == null ? "" : " (id \"" + e.jobId() + "\")";
    return refused("not a job line" + who + ": field \"" + e.field() + "\": " + e.rule(), null);
  }

  /**
   * Where strict UTF-8 decoding fails, e.g. {@code " (bad byte 0xC0 at byte 17)"}, or null when the
   * bytes are valid.
   */
  private static @Nullable String firstInvalidUtf8(byte[] bytes) {
    int at = firstInvalidUtf8At(bytes);
    return at < 0 ? null : String.format(" (bad byte 0x%02X at byte %d)", bytes[at] & 0xff, at + 1);
  }

  /**
   * The index of the first byte of the first malformed UTF-8 sequence in {@code bytes}, or -1 when
   * all of it is well-formed UTF-8 as the JDK's strict decoder reads it (RFC 3629: no overlong
   * forms, no surrogates U+D800..U+DFFF, nothing above U+10FFFF, no truncated sequence at the end).
   * Allocates nothing: the check used to decode every event into a char buffer of twice its size.
   * Pure.
   */
  static int firstInvalidUtf8At(byte[] bytes) {
    int i = 0;
    int n = bytes.length;
    while (i < n) {
      int b = bytes[i];
      if (b >= 0) { // ASCII, the usual case
        i++;
        continue;
      }
      b &= 0xff;
      int len;
      int lo = 0x80; // the second byte's range; later bytes are 0x80..0xBF
      int hi = 0xBF;
      if (b >= 0xC2 && b <= 0xDF) {
        len = 2;
      } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        if (b == 0xE0) {
          lo = 0xA0; // no overlong forms
        } else if (b == 0xED) {
          hi = 0x9F; // no surrogates
        }
      } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        if (b == 0xF0) {
          lo = 0x90; // no overlong forms
        } else if (b == 0xF4) {
          hi = 0x8F; // nothing above U+10FFFF
        }
      } else {
        return i; // a continuation byte without a lead, 0xC0, 0xC1 or 0xF5..0xFF
      }
      if (i + len > n) {
        return i;
      }
      int second = bytes[i + 1] & 0xff;
      if (second < lo || second > hi) {
        return i;
      }
      for (int k = 2; k < len; k++) {
        int c = bytes[i + k] & 0xff;
        if (c < 0x80 || c > 0xBF) {
          return i;
        }
      }
      i += len;
    }
    return -1;
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
    // a required field missing or null: name it (the envelope's fields checked by JobEvent's
    // constructor)
    if (root instanceof NullPointerException npe
        && npe.getMessage() != null
        && npe.getMessage().matches("[a-z_]{1,32}")) {
      return "field \"" + npe.getMessage() + "\": is required";
    }
    String field =
        ex instanceof com.fasterxml.jackson.databind.JsonMappingException m ? path(m) : "";
    if (!field.isEmpty()) {
      if (msg.startsWith("Cannot map `null`")) {
        return "field \"" + field + "\": is required";
      }
      msg = "field \"" + field + "\": " + msg;
    }
    if (root != ex && root.getMessage() != null && !msg.contains(root.getMessage())) {
      msg = msg + " (" + root.getMessage() + ")";
    }
    return msg;
  }

  /** The JSON path of a mapping error, e.g. {@code job.images[0]}, or empty. */
  private static String path(com.fasterxml.jackson.databind.JsonMappingException m) {
    StringBuilder b = new StringBuilder();
    for (com.fasterxml.jackson.databind.JsonMappingException.Reference r : m.getPath()) {
      if (r.getFieldName() != null) {
        b.append(b.length() == 0 ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  private static IllegalArgumentException refused(String why, @Nullable Throwable cause) {
    return new IllegalArgumentException(
        Redact.clip(Redact.text(Redact.clip(why, 4 * MAX_REASON_CHARS)), MAX_REASON_CHARS), cause);
  }
}
