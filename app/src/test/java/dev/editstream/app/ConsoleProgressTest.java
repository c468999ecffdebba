package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ConsoleProgressTest {
  private static final String NL = System.lineSeparator();
  private static final String EL = ConsoleProgress.CLEAR_TO_EOL;

  /** A console writing into a buffer, with a clock the test moves. */
  private static final class Fixture {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    final ConsoleProgress console;
    private int consumed;

    Fixture(boolean interactive) {
      this(interactive, Duration.ofSeconds(10), 0, 0);
    }

    Fixture(boolean interactive, Duration period, int columns, int finishedAtStart) {
      console =
          new ConsoleProgress(
              new PrintStream(bytes, true, StandardCharsets.UTF_8),
              interactive,
              period,
              columns,
              false,
              finishedAtStart,
              nanos::get);
    }

    /** Moves the clock and returns the elapsed time the caller would pass (same origin). */
    void advanceMs(long ms) {
      nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    Duration elapsed() {
      return Duration.ofNanos(nanos.get() - 1_000_000_000L);
    }

    void update(ProgressLine.Counts c) {
      console.update(c, elapsed());
    }

    String all() {
      return bytes.toString(StandardCharsets.UTF_8);
    }

    /** What was written since the last call. */
    String fresh() {
      String s = all();
      String f = s.substring(consumed);
      consumed = s.length();
      return f;
    }

    /** Complete lines written so far (non-interactive output). */
    List<String> lines() {
      String s = all();
      return s.isEmpty()
          ? List.of()
          : Arrays.asList(s.split(NL, -1)).subList(0, s.split(NL, -1).length - 1);
    }
  }

  private static ProgressLine.Counts counts(int total, int done, int failed) {
    return new ProgressLine.Counts(
        total, done, failed, Math.max(0, total - done - failed), 0, 0.10, true, null);
  }

  @Nested
  class Interactive {
    @Test
    void shouldRewriteOneLineInPlace() {
      Fixture f = new Fixture(true);
      f.update(counts(10, 0, 0));
      String first = f.fresh();
      assertThat(first).startsWith("\r[   0.0s] 0/10 done").endsWith(EL).doesNotContain("\n");
      for (int i = 1; i <= 40; i++) {
        f.advanceMs(250);
        f.update(counts(10, i / 4, 0));
        String out = f.fresh();
        assertThat(out).as("call %d", i).startsWith("\r").endsWith(EL).doesNotContain("\n");
        assertThat(out.chars().filter(ch -> ch == '\r').count()).isEqualTo(1);
      }
      assertThat(f.all()).doesNotContain("\n");
    }

    @Test
    void shouldRedrawAtMostFourTimesASecond() {
      Fixture f = new Fixture(true);
      int redraws = 0;
      for (int i = 0; i < 100; i++) { // 100 calls 10 ms apart: 1 s
        f.update(counts(10, 0, 0));
        if (!f.fresh().isEmpty()) {
          redraws++;
        }
        f.advanceMs(10);
      }
      assertThat(redraws).isEqualTo(4);
    }

    @Test
    void shouldClearTheLineForAMessageAndRedrawAtTheNextUpdate() {
      Fixture f = new Fixture(true);
      f.update(counts(10, 1, 0));
      f.fresh();
      f.advanceMs(10);
      f.console.message("refused line 7: no prompt");
      assertThat(f.fresh()).isEqualTo("\r" + EL + "refused line 7: no prompt" + NL);
      f.advanceMs(10); // well inside the 250 ms throttle: redrawn anyway, the line is gone
      f.update(counts(10, 2, 0));
      assertThat(f.fresh()).startsWith("\r[   0.0s] 2/10 done").endsWith(EL);
    }

    @Test
    void shouldPrintAMessageAsIsWhenNoLineIsDrawn() {
      Fixture f = new Fixture(true);
      f.console.message("hello");
      assertThat(f.fresh()).isEqualTo("hello" + NL);
    }

    @Test
    void shouldEndWithTheFinalLineAndALineBreak() {
      Fixture f = new Fixture(true);
      f.update(counts(2, 1, 0));
      f.fresh();
      f.advanceMs(1);
      f.console.finish(counts(2, 1, 1), f.elapsed());
      assertThat(f.fresh()).startsWith("\r[   0.0s] 1/2 done · 1 failed").endsWith(EL + NL);
      f.advanceMs(1_000);
      f.update(counts(2, 1, 1));
      assertThat(f.fresh()).isEmpty();
    }

    @Test
    void shouldCutLinesToTheTerminalWidth() {
      Fixture f = new Fixture(true, Duration.ofSeconds(10), 40, 0);
      f.update(counts(300, 140, 3));
      String out = f.fresh();
      String line = out.substring(1, out.length() - EL.length());
      assertThat(line).hasSize(39).startsWith("[   0.0s] 140/300 done");
      assertThat(f.console.fit("short")).isEqualTo("short");
    }

    @Test
    void shouldShowTheRateFromTheElapsedTimesPassed() {
      Fixture f = new Fixture(true);
      for (int s = 0; s <= 10; s++) {
        f.update(counts(100, s * 2, 0));
        f.advanceMs(1_000);
      }
      assertThat(f.console.rate().jobsPerSecond()).isEqualTo(2.0);
      assertThat(f.fresh())
          .endsWith(
              "20/100 done · 0 failed · 80 in flight · 0 queued · 2.0 jobs/s · ETA 40s · $0.10 so far"
                  + EL);
    }
  }

  @Nested
  class NotInteractive {
    @Test
    void shouldPrintTheFirstUpdateAtOnce() {
      Fixture f = new Fixture(false);
      f.update(counts(10, 0, 0));
      assertThat(f.lines())
          .containsExactly(
              "[   0.0s] 0/10 done · 0 failed · 10 in flight · 0 queued · -- jobs/s · ETA -- · $0.10 so far");
      assertThat(f.all()).doesNotContain("\r", EL);
    }

    @Test
    void shouldPrintAtMostOncePerPeriod() {
      Fixture f = new Fixture(false);
      long[] printedAt = new long[200];
      int printed = 0;
      // 60 s of updates 250 ms apart, a job finishing at every call (every 10% milestone crossed
      // many times).
      for (int i = 0; i < 240; i++) {
        f.update(counts(240, i, 0));
        if (!f.fresh().isEmpty()) {
          printedAt[printed++] = f.elapsed().toMillis();
        }
        f.advanceMs(250);
      }
      assertThat(printed).isEqualTo(6);
      for (int i = 1; i < printed; i++) {
        assertThat(printedAt[i] - printedAt[i - 1]).isGreaterThanOrEqualTo(10_000);
      }
      assertThat(f.all()).doesNotContain("\r");
    }

    @Test
    void shouldHonourAShorterPeriod() {
      Fixture f = new Fixture(false, Duration.ofSeconds(1), 0, 0);
      for (int i = 0; i < 40; i++) { // 10 s
        f.update(counts(40, i, 0));
        f.advanceMs(250);
      }
      assertThat(f.lines()).hasSize(10);
    }

    @Test
    void shouldStayQuietWhileNothingChangesExceptForAHeartbeat() {
      Fixture f = new Fixture(false);
      f.update(counts(10, 3, 0));
      f.fresh();
      int printed = 0;
      for (int i = 0; i < 4 * 59; i++) { // 59 s with nothing changing
        f.advanceMs(250);
        f.update(counts(10, 3, 0));
        printed += f.fresh().isEmpty() ? 0 : 1;
      }
      assertThat(printed).isZero();
      f.advanceMs(1_000); // 60 s since the last line
      f.update(counts(10, 3, 0));
      assertThat(f.fresh()).startsWith("[  60.0s] 3/10 done");
    }

    @Test
    void shouldPrintAChangeOnceThePeriodHasPassed() {
      Fixture f = new Fixture(false);
      f.update(counts(10, 3, 0));
      f.advanceMs(9_999);
      f.update(counts(10, 4, 0));
      assertThat(f.lines()).hasSize(1);
      f.advanceMs(1);
      f.update(
          counts(10, 4, 0)); // unchanged since the call before, but changed since the last line
      assertThat(f.lines()).hasSize(2).last().asString().startsWith("[  10.0s] 4/10 done");
    }

    @Test
    void shouldAlwaysPrintTheFinalLine() {
      Fixture f = new Fixture(false);
      f.update(counts(10, 9, 0));
      f.advanceMs(1);
      f.console.finish(counts(10, 9, 1), f.elapsed());
      assertThat(f.lines()).hasSize(2);
      assertThat(f.lines().get(1)).startsWith("[   0.0s] 9/10 done · 1 failed · 0 in flight");
      f.advanceMs(60_000);
      f.update(counts(10, 9, 1));
      assertThat(f.lines()).hasSize(2);
    }

    @Test
    void shouldPrintTheFinalLineWithoutAnyUpdate() {
      Fixture f = new Fixture(false);
      f.console.finish(counts(0, 0, 0), Duration.ZERO);
      assertThat(f.all())
          .isEqualTo(
              "[   0.0s] 0/0 done · 0 failed · 0 in flight · 0 queued · -- jobs/s · ETA 0s · $0.10 so far"
                  + NL);
    }

    @Test
    void shouldInterleaveMessagesAsWholeLines() {
      Fixture f = new Fixture(false);
      f.update(counts(10, 0, 0));
      f.console.message("refused line 3: bad json");
      f.advanceMs(10_000);
      f.update(counts(10, 5, 0));
      f.console.message("paused: no balance");
      f.console.finish(counts(10, 10, 0), f.elapsed());
      List<String> lines = f.lines();
      assertThat(lines).hasSize(5);
      assertThat(lines.get(0)).startsWith("[   0.0s] 0/10 done");
      assertThat(lines.get(1)).isEqualTo("refused line 3: bad json");
      assertThat(lines.get(2)).startsWith("[  10.0s] 5/10 done");
      assertThat(lines.get(3)).isEqualTo("paused: no balance");
      assertThat(lines.get(4)).startsWith("[  10.0s] 10/10 done").contains("ETA 0s");
    }

    @Test
    void shouldNotCountMessagesAgainstThePeriod() {
      Fixture f = new Fixture(false);
      f.update(counts(10, 0, 0));
      f.advanceMs(5_000);
      f.console.message("m");
      f.advanceMs(5_000);
      f.update(counts(10, 1, 0));
      assertThat(f.lines()).hasSize(3);
    }

    @Test
    void shouldKeepResumedJobsOutOfTheRate() {
      Fixture f = new Fixture(false, Duration.ofSeconds(10), 0, 50);
      for (int s = 0; s <= 10; s++) {
        f.update(
            counts(
                100, Math.min(50, s * 25) + Math.max(0, s - 2), 0)); // catch-up of 50, then 1 job/s
        f.advanceMs(1_000);
      }
      assertThat(f.console.rate().finishedThisRun()).isEqualTo(8);
      assertThat(f.console.rate().jobsPerSecond()).isEqualTo(0.8);
    }
  }

  @Nested
  class Setup {
    @Test
    void shouldTellATerminal() {
      assertThat(ConsoleProgress.isTerminal(true, "xterm-256color")).isTrue();
      assertThat(ConsoleProgress.isTerminal(true, null)).isTrue();
      assertThat(ConsoleProgress.isTerminal(true, "dumb")).isFalse();
      assertThat(ConsoleProgress.isTerminal(true, "DUMB ")).isFalse();
      assertThat(ConsoleProgress.isTerminal(false, "xterm")).isFalse();
    }

    @Test
    void shouldParseColumns() {
      assertThat(ConsoleProgress.parseColumns("120")).isEqualTo(120);
      assertThat(ConsoleProgress.parseColumns(" 80\n")).isEqualTo(80);
      assertThat(ConsoleProgress.parseColumns(null)).isZero();
      assertThat(ConsoleProgress.parseColumns("wide")).isZero();
      assertThat(ConsoleProgress.parseColumns("-3")).isZero();
    }

    @Test
    void shouldNotBeInteractiveForAStreamOtherThanStdout() {
      ConsoleProgress p =
          ConsoleProgress.detect(
              new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), 0);
      assertThat(p.interactive()).isFalse();
    }

    @Test
    void shouldUseAsciiSeparatorsWhenAsked() {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      ConsoleProgress p =
          new ConsoleProgress(
              new PrintStream(bytes, true, StandardCharsets.UTF_8),
              false,
              Duration.ofSeconds(10),
              0,
              true,
              0,
              () -> 0L);
      p.finish(counts(1, 1, 0), Duration.ofSeconds(1));
      assertThat(bytes.toString(StandardCharsets.UTF_8))
          .contains("1/1 done | 0 failed")
          .matches("\\p{ASCII}*");
    }

    @Test
    void shouldRejectANonPositivePeriod() {
      PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
      assertThatThrownBy(
              () -> new ConsoleProgress(out, false, Duration.ZERO, 0, false, 0, () -> 0L))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
