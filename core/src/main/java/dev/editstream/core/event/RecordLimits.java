package dev.editstream.core.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.editstream.core.Json;
import dev.editstream.core.Redact;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.job.Job;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jetbrains.annotations.Contract;
import org.jspecify.annotations.Nullable;

/**
 * The sizes every Kafka record of editstream must keep, decided once, and the pure decisions that
 * keep them: whether an event may be published as it is, and the {@code failed} event (class 65,
 * reason {@code record_too_large}) that replaces one that may not.
 *
 * <p>Why: Kafka refuses a record over the producer's {@code max.request.size} / the broker's {@code
 * message.max.bytes} (both about 1 MiB by default) with a non-retriable {@code
 * RecordTooLargeException}. A stage that retried its publish would retry forever, and a job whose
 * next event cannot be written would never end. So every outcome is checked here before it is
 * produced: a too-large {@code failed} event is shrunk until it fits (message clipped, history
 * trimmed to the last attempts, outputs, files and body dropped, the job's long fields clipped),
 * and any other too-large event becomes such a {@code failed} event.
 *
 * @param maxRecordBytes the largest serialized event value, bytes (default 900 KiB: Kafka's default
 *     1,000,000-byte limit minus headroom for the key, headers and batch overhead)
 * @param maxMessageChars the longest failure or attempt message, characters (default 4,000)
 * @param maxRequestIdChars the longest RunComfy {@code request_id} carried, characters (default
 *     200; real ones are UUIDs of 36)
 * @param maxOutputs the most output URLs of one job (default 1,000)
 * @param maxHistory the most earlier attempts kept in a shrunk {@code failed} event (default 20,
 *     the last ones)
 */
