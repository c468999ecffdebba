package dev.editstream.runcomfy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Parses an HTTP {@code Retry-After} header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
 * Pure. RunComfy does not document the header; editstream honours it when present (RunComfy docs,
 * "Error codes": 429 happens).
 *
 * <p>A hostile or broken server cannot freeze a stage (issue 14, defect 7: {@code Retry-After:
 * 999999} held submissions for 11.6 days): delays, in seconds or as a date, are capped at {@link
 * #MAX_DELAY}; a value of more than 12 digits is ignored as unparseable. The stage's own caps (its
 * max backoff, the job's deadline) apply on top, in the pipeline.
 */
public final class RetryAfter {
  /** The longest delay returned: 1 hour. */
  public static final Duration MAX_DELAY = Duration.ofHours(1);

  private RetryAfter() {}

  /**
   * @param header the header value, or {@code null}
   * @param now the current time (for an HTTP-date)
   * @return the delay, never negative (a date in the past gives zero) and at most {@link
   *     #MAX_DELAY}; empty when absent or unparseable
   */
  public static Optional<Duration> parse(@Nullable String header, Instant now) {
    if (header == null) {
      return Optional.empty();
    }
    String v = header.trim();
    if (v.isEmpty()) {
      return Optional.empty();
    }
    if (v.chars().allMatch(c -> c >= '0' && c <= '9')) {
      if (v.length() > 12) {
        return Optional.empty();
      }
      return Optional.of(cap(Duration.ofSeconds(Long.parseLong(v))));
    }
    try {
      Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration d = Duration.between(now, at);
      return Optional.of(d.isNegative() ? Duration.ZERO : cap(d));
    } catch (DateTimeParseException | ArithmeticException e) {
      return Optional.empty();
    }
  }

  private static Duration cap(Duration d) {
    return d.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : d;
  }
}
