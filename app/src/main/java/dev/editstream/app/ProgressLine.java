package dev.editstream.app;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The one-line progress of a batch, as a person reads it: a pure formatter (no I/O, no Kafka types,
 * no clock), for example
 *
 * <pre>
 * [  12.3s] 140/300 done · 3 failed · 52 in flight · 105 queued · 11.4 jobs/s · ETA 14s · $1.23 so far
 * </pre>
 *
 * followed by {@code · paused: <reason>} while the pipeline is paused. The rate comes from a {@link
 * Rate} (jobs finished during this run, per second, over a sliding window); the ETA is the jobs not
 * yet finished divided by that rate.
 *
 * <p>Output is locale-independent (always a dot as decimal separator).
 */
public final class ProgressLine {
  /** Separator between the parts of a line, for terminals that show Unicode: {@code " · "}. */
  public static final String SEPARATOR = " \u00b7 ";

  /** Separator for output that may not show Unicode (7-bit logs): {@code " | "}. */
  public static final String ASCII_SEPARATOR = " | ";

  /** ETAs longer than this many seconds (99 h) are shown as {@code ETA >99h}. */
  static final long MAX_ETA_SECONDS = 99L * 3600;

  private ProgressLine() {}

  /**
   * The state of a batch at one moment.
   *
   * @param total jobs of the batch (refused lines included when the caller counts them as failed)
   * @param done jobs that ended done, those of earlier runs of a resumed batch included
   * @param failed jobs that ended failed, those of earlier runs included
   * @param inFlight jobs submitted to the provider and not yet ended
   * @param queued jobs published but not yet submitted
   * @param costUsd cost so far in USD (as far as known)
   * @param costKnown whether {@code costUsd} means anything; when false the line says {@code cost
   *     unknown}
   * @param pausedReason why the pipeline is paused (e.g. {@code "no balance"}), or {@code null} (or
   *     blank) when it is not paused
   */
  public record Counts(
      int total,
      int done,
      int failed,
      int inFlight,
      int queued,
      double costUsd,
      boolean costKnown,
      @Nullable String pausedReason) {

    /** Jobs that ended, done or failed. */
    public int finished() {
      return done + failed;
    }

    /** Jobs not yet ended: {@code total - done - failed}, never negative. */
    public int remaining() {
      return Math.max(0, total - done - failed);
    }

    /** Whether a pause reason is given (not null, not blank). */
    public boolean paused() {
      return pausedReason != null && !pausedReason.isBlank();
    }
  }

  /**
   * The progress line with the Unicode {@link #SEPARATOR}.
   *
   * @param c the counts
   * @param elapsed time since the run started (shown in seconds with one decimal)
   * @param rate the rate estimator; its newest sample should be of these counts
   * @return one line, no line break
   */
  public static String format(Counts c, Duration elapsed, Rate rate) {
    return format(c, elapsed, rate, SEPARATOR);
  }

  /**
   * The progress line.
   *
   * @param c the counts
   * @param elapsed time since the run started (shown in seconds with one decimal)
   * @param rate the rate estimator; its newest sample should be of these counts
   * @param separator between the parts: {@link #SEPARATOR} or {@link #ASCII_SEPARATOR}
   * @return one line, no line break
   */
  public static String format(Counts c, Duration elapsed, Rate rate, String separator) {
    double jobsPerSecond = rate.jobsPerSecond();
    StringBuilder b = new StringBuilder(128);
    b.append(elapsed(elapsed))
        .append(' ')
        .append(c.done())
        .append('/')
        .append(c.total())
        .append(" done")
        .append(separator)
        .append(c.failed())
        .append(" failed")
        .append(separator)
        .append(c.inFlight())
        .append(" in flight")
        .append(separator)
        .append(c.queued())
        .append(" queued")
        .append(separator)
        .append(rate(jobsPerSecond))
        .append(separator)
        .append(eta(c.remaining(), jobsPerSecond))
        .append(separator)
        .append(cost(c.costUsd(), c.costKnown()));
    if (c.paused()) {
      // paused(): the reason is set
      b.append(separator)
          .append("paused: ")
          .append(oneLine(Objects.requireNonNull(c.pausedReason(), "pausedReason")));
    }
    return b.toString();
  }

  /**
   * Elapsed time as {@code [ 12.3s]}: seconds with one decimal, right-aligned in 6 characters.
   *
   * @param elapsed time since the run started; negative is shown as 0
   * @return the bracketed time
   */
  public static String elapsed(Duration elapsed) {
    long ms = Math.max(0, elapsed.toMillis());
    return String.format(Locale.ROOT, "[%6.1fs]", ms / 1000.0);
  }

  /**
   * The rate as {@code 11.4 jobs/s} (two decimals below 1 job/s, e.g. {@code 0.25 jobs/s}), or
   * {@code -- jobs/s} when unknown.
   *
   * @param jobsPerSecond jobs/s, {@link Double#NaN} when unknown
   * @return the rate part of the line
   */
  public static String rate(double jobsPerSecond) {
    if (Double.isNaN(jobsPerSecond) || Double.isInfinite(jobsPerSecond) || jobsPerSecond < 0) {
      return "-- jobs/s";
    }
    return String.format(
        Locale.ROOT, jobsPerSecond < 0.995 ? "%.2f jobs/s" : "%.1f jobs/s", jobsPerSecond);
  }

  /**
   * The estimated time left: {@code ETA 14s}, {@code ETA 3m05s}, {@code ETA 1h02m}, {@code ETA
   * >99h}; {@code ETA 0s} when nothing remains; {@code ETA --} when jobs remain and the rate is 0
   * or unknown. Seconds are rounded up.
   *
   * @param remaining jobs not yet finished
   * @param jobsPerSecond jobs/s, {@link Double#NaN} when unknown
   * @return the ETA part of the line
   */
  public static String eta(int remaining, double jobsPerSecond) {
    if (remaining <= 0) {
      return "ETA 0s";
    }
    if (Double.isNaN(jobsPerSecond) || jobsPerSecond <= 0) {
      return "ETA --";
    }
    double seconds = Math.ceil(remaining / jobsPerSecond);
    if (seconds > MAX_ETA_SECONDS) {
      return "ETA >99h";
    }
    return "ETA " + duration((long) seconds);
  }

  /**
   * A duration in whole seconds, compact: {@code 14s}, {@code 3m05s}, {@code 1h02m} (minutes
   * truncated from there on).
   *
   * @param seconds at least 0
   * @return the compact form
   */
  public static String duration(long seconds) {
    long s = Math.max(0, seconds);
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
  }

  /**
   * The cost part: {@code $1.23 so far}, {@code <$0.01 so far} for a cost above 0 that rounds to
   * nothing, {@code cost unknown} when not known.
   *
   * @param costUsd cost so far in USD
   * @param costKnown whether the cost is known
   * @return the cost part of the line
   */
  public static String cost(double costUsd, boolean costKnown) {
    if (!costKnown || Double.isNaN(costUsd)) {
      return "cost unknown";
    }
    if (costUsd > 0 && costUsd < 0.005) {
      return "<$0.01 so far";
    }
    return String.format(Locale.ROOT, "$%.2f so far", costUsd);
  }

  /** The reason on one line: line breaks and other control characters become spaces. */
  private static String oneLine(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.strip().codePoints().forEach(cp -> b.appendCodePoint(Character.isISOControl(cp) ? ' ' : cp));
    return b.toString();
  }
}