public record RecordLimits(
    int maxRecordBytes,
    int maxMessageChars,
    int maxRequestIdChars,
    int maxOutputs,
    int maxHistory) {
  /** The failure reason of an event that does not fit. */
  public static final FailureReason REASON = FailureReason.RECORD_TOO_LARGE;

  /** The defaults: 900 KiB, 4,000 chars, 200 chars, 1,000 outputs, 20 attempts. */
  public static final RecordLimits DEFAULTS = new RecordLimits(900 * 1024, 4_000, 200, 1_000, 20);

  /**
   * The room a shrunk {@code failed} event keeps for envelope fields that are never clipped, bytes.
   */
  private static final int MIN_RECORD_BYTES = 16 * 1024;

  /**
   * @throws IllegalArgumentException naming the limit that breaks its rule
   */
  public RecordLimits {
    if (maxRecordBytes < MIN_RECORD_BYTES) {
      throw new IllegalArgumentException(
          "maxRecordBytes must be >= " + MIN_RECORD_BYTES + ", was " + maxRecordBytes);
    }
    if (maxMessageChars < 100 || maxMessageChars > maxRecordBytes / 16) {
      throw new IllegalArgumentException(
          "maxMessageChars must be in 100.." + maxRecordBytes / 16 + ", was " + maxMessageChars);
    }
    if (maxRequestIdChars < 1 || maxRequestIdChars > maxMessageChars) {
      throw new IllegalArgumentException(
          "maxRequestIdChars must be in 1..maxMessageChars, was " + maxRequestIdChars);
    }
    if (maxOutputs < 1) {
      throw new IllegalArgumentException("maxOutputs must be >= 1, was " + maxOutputs);
    }
    if (maxHistory < 1 || maxHistory > 1000) {
      throw new IllegalArgumentException("maxHistory must be in 1..1000, was " + maxHistory);
    }
  }

  /**
   * The event as the UTF-8 JSON bytes put on Kafka (the same bytes as the pipeline's codec), always
   * in envelope version {@link JobEvent#VERSION}: an event read in an older version is written with
   * {@code "v"} set to the current one (its fields are written in the current shape).
   */
  public static byte[] encode(JobEvent e) {
    JobEvent current = e.v() == JobEvent.VERSION ? e : e.toBuilder().v(JobEvent.VERSION).build();
    try {
      return Json.mapper().writeValueAsBytes(current);
    } catch (JsonProcessingException ex) {
      throw new UncheckedIOException("cannot encode event of job " + e.jobId(), ex);
    }
  }

  /**
   * Why {@code e} must not be published as it is, or empty when it may.
   *
   * @param e the event
   * @param encodedBytes its serialized size, bytes ({@code encode(e).length})
   * @return a sentence naming the field or size and the limit, e.g. {@code "is 1,234,567 bytes,
   *     over the limit of 921,600 bytes"}
   */
  public Optional<String> violation(JobEvent e, int encodedBytes) {
    if (encodedBytes > maxRecordBytes) {
      return Optional.of(
          String.format("is %,d bytes, over the limit of %,d bytes", encodedBytes, maxRecordBytes));
    }
    for (Submission s : e.requests()) {
      if (s.requestId() != null && s.requestId().length() > maxRequestIdChars) {
        return Optional.of(
            String.format(
                "carries a request_id of %,d chars, over the limit of %,d chars",
                s.requestId().length(), maxRequestIdChars));
      }
    }
    if (e.outputs() != null && e.outputs().size() > maxOutputs) {
      return Optional.of(
          String.format(
              "carries %,d output URLs, over the limit of %,d", e.outputs().size(), maxOutputs));
    }
    return Optional.empty();
  }

  /**
   * The event to publish instead of {@code e}: {@code e} itself when it keeps every limit; else,
   * for a {@code failed} event, a {@link #shrink shrunk} copy; for any other type, a {@code failed}
   * event of class 65 and reason {@code record_too_large} naming the size or field and the limit,
   * shrunk to fit. The result always keeps {@link #maxRecordBytes}.
   *
   * @param e the event a stage wants to publish
   * @param stage the stage that publishes it (the failure's stage)
   * @param now the failure's time
   */
  public JobEvent fit(JobEvent e, Stage stage, Instant now) {
    if (e.type() == EventType.FAILED) {
      return shrink(e);
    }
    Optional<String> why = violation(e, encode(e).length);
    if (why.isEmpty()) {
      return e;
    }
    return shrink(e.failed(tooLarge(e, stage, why.get()), now));
  }

  /** The failure of an event that {@link #violation violates} a limit. */
  public Failure tooLarge(JobEvent e, Stage stage, String violation) {
    String msg =
        "job "
            + e.jobId()
            + ": its "
            + e.type().wire()
            + " event "
            + violation
            + " ("
            + REASON.wire()
            + ")";
    return new Failure(ExitClass.DATA, REASON, clip(msg), stage, e.attempt());
  }

  /**
   * A {@code failed} event that keeps every limit: the failure message and every attempt message
   * clipped to {@link #maxMessageChars}, the history trimmed to its last {@link #maxHistory}
   * attempts, and, while it is still too large, in this order: outputs, files and parts dropped and
   * the request_id clipped; the body dropped; the job's long fields clipped; finally everything but
   * the job's id and the failure. A dropped part is named in the failure message.
   *
   * @param failed a {@code failed} event
   * @return {@code failed} itself when nothing had to change
   */
  public JobEvent shrink(JobEvent failed) {
    if (failed.type() != EventType.FAILED || failed.failure() == null) {
      throw new IllegalArgumentException(
          "only a failed event with a failure can be shrunk, was " + failed.type());
    }
    List<Attempt> h = failed.history();
    boolean clipNeeded =
        (failed.failure().message() != null
                && failed.failure().message().length() > maxMessageChars)
            || h.size() > maxHistory
            || h.stream()
                .anyMatch(a -> a.message() != null && a.message().length() > maxMessageChars);
    if (!clipNeeded && violation(failed, encode(failed).length).isEmpty()) {
      return failed;
    }
    List<String> dropped = new ArrayList<>();
    List<Attempt> lastAttempts = new ArrayList<>();
    for (Attempt a : h.subList(Math.max(0, h.size() - maxHistory), h.size())) {
      lastAttempts.add(a.withMessage(clip(a.message())));
    }
    if (h.size() > maxHistory) {
      dropped.add((h.size() - maxHistory) + " oldest attempts");
    }
    JobEvent e =
        with(
            failed,
            failed.job(),
            failed.route(),
            failed.body(),
            failed.submission(),
            failed.outputs(),
            failed.files(),
            failed.parts(),
            lastAttempts,
            dropped);
    if (fits(e)) {
      return e;
    }
    if (failed.outputs() != null) {
      dropped.add(failed.outputs().size() + " output URLs");
    }
    if (failed.files() != null) {
      dropped.add(failed.files().size() + " files");
    }
    Submission s = failed.submission() == null ? null : clip(failed.submission());
    e =
        with(
            failed,
            failed.job(),
            failed.route(),
            failed.body(),
            s,
            null,
            null,
            null,
            lastAttempts,
            dropped);
    if (fits(e)) {
      return e;
    }
    dropped.add("the request body");
    e =
        with(
            failed, failed.job(), failed.route(), null, s, null, null, null, lastAttempts, dropped);
    if (fits(e)) {
      return e;
    }
    dropped.add("long job fields clipped");
    e =
        with(
            failed,
            clip(failed.job()),
            failed.route(),
            null,
            s,
            null,
            null,
            null,
            lastAttempts,
            dropped);
    if (fits(e)) {
      return e;
    }
    dropped.add("route, submission and history");
    Job bare =
        new Job(
            failed.job() == null ? failed.jobId() : failed.job().id(),
            "",
            List.of(),
            null,
            null,
            null,
            Map.of(),
            null);
    return with(failed, bare, null, null, null, null, null, null, List.of(), dropped);
  }

  private boolean fits(JobEvent e) {
    return violation(e, encode(e).length).isEmpty();
  }

  private JobEvent with(
      JobEvent f,
      @Nullable Job job,
      @Nullable RouteDecision route,
      @Nullable Map<String, Object> body,
      @Nullable Submission s,
      @Nullable List<String> outputs,
      @Nullable List<OutputFile> files,
      @Nullable List<Submission> parts,
      List<Attempt> history,
      List<String> dropped) {
    Failure old = Objects.requireNonNull(f.failure(), "failure"); // shrink checked it
    String msg = old.message() == null ? "" : old.message();
    if (!dropped.isEmpty()) {
      msg =
          clip(msg, maxMessageChars - 200)
              + " [shrunk to fit a Kafka record: "
              + String.join(", ", dropped)
              + " dropped]";
    }
    return f.toBuilder()
        .job(job)
        .route(route)
        .body(body)
        .submission(s)
        .outputs(outputs)
        .files(files)
        .failure(old.withMessage(clip(msg)))
        .history(history)
        .parts(parts)
        .build();
  }

  /** {@code text} clipped to {@link #maxMessageChars}. */
  @Contract("!null -> !null")
  public @Nullable String clip(@Nullable String text) {
    return clip(text, maxMessageChars);
  }

  @Contract("!null, _ -> !null")
  private static @Nullable String clip(@Nullable String text, int max) {
    return Redact.clip(text, Math.max(40, max));
  }

  private Submission clip(Submission s) {
    return new Submission(
        clip(s.requestId(), maxRequestIdChars < 40 ? 40 : maxRequestIdChars),
        clip(s.statusUrl(), 2_000),
        clip(s.resultUrl(), 2_000),
        clip(s.cancelUrl(), 2_000),
        s.submittedAt(),
        s.slotBound());
  }

  /**
   * The job with each long field clipped: at most 100 inputs of 2,000 chars, no params over 4,000
   * chars of JSON.
   */
  @Contract("!null -> !null")
  private @Nullable Job clip(@Nullable Job j) {
    if (j == null) {
      return null;
    }
    List<String> images = j.images().stream().limit(100).map(r -> clip(r, 2_000)).toList();
    Map<String, Object> params = j.params();
    if (encodedLength(params) > maxMessageChars) {
      params = Map.of("_clipped", "params of " + encodedLength(params) + " bytes dropped");
    }
    return new Job(
        j.id(),
        clip(j.prompt()),
        images,
        clip(j.mask(), 2_000),
        clip(j.video(), 2_000),
        clip(j.model(), 200),
        params,
        clip(j.batch(), 200));
  }

  private static int encodedLength(Object o) {
    try {
      return Json.mapper().writeValueAsBytes(o).length;
    } catch (JsonProcessingException e) {
      return Integer.MAX_VALUE;
    }
  }
}
