package dev.editstream.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Shows a batch's {@link ProgressLine} on a console: the adapter between the pure formatter and a
 * {@link PrintStream}.
 *
 * <ul>
 *   <li><b>Interactive</b> (a terminal): one line rewritten in place ({@code \r}, the line,
 *       clear-to-end-of-line {@code ESC[K}), never a line break, at most one redraw per {@link
 *       #MIN_REDRAW_MS} (4 per second). Lines wider than the terminal are cut to its width minus
 *       one, or the terminal would wrap them and every redraw would leave a line behind.
 *   <li><b>Not interactive</b> (a pipe, a file, CI): whole lines, the first at the first {@link
 *       #update}, then at most one per {@code period} (default {@link #DEFAULT_PERIOD 10 s}): once
 *       the period has passed, a line is printed when the counts changed since the last line (which
 *       covers every 10% milestone), or when {@link #HEARTBEAT_PERIODS} periods passed without
 *       change (so a stalled run still shows it is alive).
 *   <li>{@link #message(String)} prints an ordinary line between progress lines; {@link #finish}
 *       always prints the final line, with a line break.
 * </ul>
 *
 * <p>Time for the throttling comes from an injected nanosecond clock, so tests need no sleeps; the
 * elapsed time shown and fed to the {@link Rate} is the one passed to {@link #update}. Thread-safe:
 * every method is synchronized, so messages from other threads interleave with whole progress
 * output only.
 */
public final class ConsoleProgress {
  /** Default time between two lines when not interactive: 10 s. */
  public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(10);

  /** Shortest time between two redraws of the interactive line: 250 ms. */
  public static final long MIN_REDRAW_MS = 250;

  /**
   * Not interactive and nothing changed: a line anyway after this many periods (60 s by default).
   */
  public static final int HEARTBEAT_PERIODS = 6;

  static final String CLEAR_TO_EOL = "\033[K";

  private final PrintStream out;
  private final boolean interactive;
  private final long periodNanos;
  private final int columns;
  private final String separator;
  private final LongSupplier nanoTime;

  private Rate rate;

  /** Interactive: a progress line is on screen, without a line break after it. */
  private boolean drawn;

  private boolean printedAny;
  private long lastPrintNanos;
  private ProgressLine.@Nullable Counts lastPrinted;
  private boolean finished;

  /**
   * A console progress with the default period, no width limit, the Unicode separator, a new batch
   * (no jobs finished before this run) and {@link System#nanoTime()}.
   *
   * @param out where progress goes
   * @param interactive true when {@code out} is a terminal (see {@link #isTerminal()})
   */
  public ConsoleProgress(PrintStream out, boolean interactive) {
    this(out, interactive, DEFAULT_PERIOD, 0, false, 0, System::nanoTime);
  }

  /**
   * A console progress.
   *
   * @param out where progress goes
   * @param interactive true when {@code out} is a terminal (see {@link #isTerminal()})
   * @param period least time between two lines when not interactive (positive)
   * @param columns terminal width in characters; interactive lines are cut to {@code columns - 1};
   *     0 or less: no limit
   * @param ascii true to separate the parts with {@link ProgressLine#ASCII_SEPARATOR} instead of
   *     {@code ·}
   * @param finishedAtStart jobs (done + failed) finished before this run started (a resumed batch),
   *     kept out of the rate
   * @param nanoTime a monotonic clock in ns, {@link System#nanoTime()} outside tests
   */
  public ConsoleProgress(
      PrintStream out,
      boolean interactive,
      Duration period,
      int columns,
      boolean ascii,
      int finishedAtStart,
      LongSupplier nanoTime) {
    this.out = Objects.requireNonNull(out, "out");
    this.interactive = interactive;
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("period must be positive: " + period);
    }
    this.periodNanos = period.toNanos();
    this.columns = columns;
    this.separator = ascii ? ProgressLine.ASCII_SEPARATOR : ProgressLine.SEPARATOR;
    this.rate = Rate.start(finishedAtStart);
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  /**
   * A console progress for {@code out} as it is: interactive when {@code out} is {@link System#out}
   * and {@link #isTerminal()}, cut to {@link #terminalColumns()}, ASCII separators when the
   * console's charset cannot show {@code ·}, default period, {@link System#nanoTime()}.
   *
   * @param out where progress goes, normally {@link System#out}
   * @param finishedAtStart jobs (done + failed) finished before this run started; 0 for a new batch
   * @return the console progress
   */
  public static ConsoleProgress detect(PrintStream out, int finishedAtStart) {
    boolean interactive = out == System.out && isTerminal();
    return new ConsoleProgress(
        out,
        interactive,
        DEFAULT_PERIOD,
        interactive ? terminalColumns() : 0,
        !stdoutShowsMiddleDot(),
        finishedAtStart,
        System::nanoTime);
  }

  /**
   * Whether this process writes to a terminal that understands {@code \r} and {@code ESC[K}: {@link
   * System#console()} is not null and the environment variable {@code TERM} is not {@code dumb}.
   */
  @SuppressWarnings("SystemConsoleNull") // Java 17: no console when not interactive
  public static boolean isTerminal() {
    return isTerminal(System.console() != null, System.getenv("TERM"));
  }

  /**
   * The rule of {@link #isTerminal()}, testable.
   *
   * @param hasConsole whether {@link System#console()} is not null
   * @param term the value of {@code TERM}, or null
   * @return whether to draw one updating line
   */
  static boolean isTerminal(boolean hasConsole, @Nullable String term) {
    return hasConsole && !"dumb".equalsIgnoreCase(term == null ? "" : term.strip());
  }

  /**
   * The terminal's width in characters: the environment variable {@code COLUMNS} when set, else
   * {@code stty size} on {@code /dev/tty} (at most 1 s), else 0 (unknown).
   *
   * @return columns, or 0 when unknown
   */
  public static int terminalColumns() {
    int fromEnv = parseColumns(System.getenv("COLUMNS"));
    if (fromEnv > 0) {
      return fromEnv;
    }
    try {
      Process p =
          new ProcessBuilder("sh", "-c", "stty size < /dev/tty")
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      try (InputStream in = p.getInputStream()) {
        if (!p.waitFor(1, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          return 0;
        }
        String[] rowsCols =
            new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip().split("\\s+");
        return rowsCols.length == 2 ? parseColumns(rowsCols[1]) : 0;
      }
    } catch (IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  /** A positive column count, or 0. */
  static int parseColumns(String s) {
    if (s == null) {
      return 0;
    }
    try {
      return Math.max(0, Integer.parseInt(s.strip()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * Whether {@link System#out}'s charset (Java 17: {@code sun.stdout.encoding} or the default) has
   * {@code ·}.
   */
  private static boolean stdoutShowsMiddleDot() {
    try {
      String enc = System.getProperty("sun.stdout.encoding");
      Charset cs = enc != null ? Charset.forName(enc) : Charset.defaultCharset();
      return cs.newEncoder().canEncode('\u00b7');
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Whether this console progress rewrites one line in place. */
  public boolean interactive() {
    return interactive;
  }

  /** The rate estimator as of the last {@link #update} or {@link #finish}. */
  public synchronized Rate rate() {
    return rate;
  }

  /**
   * Feeds the rate and shows the progress if it is time to: interactive, redraws the line when
   * {@link #MIN_REDRAW_MS} passed since the last redraw (or a {@link #message} removed it);
   * otherwise prints a line per the rules of the class. Meant to be called about 4 times a second.
   * Does nothing after {@link #finish}.
   *
   * @param c the counts now
   * @param elapsed time since the run started
   */
  public synchronized void update(ProgressLine.Counts c, Duration elapsed) {
    if (finished) {
      return;
    }
    rate = rate.sample(elapsed.toMillis(), c.finished());
    long now = nanoTime.getAsLong();
    if (interactive) {
      if (drawn && now - lastPrintNanos < TimeUnit.MILLISECONDS.toNanos(MIN_REDRAW_MS)) {
        return;
      }
      draw(line(c, elapsed));
    } else {
      if (printedAny) {
        long since = now - lastPrintNanos;
        if (since < periodNanos) {
          return;
        }
        boolean changed = !sameCounts(c, lastPrinted);
        if (!changed && since < periodNanos * HEARTBEAT_PERIODS) {
          return;
        }
      }
      out.println(line(c, elapsed));
      out.flush();
    }
    printedAny = true;
    lastPrintNanos = now;
    lastPrinted = c;
  }

  /**
   * Prints an ordinary line. On a terminal the progress line is cleared first and redrawn at the
   * next {@link #update}.
   *
   * @param line the text, without a line break
   */
  public synchronized void message(String line) {
    if (interactive && drawn) {
      out.print("\r" + CLEAR_TO_EOL);
      drawn = false;
    }
    out.println(line);
    out.flush();
  }

  /**
   * Prints the final progress line, always, with a line break (on a terminal it replaces the
   * updating line). Later {@link #update} calls do nothing.
   *
   * @param c the final counts
   * @param elapsed time since the run started
   */
  public synchronized void finish(ProgressLine.Counts c, Duration elapsed) {
    rate = rate.sample(elapsed.toMillis(), c.finished());
    String line = line(c, elapsed);
    if (interactive) {
      out.print("\r" + line + CLEAR_TO_EOL + System.lineSeparator());
    } else {
      out.println(line);
    }
    out.flush();
    drawn = false;
    finished = true;
    printedAny = true;
    lastPrintNanos = nanoTime.getAsLong();
    lastPrinted = c;
  }

  private void draw(String line) {
    out.print("\r" + fit(line) + CLEAR_TO_EOL);
    out.flush();
    drawn = true;
  }

  private String line(ProgressLine.Counts c, Duration elapsed) {
    return ProgressLine.format(c, elapsed, rate, separator);
  }

  /** The line cut to the terminal's width minus one, so the terminal never wraps it. */
  String fit(String line) {
    if (columns <= 1 || line.length() < columns) {
      return line;
    }
    int end = columns - 1;
    if (Character.isHighSurrogate(line.charAt(end - 1))) {
      end--;
    }
    return line.substring(0, end);
  }

  private static boolean sameCounts(ProgressLine.Counts a, ProgressLine.@Nullable Counts b) {
    return b != null
        && a.total() == b.total()
        && a.done() == b.done()
        && a.failed() == b.failed()
        && a.inFlight() == b.inFlight()
        && a.queued() == b.queued()
        && a.paused() == b.paused()
        && Objects.equals(a.pausedReason(), b.pausedReason());
  }
}
