package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.RunComfyEmulator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: a run is a durable batch. Real processes (the {@code editstream} command in a child
 * JVM), the state folder's real broker, the emulator over real HTTP: SIGKILL mid-batch and the same
 * command again; status, list and cancel on a live run; Ctrl-C.
 */
class DurableBatchIT {
  static final String TOKEN = "durable-batch-token";

  @TempDir Path dir;

  /** A child JVM running {@code editstream ARGS} in the test's folder. */
  final class Child extends ChildJvm {
    Child(String name, RunComfyEmulator emu, String... args) throws IOException {
      super(dir, name, emu, TOKEN, args);
    }
  }

  Path jobs(int n, String prompt) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append(
          String.format(
              "{\"id\":\"sku-%03d\",\"prompt\":\"%s\",\"images\":[\"https://cdn.example.com/p%d.png\"],\"batch\":\"gallery\"}%n",
              i, prompt, i));
    }
    Path f = dir.resolve("jobs.jsonl");
    Files.writeString(f, b.toString(), StandardCharsets.UTF_8);
    return f;
  }

  RunComfyEmulator emulator(long minMs, long maxMs, int concurrency) {
    return RunComfyEmulator.start(
        EmulatorConfig.defaults(dir.resolve("emu"), TOKEN)
            .withFetchInputs(false)
            .withLatency(minMs, maxMs)
            .withConcurrency(concurrency)
            .withSeed(12));
  }

  String[] runArgs(RunComfyEmulator emu, String... more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "run",
                "jobs.jsonl",
                "--out",
                "out",
                "--allow-download-host",
                "127.0.0.1:" + emu.port(),
                "--catalog-cache",
                dir.resolve("catalog-cache.json").toString(),
                "--retry-base-ms",
                "50",
                "--retry-max-ms",
                "1000",
                "--timeout-s",
                "300"));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  static int lines(Path f) throws IOException {
    return Files.exists(f)
        ? (int)
            Files.readAllLines(f, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).count()
        : 0;
  }

  @Test
  void shouldResumeAfterSigkillPayingOncePerJobAndCountTheWholeFile() throws Exception {
    int n = 30;
    jobs(n, "Replace the background with studio grey paper, keep the product unchanged");
    Path out = dir.resolve("out");
    try (RunComfyEmulator emu = emulator(2_000, 4_000, 6)) {
      Child first = new Child("run-1", emu, runArgs(emu));
      // progress.json: the run's topics exist and its jobs are published
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () ->
                  BatchState.liveEndpoint(out).isPresent() && BatchState.progress(out).isPresent());
      String bootstrap =
          BatchState.liveEndpoint(out).orElseThrow().path("bootstrap_servers").asText();
      // SIGKILL once every POST's answer is recorded (a request_id on the topics) and some jobs are
      // done: a kill inside a
      // POST's round trip instead ends that job may_have_been_submitted, by design (RunComfy has no
      // idempotency key and no
      // way to find a request whose answer was lost; docs/architecture.md, "A durable batch")
      try (BatchTracker watch =
          new BatchTracker(bootstrap, new dev.editstream.core.event.Topics("editstream"), null)) {
        List<String> ids =
            java.util.stream.IntStream.range(0, n)
                .mapToObj(i -> String.format("sku-%03d", i))
                .toList();
        watch.expect(ids);
        await()
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(50))
            .until(
                () -> {
                  BatchTracker.Counts c = watch.counts();
                  return c.queued() == 0 && c.done() >= 3 && emu.stats().submits() == n;
                });
      }
      first.process.destroyForcibly();
      first.exit(Duration.ofSeconds(30));
      assertThat(lines(out.resolve("manifest.jsonl"))).as("killed mid-batch").isLessThan(n);

      Child second = new Child("run-2", emu, runArgs(emu, "--json"));
      int rc = second.exit(Duration.ofMinutes(4));
      String printed = second.output() + "\n--- first run:\n" + first.output();

      assertThat(rc).as(printed).isZero();
      assertThat(printed).contains("resuming the batch kept in").contains("from earlier runs:");
      assertThat(emu.stats().submits()).as("one accepted POST per job").isEqualTo(n);
      assertThat(emu.stats().submitsPerBodyHash().values())
          .as("no body POSTed twice")
          .allMatch(c -> c == 1);
      List<String> manifest =
          Files.readAllLines(out.resolve("manifest.jsonl"), StandardCharsets.UTF_8);
      assertThat(manifest).hasSize(n);
      for (String l : manifest) {
        JsonNode line = Json.mapper().readTree(l);
        for (JsonNode f : line.path("files")) {
          Path file = out.resolve(f.path("path").asText());
          assertThat(file).exists();
          assertThat(
                  HexFormat.of()
                      .formatHex(
                          MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))))
              .as("sha256 of %s", file)
              .isEqualTo(f.path("sha256").asText());
        }
      }
      JsonNode summary = Json.mapper().readTree(out.resolve("summary.json").toFile());
      assertThat(summary.path("jobs").asInt()).as("the summary counts the whole file").isEqualTo(n);
      assertThat(summary.path("done").asInt()).isEqualTo(n);
      assertThat(
              summary.path("this_run").path("published").asInt()
                  + summary.path("this_run").path("done_before").asInt()
                  + summary.path("this_run").path("followed").asInt())
          .isEqualTo(n);
      assertThat(summary.path("exit_code").asInt()).isZero();
      assertThat(lines(out.resolve("errors.jsonl"))).isZero();
      assertThat(Json.mapper().readTree(second.stdout()).path("done").asInt())
          .as("--json: stdout is the summary, one JSON object")
          .isEqualTo(n);

      try (BatchState state = BatchState.open(out, false);
          BatchTracker t =
              new BatchTracker(
                  state.bootstrapServers(),
                  new dev.editstream.core.event.Topics("editstream"),
                  null)) {
        // the runs on the folder's own broker are static members: the second run took the killed
        // run's partitions over by its id, and its members stay known after its exit
        try (org.apache.kafka.clients.admin.Admin admin =
            org.apache.kafka.clients.admin.Admin.create(
                java.util.Map.<String, Object>of("bootstrap.servers", state.bootstrapServers()))) {
          var router =
              admin
                  .describeConsumerGroups(List.of("editstream-router"))
                  .all()
                  .get(30, java.util.concurrent.TimeUnit.SECONDS)
                  .get("editstream-router");
          assertThat(router.members())
              .extracting(m -> m.groupInstanceId().orElse("(dynamic)"))
              .containsExactly(BatchRun.EMBEDDED_INSTANCE_ID + "-router");
        }
        t.expect(
            java.util.stream.IntStream.range(0, n)
                .mapToObj(i -> String.format("sku-%03d", i))
                .toList());
        assertThat(t.expectedJobs().values())
            .as("every job ended exactly once")
            .allSatisfy(
                j -> {
                  assertThat(j.doneEvents()).hasSize(1);
                  assertThat(j.failedEvents()).isEmpty();
                });
      }

      // the batch commands read the state folder when no run is live
      Child status = new Child("status", emu, "status", "--out", "out", "--json");
      assertThat(status.exit(Duration.ofMinutes(1))).as(status.output()).isZero();
      JsonNode st = Json.mapper().readTree(status.stdout());
      assertThat(st.path("jobs").asInt()).isEqualTo(n);
      assertThat(st.path("states").path("done").asInt()).isEqualTo(n);
      assertThat(st.path("cost_usd").asDouble()).isPositive();
      Child list = new Child("list", emu, "list", "--out", "out", "--state", "done", "--json");
      assertThat(list.exit(Duration.ofMinutes(1))).as(list.output()).isZero();
      assertThat(
              list.stdout()
                  .lines()
                  .map(
                      l -> {
                        try {
                          return Json.mapper().readTree(l).path("state").asText();
                        } catch (IOException e) {
                          throw new java.io.UncheckedIOException(e);
                        }
                      }))
          .hasSize(n)
          .containsOnly("done");
      Child listFailed = new Child("list-failed", emu, "list", "--out", "out", "--state", "failed");
      assertThat(listFailed.exit(Duration.ofMinutes(1))).isZero();
      assertThat(listFailed.stdout()).isEqualTo("0 jobs" + System.lineSeparator());

      // the same command once more pays nothing; a changed line is reported, --rerun runs one job
      // again
      Files.writeString(
          dir.resolve("jobs.jsonl"),
          Files.readString(dir.resolve("jobs.jsonl"))
              .replace(
                  "\"prompt\":\"Replace the background with studio grey paper, keep the product unchanged\",\"images\":[\"https://cdn.example.com/p7.png\"]",
                  "\"prompt\":\"Replace the background with white paper, keep the product unchanged\",\"images\":[\"https://cdn.example.com/p7.png\"]"));
      Child third = new Child("run-3", emu, runArgs(emu));
      assertThat(third.exit(Duration.ofMinutes(2))).as(third.output()).isZero();
      assertThat(third.output())
          .contains(
              "1 jobs ended before and their line changed since; not run again (--rerun ID runs one again): sku-007");
      assertThat(emu.stats().submits()).isEqualTo(n);
      Child fourth = new Child("run-4", emu, runArgs(emu, "--rerun", "sku-007"));
      assertThat(fourth.exit(Duration.ofMinutes(2))).as(fourth.output()).isZero();
      assertThat(emu.stats().submits()).isEqualTo(n + 1);
      List<JsonNode> after = new ArrayList<>();
      for (String l : Files.readAllLines(out.resolve("manifest.jsonl"), StandardCharsets.UTF_8)) {
        after.add(Json.mapper().readTree(l));
      }
      assertThat(after).as("one line per job, the re-run replacing its old line").hasSize(n);
      JsonNode rerun =
          after.stream()
              .filter(l -> l.path("job_id").asText().equals("sku-007"))
              .findFirst()
              .orElseThrow();
      assertThat(rerun.path("replays").asInt()).isEqualTo(1);
      Path rerunFile = out.resolve(rerun.path("files").get(0).path("path").asText());
      assertThat(
              HexFormat.of()
                  .formatHex(
                      MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(rerunFile))))
          .isEqualTo(rerun.path("files").get(0).path("sha256").asText());
    }
  }

  @Test
  void shouldShowALiveRunAndCancelItsQueuedJobsReportingTheRunningOnes() throws Exception {
    int n = 8;
    jobs(n, "Replace the background with studio grey paper, keep the product unchanged");
    Path out = dir.resolve("out");
    // two run at once at RunComfy, the rest wait in its queue: those can be cancelled, the running
    // ones not
    // 20 s per job: the status and cancel commands (child JVMs) must come before the first two end,
    // even on a loaded machine
    try (RunComfyEmulator emu = emulator(20_000, 20_000, 2)) {
      Child run = new Child("run", emu, runArgs(emu));
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> emu.stats().submits() == n);
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> BatchState.liveEndpoint(out).isPresent());

      Child status = new Child("status", emu, "status", "--out", "out", "--json");
      assertThat(status.exit(Duration.ofMinutes(1))).as(status.output()).isZero();
      JsonNode st = Json.mapper().readTree(status.stdout());
      assertThat(st.path("source").asText()).contains("live run");
      assertThat(st.path("states").path("in_flight").asInt()).isEqualTo(n);
      assertThat(st.path("oldest_in_flight").path("job_id").asText()).startsWith("sku-");

      Child cancel = new Child("cancel", emu, "cancel", "--out", "out", "--all", "--json");
      assertThat(cancel.exit(Duration.ofMinutes(1))).as(cancel.output()).isZero();
      JsonNode c = Json.mapper().readTree(cancel.stdout());
      // on a loaded machine the first two may have ended before the cancel came, and two more
      // started:
      // whatever the timing, every job is either cancelled (queued at RunComfy) or left to finish
      // (running or ended)
      int cancelled = c.path("cancelled_at_runcomfy").size();
      int running = c.path("running_not_cancellable").size();
      int ended = c.path("ended_or_downloading").asInt();
      assertThat(cancelled + running + ended).as(cancel.output()).isEqualTo(n);
      assertThat(running).as("RunComfy runs two at once").isBetween(0, 2);
      assertThat(cancelled).as(cancel.output()).isGreaterThanOrEqualTo(n - 4);
      assertThat(c.path("withdrawn").size())
          .as("nothing was queued here: all were submitted")
          .isZero();

      int rc = run.exit(Duration.ofMinutes(2));
      assertThat(rc).as(run.output()).isEqualTo(BatchFiles.SOME_FAILED);
      assertThat(lines(out.resolve("manifest.jsonl")))
          .as("the running ones finished and were downloaded")
          .isEqualTo(running + ended);
      List<String> errors = Files.readAllLines(out.resolve("errors.jsonl"), StandardCharsets.UTF_8);
      assertThat(errors)
          .hasSize(cancelled)
          .allSatisfy(l -> assertThat(l).contains("remote_cancelled"));
      assertThat(emu.stats().submits()).isEqualTo(n);
    }
  }

  @Test
  void shouldAnswerCtrlCWithTheSummaryCancellingQueuedJobs() throws Exception {
    int n = 8;
    jobs(n, "Replace the background with studio grey paper, keep the product unchanged");
    Path out = dir.resolve("out");
    try (RunComfyEmulator emu = emulator(6_000, 6_000, 2)) {
      ChildJvm run =
          ChildJvm.withSigint(
              dir,
              "run",
              emu,
              TOKEN,
              runArgs(
                  emu, "--on-interrupt", "cancel", "--router-concurrency", "1", "--rps", "0.25"));
      // one submission every 4 s: after the second, six jobs wait in the router's queue for seconds
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> emu.stats().submits() >= 2);
      new ProcessBuilder("kill", "-INT", String.valueOf(run.process.pid())).start().waitFor();

      int rc = run.exit(Duration.ofMinutes(2));
      String printed = run.output();

      assertThat(rc).as(printed).isEqualTo(BatchFiles.INTERRUPTED);
      assertThat(printed)
          .contains("Ctrl-C: no more submissions; cancelling the queued jobs")
          .contains("== editstream summary ==");
      assertThat(emu.stats().submits())
          .as("nothing submitted after the Ctrl-C but what was under way")
          .isLessThan(n);
      JsonNode summary = Json.mapper().readTree(out.resolve("summary.json").toFile());
      assertThat(summary.path("interrupted").asBoolean()).isTrue();
      assertThat(summary.path("jobs").asInt()).isEqualTo(n);
      assertThat(summary.path("done").asInt() + summary.path("failed").asInt())
          .as("every job ended: done, cancelled or withdrawn")
          .isEqualTo(n);
      assertThat(lines(out.resolve("manifest.jsonl")))
          .isEqualTo(summary.path("done").asInt())
          .isPositive();
    }
  }

  @Test
  void shouldHoldTheSameWithBootstrapServersAndSeparateWorkersKilledMidBatch() throws Exception {
    int n = 20;
    jobs(n, "Replace the background with studio grey paper, keep the product unchanged");
    Path out = dir.resolve("out");
    try (RunComfyEmulator emu = emulator(2_000, 4_000, 6);
        dev.editstream.localkafka.LocalBroker broker =
            dev.editstream.localkafka.LocalBroker.start(dir.resolve("cluster"))) {
      String bs = broker.bootstrapServers();
      String[] common = {
        "--bootstrap-servers",
        bs,
        "--out",
        "out",
        "--allow-download-host",
        "127.0.0.1:" + emu.port(),
        "--catalog-cache",
        dir.resolve("catalog-cache.json").toString(),
        "--retry-base-ms",
        "50",
        "--retry-max-ms",
        "1000"
      };
      Child produce =
          new Child("produce-1", emu, concat(new String[] {"produce", "jobs.jsonl"}, common));
      assertThat(produce.exit(Duration.ofMinutes(1))).as(produce.output()).isZero();
      Child router = new Child("router", emu, concat(new String[] {"router-worker"}, common));
      Child poller = new Child("poller-1", emu, concat(new String[] {"poller-worker"}, common));
      Child downloader =
          new Child("downloader-1", emu, concat(new String[] {"downloader-worker"}, common));
      try (BatchTracker watch =
          new BatchTracker(bs, new dev.editstream.core.event.Topics("editstream"), null)) {
        watch.expect(
            java.util.stream.IntStream.range(0, n)
                .mapToObj(i -> String.format("sku-%03d", i))
                .toList());
        await()
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(50))
            .until(
                () -> {
                  BatchTracker.Counts c = watch.counts();
                  return c.queued() == 0 && c.done() >= 2 && emu.stats().submits() == n;
                });
        poller.process.destroyForcibly();
        downloader.process.destroyForcibly();
        poller.exit(Duration.ofSeconds(30));
        downloader.exit(Duration.ofSeconds(30));
        assertThat(watch.counts().done()).as("killed mid-batch").isLessThan(n);

        // the same file produced again publishes nothing; restarted workers finish the batch
        Child again =
            new Child("produce-2", emu, concat(new String[] {"produce", "jobs.jsonl"}, common));
        assertThat(again.exit(Duration.ofMinutes(1))).as(again.output()).isZero();
        assertThat(again.stdout())
            .contains("0 published to run")
            .contains("in flight (followed, never submitted twice)");
        Child poller2 = new Child("poller-2", emu, concat(new String[] {"poller-worker"}, common));
        Child downloader2 =
            new Child("downloader-2", emu, concat(new String[] {"downloader-worker"}, common));
        try {
          await()
              .atMost(Duration.ofMinutes(3))
              .pollInterval(Duration.ofMillis(200))
              .until(() -> watch.counts().done() == n);
          Child status = new Child("status", emu, "status", "--bootstrap-servers", bs, "--json");
          assertThat(status.exit(Duration.ofMinutes(1))).as(status.output()).isZero();
          JsonNode st = Json.mapper().readTree(status.stdout());
          assertThat(st.path("states").path("done").asInt()).isEqualTo(n);
          assertThat(emu.stats().submits()).as("one accepted POST per job").isEqualTo(n);
          assertThat(emu.stats().submitsPerBodyHash().values()).allMatch(c -> c == 1);
          assertThat(watch.expectedJobs().values())
              .allSatisfy(
                  j -> {
                    assertThat(j.doneEvents()).as("exactly one done event").hasSize(1);
                    assertThat(j.failedEvents()).isEmpty();
                  });
          assertThat(lines(out.resolve("manifest.jsonl"))).isEqualTo(n);
        } finally {
          for (Child c : List.of(router, poller2, downloader2)) {
            c.process.destroy();
            c.process.waitFor(30, TimeUnit.SECONDS);
          }
        }
      }
    }
  }

  static String[] concat(String[] a, String[] b) {
    String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
