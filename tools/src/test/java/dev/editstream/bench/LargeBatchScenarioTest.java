package dev.editstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The readings of scenario (h): the child's GC log and its run summary. */
class LargeBatchScenarioTest {
  @TempDir Path dir;

  @Test
  void shouldReadTheLargestHeapBeforeAndAfterACollectionFromAUnifiedGcLog() throws Exception {
    Path log = dir.resolve("gc.log");
    Files.writeString(
        log,
        String.join(
            "\n",
            "[0.010s][info][gc] Using G1",
            "[4.118s][info][gc] GC(12) Pause Young (Normal) (G1 Evacuation Pause) 53M->27M(224M)"
                + " 5.008ms",
            "[17.584s][info][gc] GC(49) Pause Young (Normal) (G1 Evacuation Pause) 301M->186M(368M)"
                + " 24.824ms",
            "[25.832s][info][gc] GC(83) Pause Young (Prepare Mixed) (G1 Evacuation Pause)"
                + " 405M->172M(512M) 16.966ms",
            "[26.000s][info][gc] GC(84) Pause Remark 200M->190M(512M) 1.0ms"));
    assertThat(LargeBatchScenario.gcPeaks(log)).containsExactly(405, 190);
    assertThat(LargeBatchScenario.gcPeaks(dir.resolve("missing.log"))).containsExactly(0, 0);
  }

  @Test
  void shouldTellDoneFailedAndUncertainJobsFromTheRunsSummaryAndErrors() throws Exception {
    Path out = Files.createDirectories(dir.resolve("out"));
    Files.writeString(out.resolve("summary.json"), "{\"jobs\":5,\"done\":3,\"failed\":2}");
    Files.writeString(
        out.resolve("errors.jsonl"),
        "{\"id\":\"a\",\"reason\":\"may_have_been_submitted\"}\n"
            + "{\"id\":\"b\",\"reason\":\"upstream_error\"}\n");
    assertThat(LargeBatchScenario.fate(out.resolve("summary.json"), 2))
        .isEqualTo(
            "3 done, 2 failed (1 may have been submitted: their POST was in flight at the kill),"
                + " exit 2");
    assertThat(LargeBatchScenario.fate(dir.resolve("none.json"), 1)).isEqualTo("exit 1");
  }
}
