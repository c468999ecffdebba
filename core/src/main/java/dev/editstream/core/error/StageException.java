package dev.editstream.core.error;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

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
  private final String reason;
  private final transient Duration retryAfter;

  /**
   * @param exitClass the class deciding retry or failure
   * @param reason a short machine-friendly reason, e.g. {@code http_429}, {@code schema}, {@code
   *     deadline}
   * @param message a human-readable message naming the field or status involved
   * @param retryAfter the server's Retry-After, or {@code null} when none was given
   */
  public StageException(ExitClass exitClass, String reason, String message, Duration retryAfter) {
    super(message, null, false, false);
    this.exitClass = Objects.requireNonNull(exitClass, "exitClass");
    this.reason = Objects.requireNonNull(reason, "reason");
    this.retryAfter = retryAfter;
  }

  /** A failure without a Retry-After. */
  public StageException(ExitClass exitClass, String reason, String message) {
    this(exitClass, reason, message, null);
  }

  public ExitClass exitClass() {
    return exitClass;
  }

  public String reason() {
    return reason;
  }

  /** The delay the server asked for (HTTP Retry-After), if any. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
