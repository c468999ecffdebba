package dev.editstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BenchCommandTest {
  @TempDir Path tmp;

  @Test
  void shouldRunScenarioAAndTheCliLoopAtSmallScaleAndWriteTheTableAsJson() {
    BenchCommand cmd = new BenchCommand();
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    cmd.out = new PrintStream(buf, true);
    int code =
        new CommandLine(cmd)
            .execute(
                "--scenario",
                "a,e",
                "--jobs-scale",
                "0.01",
                "--json",
                tmp.resolve("r.json").toString(),
                "--work",
                tmp.resolve("w").toString());
    assertThat(code).as(buf.toString()).isZero();
    assertThat(buf.toString()).contains("scen").contains("e-cli");
    JsonNode rows = read(tmp.resolve("r.json"));
    assertThat(rows).hasSize(2);
    JsonNode a = rows.get(0);
    assertThat(a.get("scenario").asText()).isEqualTo("a");
    assertThat(a.get("jobs").asLong()).isEqualTo(20);
    assertThat(a.get("note").asText()).contains("20 done, 0 failed");
    assertThat(a.get("status_calls_per_job").asDouble()).isGreaterThanOrEqualTo(1.0);
    assertThat(a.get("wall_s").asDouble()).isGreaterThan(a.get("ideal_s").asDouble() * 0.5);
    JsonNode e = rows.get(1);
    assertThat(e.get("jobs").asLong()).isEqualTo(3);
    assertThat(e.get("status_calls_per_job").asDouble()).isGreaterThanOrEqualTo(1.0);
  }

  @Test
  void shouldComputeIdealWallTimeAndQuantiles() {
    assertThat(BenchResult.ideal(2000, 50, 2.0)).isEqualTo(80.0);
    assertThat(BenchResult.ideal(2001, 50, 2.0)).isEqualTo(82.0);
    assertThat(BenchResult.ideal(10, 0, 2.0)).isEqualTo(2.0);
    assertThat(BenchResult.quantile(new long[] {5, 1, 3, 2, 4}, 0.5)).isEqualTo(3);
    assertThat(BenchResult.quantile(new long[] {}, 0.5)).isZero();
    BenchResult r = new BenchResult("x", 100, 10, 8, 1, 0, 0, 0, 0, 0, 0, "");
    assertThat(r.ratioToIdeal()).isEqualTo(1.25);
    assertThat(r.jobsPerSecond()).isEqualTo(10.0);
  }

  private static JsonNode read(Path p) {
    try {
      return Json.mapper().readTree(Files.readString(p));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
