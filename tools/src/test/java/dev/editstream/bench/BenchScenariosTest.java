package dev.editstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BenchScenariosTest {
  @TempDir Path tmp;

  @Test
  void shouldReportPipelineAndPlainDriverRowsWithTheirRatioWhenOverheadBound() throws Exception {
    List<BenchResult> rows = OverheadScenario.run(20, tmp);

    assertThat(rows).extracting(BenchResult::scenario).containsExactly("b", "b-http");
    BenchResult pipe = rows.get(0);
    BenchResult http = rows.get(1);
    assertThat(pipe.jobs()).isEqualTo(20);
    assertThat(pipe.note())
        .contains("20 done, 0 failed")
        .contains("pipeline jobs/s ÷ plain driver jobs/s = ");
    assertThat(http.note()).contains("20 done, 0 failed").contains("no Kafka");
    assertThat(http.statusCallsPerJob()).isGreaterThanOrEqualTo(1.0);
    assertThat(http.jobsPerSecond()).isPositive();
    assertThat(pipe.note())
        .contains("the median of 3 alternating pairs")
        .contains("calls/job: submit 1.00");
    for (int pair = 1; pair <= OverheadScenario.PAIRS; pair++) {
      try (var files = Files.walk(tmp.resolve("b-http-" + pair).resolve("out"))) {
        assertThat(files.filter(Files::isRegularFile).count())
            .as("driver files of pair %d", pair)
            .isEqualTo(20);
      }
    }
  }

  /**
   * Scenario (c) in small: a cap of 4 the client is not told, so its adaptive limit (from 10) meets
   * 429s at once; the note tells the firm 429s that lowered the limit, read from the router's
   * flow-control meters, and every job ends done.
   */
  @Test
  void shouldTellHowOftenTheAdaptiveLimitWasLoweredAtAHiddenCap() throws Exception {
    BenchResult row =
        Scenarios.pipeline(
            "c-small",
            40,
            4,
            new dev.editstream.emulator.LatencyModel.Uniform(100, 300),
            0.2,
            tmp,
            "cap 4 hidden",
            true,
            dev.editstream.poller.PollSchedule.defaults(),
            dev.editstream.pipeline.flow.FlowControl.Settings.adaptive(1000).withSpeculation(0.9));

    assertThat(row.note())
        .contains("40 done, 0 failed")
        .containsPattern("limit lowered \\d+ times");
    assertThat(row.share429()).isPositive();
  }

  @Test
  void shouldReportTheRoutersCpuPerJobDistinctAndRepeated() throws Exception {
    BenchResult row = RoutingScenario.run(300);

    assertThat(row.scenario()).isEqualTo("r");
    assertThat(row.jobs()).isEqualTo(300);
    assertThat(row.cpuS()).isPositive();
    assertThat(row.note())
        .containsPattern(
            "\\d+ labelled cases in \\d+ languages; CPU per job: \\d+ µs with every prompt distinct")
        .containsPattern("\\d+ µs when a batch repeats its prompts");
  }

  /**
   * Scenario (v): in memory the views read every record of the finished jobs; with local stores the
   * first start reads them all too, and the restart only what came after.
   */
  @Test
  void shouldReadOnlyTheJobsFinishedSinceTheStoresCheckpointOnARestart() throws Exception {
    List<BenchResult> rows = ViewsScenario.run(2000, tmp);

    assertThat(rows)
        .extracting(BenchResult::scenario)
        .containsExactly("v-tracker", "v-memory", "v-build", "v-restart");
    // per job: requested, submitted, completed and done for the tracker; the done event for the
    // guard; two markers and the submitted event for the ledger
    assertThat(rows.get(0).note())
        .contains("run's BatchTracker, in memory; read 8000 records, 2000 jobs known")
        .contains("2000 finished jobs = 12000 records on the topics");
    assertThat(rows.get(1).note())
        .contains("in memory; read 2000 + 6000 records (guard + ledger), 2000 + 2000 jobs known");
    assertThat(rows.get(2).note())
        .contains(
            "local stores; read 2000 + 6000 + 8000 records (guard + ledger + tracker), 2000 + 2000"
                + " + 2000 jobs");
    assertThat(rows.get(3).note())
        .contains(
            "local stores; read 1000 + 3000 + 4000 records (guard + ledger + tracker), 3000 + 3000"
                + " + 3000 jobs")
        .contains("1000 more jobs finished while stopped");
    assertThat(rows.get(3).jobs()).isEqualTo(3000);
    assertThat(rows).allSatisfy(r -> assertThat(r.wallS()).isPositive());
    try (var files = Files.list(tmp.resolve("v").resolve("state"))) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .contains("bench-v.terminal.mv.db", "bench-v.ledger.mv.db", "bench-v.jobs.mv.db");
    }
  }

  /** Scenario (s): 200 inputs staged by 16 blocking callers; it once stalled (issue 16). */
  @Test
  void shouldStageTwoHundredImagesUploadingEachContentOnce() throws Exception {
    BenchResult row = StagingScenario.run(tmp);

    assertThat(row.scenario()).isEqualTo("s");
    assertThat(row.jobs()).isEqualTo(200);
    assertThat(row.note())
        .contains("200 images (20 repeated")
        .contains(": 180 uploaded;")
        .contains("inputs staged: 180 uploaded, 20 already stored")
        .containsPattern("used-heap growth \\d+ MB of a \\d+ MB heap");
    try (var left = Files.list(tmp)) {
      assertThat(left.filter(p -> p.getFileName().toString().startsWith("staging-")))
          .as("scratch files deleted")
          .isEmpty();
    }
  }

  @Test
  void shouldCompareThePipelineDownloadWithCurlAndDeleteBothFilesWhenOneLargeOutput()
      throws Exception {
    long bytes = 8L << 20;
    Path curlTarget = tmp.resolve("curl-blob");

    BenchResult row = LargeOutputScenario.run("d-8MiB", bytes, tmp, curlTarget);

    assertThat(row.scenario()).isEqualTo("d-8MiB");
    assertThat(row.note())
        .contains("8,388,608-byte output, after an untimed 8 MiB warm-up download")
        .contains("1 done, 0 failed")
        .contains("MiB/s")
        .contains("peak heap growth during the pipeline download")
        .contains("live-set growth")
        .contains("the whole JVM allocated")
        .containsPattern(
            "streaming \\d+\\.\\d\\d s with \\d+ background syncs, final fsync\\+rename \\d+\\.\\d\\d s");
    if (curlAvailable()) {
      assertThat(row.note()).contains("pipeline ÷ curl = ").contains("pipeline ÷ (curl + sync) = ");
    } else {
      assertThat(row.note()).contains("curl not found");
    }
    assertThat(curlTarget).doesNotExist();
    assertThat(tmp.resolve("d-8MiB").resolve("out")).doesNotExist();
  }

  @Test
  void shouldOpenTheHeapWindowOnlyOnceTheConditionHolds() {
    AtomicBoolean open = new AtomicBoolean(false);
    HeapWindow w = new HeapWindow(null, open::get, null, 1);
    try (w) {
      assertThat(w.openedAt()).isNull();
      assertThat(w.growthMb()).isZero();
      open.set(true);
      await().atMost(Duration.ofSeconds(5)).until(() -> w.openedAt() != null);
    }
    assertThat(w.growthMb()).isGreaterThanOrEqualTo(0.0);
  }

  @Test
  void shouldCountLiveDataKeptDuringTheWindowAsLiveGrowthAndNotGarbage() {
    AtomicBoolean armed = new AtomicBoolean(false);
    AtomicBoolean open = new AtomicBoolean(false);
    HeapWindow w = new HeapWindow(armed::get, open::get, null, 1);
    byte[][] kept = new byte[128][];
    try (w) {
      armed.set(true);
      await().atMost(Duration.ofSeconds(10)).until(() -> w.baselineGcMs() >= 0);
      open.set(true);
      await().atMost(Duration.ofSeconds(5)).until(() -> w.openedAt() != null);
      for (int i = 0; i < kept.length; i++) {
        kept[i] = new byte[256 * 1024]; // 32 MiB kept alive, in objects below G1's humongous size
      }
      // garbage until a GC ends inside the window (explicit System.gc() calls do not count)
      await()
          .pollInterval(Duration.ofMillis(1))
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                churn();
                return w.gcsInWindow() > 0;
              });
    }
    assertThat(java.util.Arrays.stream(kept).mapToInt(b -> b.length).sum()).isEqualTo(32 << 20);
    assertThat(w.liveGrowthMb()).isBetween(31.0, 96.0);
    assertThat(w.growthMb()).isGreaterThanOrEqualTo(31.0);
    assertThat(w.allocatedMb()).isGreaterThanOrEqualTo(32.0);
  }

  @Test
  void shouldCountAllocationPerThreadSoAThreadEndingInTheWindowSubtractsNothing() {
    // thread 1 allocated 900 before the window and ended in it; thread 2 allocated 50 in it;
    // thread 3 was born in it and allocated 7
    long inWindow =
        HeapWindow.allocatedSince(
            java.util.Map.of(1L, 900L, 2L, 100L), java.util.Map.of(2L, 150L, 3L, 7L));
    assertThat(inWindow).isEqualTo(57L);
    assertThat(HeapWindow.allocatedSince(java.util.Map.of(4L, 10L), java.util.Map.of())).isZero();
  }

  private static volatile Object sink;

  private static void churn() {
    for (int i = 0; i < 16 * 1024; i++) {
      sink = new byte[1024];
    }
  }

  @Test
  void shouldStopSamplingWhenTheEndConditionHolds() {
    AtomicBoolean ended = new AtomicBoolean(false);
    HeapWindow w = new HeapWindow(null, () -> true, ended::get, 1);
    byte[][] later = new byte[64][];
    try (w) {
      await().atMost(Duration.ofSeconds(5)).until(() -> w.openedAt() != null);
      ended.set(true);
      await().atMost(Duration.ofSeconds(5)).until(() -> w.endedAt() != null);
      double atEnd = w.growthMb();
      for (int i = 0; i < later.length; i++) {
        later[i] = new byte[256 * 1024]; // 16 MiB after the end: not counted
      }
      assertThat(w.growthMb()).isEqualTo(atEnd);
    }
    assertThat(later.length).isEqualTo(64);
    assertThat(w.growthMb()).isLessThan(16.0);
  }

  @Test
  void shouldRefuseANonPositiveHeapSamplingPeriod() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new HeapWindow(null, () -> true, null, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("periodMs");
  }

  @Test
  void shouldExitOneAndSayWhichScenarioWasSkippedWhenTheNameIsUnknown() {
    BenchCommand cmd = new BenchCommand();
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    cmd.out = new PrintStream(buf, true);
    int code =
        new CommandLine(cmd)
            .execute(
                "--scenario",
                "z",
                "--json",
                tmp.resolve("r.json").toString(),
                "--work",
                tmp.resolve("w").toString());
    assertThat(code).isEqualTo(1);
    assertThat(buf.toString())
        .contains("scenario z is not implemented")
        .contains("a, a-fixed2s, c, p, p-fixed2s, b, d, e, s, r, v, h, h-lat are");
  }

  private static boolean curlAvailable() {
    try {
      return new ProcessBuilder("curl", "--version")
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start()
              .waitFor()
          == 0;
    } catch (Exception e) {
      return false;
    }
  }
}
