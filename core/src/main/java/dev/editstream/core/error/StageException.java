package dev.editstream.core.error;

import dev.editstream.core.event.FailureReason;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A failure of one pipeline stage for one job, already classified. Thrown (or signalled through a
 * Reactor error) by stage logic; the stage runner turns it into a retry or a {@code failed} event.
 *
 * <p>The message must never contain a token or a URL query string: build it from {@link
 * dev.editstream.core.Redact}ed parts.
 */
public final class StageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ExitClass exitClass;
  private final FailureReason reason;
  private final String reasonText;
  private final transient @Nullable Duration retryAfter;
  private final @Nullable Integer httpStatus;
  private final @Nullable Integer errorCode;
  private final boolean afterProgress;

  /**
   * @param exitClass the class deciding retry or failure
   * @param reason the machine reason, e.g. {@link FailureReason#SCHEMA}
   * @param message a human-readable message naming the field or status involved
   * @param retryAfter the server's Retry-After, or {@code null} when none was given
   */
  public StageException(
      ExitClass exitClass, FailureReason reason, String message, @Nullable Duration retryAfter) {
    this(exitClass, reason, reason.wire(), message, retryAfter, null, null, false);
  }

  /** A failure without a Retry-After. */
  public StageException(ExitClass exitClass, FailureReason reason, String message) {
    this(exitClass, reason, message, null);
  }

  /**
   * A failure whose reason has a detail in its wire text, e.g. {@code http_503_500001} ({@link
   * FailureReason#httpText}); the reason is {@link FailureReason#fromWire} of it.
   *
   * @param reasonText the wire text
   */
  public StageException(
      ExitClass exitClass, String reasonText, String message, @Nullable Duration retryAfter) {
    this(exitClass, reasonText, message, retryAfter, null, null);
  }

  /**
   * A failure read from an HTTP answer of the RunComfy API.
   *
   * @param httpStatus the answer's HTTP status, or {@code null} when no answer was read
   * @param errorCode RunComfy's numeric {@code error_code} from a JSON error envelope, or {@code
   *     null} when the body had none (a gateway page, an empty body): with a code, RunComfy's own
   *     application answered, which decides whether a submit can have created a request ({@code
   *     runcomfy-live-contract.md} §4)
   */
  public StageException(
      ExitClass exitClass,
      String reasonText,
      String message,
      @Nullable Duration retryAfter,
      @Nullable Integer httpStatus,
      @Nullable Integer errorCode) {
    this(
        exitClass,
        FailureReason.fromWire(Objects.requireNonNull(reasonText, "reason")),
        reasonText,
        message,
        retryAfter,
        httpStatus,
        errorCode,
        false);
  }

  /** A failure read from an HTTP answer (see above), with a reason of no detail. */
  public StageException(
      ExitClass exitClass,
      FailureReason reason,
      String message,
      @Nullable Duration retryAfter,
      @Nullable Integer httpStatus,
      @Nullable Integer errorCode) {
    this(exitClass, reason, reason.wire(), message, retryAfter, httpStatus, errorCode, false);
  }

  private StageException(
      ExitClass exitClass,
      FailureReason reason,
      String reasonText,
      @Nullable String message,
      @Nullable Duration retryAfter,
      @Nullable Integer httpStatus,
      @Nullable Integer errorCode,
      boolean afterProgress) {
    super(message, null, false, false);
    this.afterProgress = afterProgress;
    this.exitClass = Objects.requireNonNull(exitClass, "exitClass");
    this.reason = Objects.requireNonNull(reason, "reason");
    this.reasonText = Objects.requireNonNull(reasonText, "reasonText");
    this.retryAfter = retryAfter;
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
  }

  /**
   * The same failure (class, reason, Retry-After, HTTP status, error code) with another message.
   *
   * @param message the new message, e.g. this one with what became of the job's files
   */
  public StageException withMessage(String message) {
    return new StageException(
        exitClass, reason, reasonText, message, retryAfter, httpStatus, errorCode, afterProgress);
  }

  /**
   * The same failure, marked as coming after progress in its attempt: the provider had answered
   * this attempt's calls before this one failed (a request followed for an hour, then one 503). The
   * stage runner then counts the failure as the first of a new run of failures ({@link
   * dev.editstream.core.RetryPolicy#attemptFailed}), so transient faults spread over a long job do
   * not add up to {@code --max-attempts}; the job's deadline still bounds it.
   */
  public StageException afterProgress() {
    return afterProgress
        ? this
        : new StageException(
            exitClass, reason, reasonText, getMessage(), retryAfter, httpStatus, errorCode, true);
  }

  /** Whether this attempt made progress before it failed ({@link #afterProgress()}). */
  public boolean madeProgress() {
    return afterProgress;
  }

  /**
   * A failure without a Retry-After, from its reason's wire text (see {@link
   * #StageException(ExitClass, String, String, Duration)}).
   */
  public StageException(ExitClass exitClass, String reasonText, String message) {
    this(exitClass, reasonText, message, null);
  }

  /** The class deciding retry or failure. */
  public ExitClass exitClass() {
    return exitClass;
  }

  /** The machine reason. */
  public FailureReason reason() {
    return reason;
  }

  /**
   * The reason's exact wire text, e.g. {@code http_429_100429}; {@code reason().wire()} unless it
   * has a detail.
   */
  public String reasonText() {
    return reasonText;
  }

  /** The HTTP status of the answer this failure was read from; empty when no answer was read. */
  public Optional<Integer> httpStatus() {
    return Optional.ofNullable(httpStatus);
  }

  /** RunComfy's {@code error_code} from the answer's JSON envelope; empty when it had none. */
  public Optional<Integer> errorCode() {
    return Optional.ofNullable(errorCode);
  }

  /** The delay the server asked for (HTTP Retry-After), if any. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
