package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.core.event.Topics;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.localkafka.LocalBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, point 2: stages talk only through topics (and the provider), so the pipeline keeps the
 * same invariants whether its stages share one process ({@code editstream run}) or run as separate
 * processes ({@code produce}, {@code router-worker}, {@code poller-worker}, {@code
 * downloader-worker}). Real child JVMs, one real broker, the emulator over real HTTP.
 *
 * <p>The invariant that told the two modes apart before: the account limit ({@code --max-inflight 3
 * --fixed-inflight}) is the number of requests in flight at the provider in both modes (the router
 * keeps a request's permit until its end reaches the topics); a router in its own process used to
 * let every job through once its POST was answered. And the downloader reads each result itself in
 * both modes (nothing passes from the poller in memory): two result calls per job.
 */
class StageSeamsIT {
  static final String TOKEN = "stage-seams-token";
  static final int N = 14;
  static final int LIMIT = 3;

  @TempDir Path dir;

  enum Mode {
    ONE_PROCESS,
    SEPARATE_PROCESSES
  }

  /** What one mode's run left: per job id, its output files' sha256 (sorted). */
  record Result(Map<String, List<String>> filesByJob) {}

  @Test
  void shouldKeepTheSameInvariantsInOneProcessAndInSeparateProcesses() throws Exception {
    writeJobs();
    try (LocalBroker broker = LocalBroker.start(dir.resolve("cluster"))) {
      Result one = run(Mode.ONE_PROCESS, broker.bootstrapServers());
      Result many = run(Mode.SEPARATE_PROCESSES, broker.bootstrapServers());
      assertThat(many.filesByJob().keySet()).isEqualTo(one.filesByJob().keySet());
      assertThat(many.filesByJob())
          .as("the same outputs, byte for byte, whatever the process layout")
          .isEqualTo(one.filesByJob());
    }
  }

  private Result run(Mode mode, String bootstrap) throws Exception {
    String prefix = mode == Mode.ONE_PROCESS ? "one" : "many";
    Path out = dir.resolve("out-" + prefix);
    try (RunComfyEmulator emu =
        RunComfyEmulator.start(
            EmulatorConfig.defaults(dir.resolve("emu-" + prefix), TOKEN)
                .withFetchInputs(false)
                .withLatency(1_000, 2_000)
                .withConcurrency(50)
                .withSeed(18))) {
      String[] common = {
        "--bootstrap-servers",
        bootstrap,
        "--topic-prefix",
        prefix,
        "--out",
        out.toString(),
        "--allow-download-host",
        "127.0.0.1:" + emu.port(),
        "--catalog-cache",
        dir.resolve("catalog-cache.json").toString(),
        "--max-inflight",
        String.valueOf(LIMIT),
        "--fixed-inflight",
        "--retry-base-ms",
        "50",
        "--retry-max-ms",
        "1000"
      };
      List<ChildJvm> workers = new ArrayList<>();
      if (mode == Mode.ONE_PROCESS) {
        ChildJvm run = child(prefix + "-run", emu, "run", "jobs.jsonl", common);
        assertThat(run.exit(Duration.ofMinutes(4))).as(run.output()).isZero();
        workers.add(run);
      } else {
        ChildJvm produce = child(prefix + "-produce", emu, "produce", "jobs.jsonl", common);
        assertThat(produce.exit(Duration.ofMinutes(1))).as(produce.output()).isZero();
        for (String w : List.of("router-worker", "poller-worker", "downloader-worker")) {
          workers.add(child(prefix + "-" + w, emu, w, null, common));
        }
      }
      // the topics exist now (the run or the producer made them): the tracker reads them whole
      try (BatchTracker watch = new BatchTracker(bootstrap, new Topics(prefix), null)) {
        watch.expect(ids());
        try {
          await()
              .atMost(Duration.ofMinutes(4))
              .pollInterval(Duration.ofMillis(200))
              .until(() -> watch.counts().done() + watch.counts().failed() == N);
        } finally {
          for (ChildJvm w : workers) {
            w.process.destroy();
            w.process.waitFor(30, TimeUnit.SECONDS);
          }
        }
        String printed = mode + ": " + outputs(workers);
        assertThat(watch.counts().done()).as(printed).isEqualTo(N);
        assertThat(watch.expectedJobs().values())
            .as("exactly one done event and no failure per job (%s)", mode)
            .allSatisfy(
                j -> {
                  assertThat(j.doneEvents()).hasSize(1);
                  assertThat(j.failedEvents()).isEmpty();
                });
      }
      assertThat(emu.stats().submits()).as("one accepted POST per job (%s)", mode).isEqualTo(N);
      assertThat(emu.stats().submitsPerBodyHash().values()).allMatch(c -> c == 1);
      assertThat(emu.stats().peakInFlight())
          .as("requests in flight at the provider never above the account limit (%s)", mode)
          .isLessThanOrEqualTo(LIMIT)
          .as("the limit is used (%s)", mode)
          .isGreaterThanOrEqualTo(2);
      assertThat(emu.stats().resultCalls())
          .as("the poller and the downloader each read every result (%s)", mode)
          .isEqualTo(2L * N);
      return new Result(manifest(out));
    }
  }

  private ChildJvm child(
      String name, RunComfyEmulator emu, String command, String file, String[] common)
      throws IOException {
    List<String> args = new ArrayList<>(List.of(command));
    if (file != null) {
      args.add(file);
    }
    args.addAll(List.of(common));
    return new ChildJvm(dir, name, emu, TOKEN, args.toArray(String[]::new));
  }

  private static String outputs(List<ChildJvm> workers) throws IOException {
    StringBuilder b = new StringBuilder();
    for (ChildJvm w : workers) {
      b.append("\n--- ").append(w.log).append('\n').append(w.output());
    }
    return b.toString();
  }

  private static List<String> ids() {
    return IntStream.range(0, N).mapToObj(i -> String.format("sku-%03d", i)).toList();
  }

  private void writeJobs() throws IOException {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < N; i++) {
      b.append(
          String.format(
              "{\"id\":\"sku-%03d\",\"prompt\":\"%s\",\"images\":[\"https://cdn.example.com/p%d.png\"],\"batch\":\"seams\"}%n",
              i, "Replace the background with studio grey paper, keep the product unchanged", i));
    }
    Files.writeString(dir.resolve("jobs.jsonl"), b.toString(), StandardCharsets.UTF_8);
  }

  /** manifest.jsonl: per job id, the sorted sha256 of its files; one line per job. */
  private static Map<String, List<String>> manifest(Path out) throws IOException {
    Map<String, List<String>> byJob = new TreeMap<>();
    for (String line : Files.readAllLines(out.resolve("manifest.jsonl"), StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode n = Json.mapper().readTree(line);
      List<String> shas = new ArrayList<>();
      n.path("files").forEach(f -> shas.add(f.path("sha256").asText()));
      shas.sort(null);
      assertThat(byJob.put(n.path("job_id").asText(), shas))
          .as("one manifest line per job")
          .isNull();
    }
    assertThat(byJob).hasSize(N);
    return byJob;
  }
}
