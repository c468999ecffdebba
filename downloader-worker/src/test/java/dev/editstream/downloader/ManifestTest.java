package dev.editstream.downloader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.OutputFile;
import dev.editstream.core.event.RemoteRun;
import dev.editstream.core.event.RouteDecision;
import dev.editstream.core.event.Submission;
import dev.editstream.core.job.Job;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Manifest}: {@code <out>/manifest.jsonl}, one line per finished job, never twice. */
class ManifestTest {
  static final Instant AT = Instant.parse("2026-01-02T03:04:05Z");

  @TempDir Path out;

  static JobEvent done(String jobId, String batch) {
    return done(jobId, batch, null);
  }

  /** A finished job whose {@code completed} event carried {@code run} (cost, deadline), or none. */
  static JobEvent done(String jobId, String batch, RemoteRun run) {
    Job job =
        new Job(jobId, "p", List.of("https://a.example/1.jpg"), null, null, null, Map.of(), batch);
    return JobEvent.requested(job, AT)
        .submitted(
            new RouteDecision("google/nano-banana-2/edit", "default", List.of()),
            Map.of("prompt", "p"),
            new Submission("req-" + jobId, null, null, null, AT),
            AT)
        .completed(List.of("https://cdn.runcomfy.net/o/" + jobId + ".png"), run, AT)
        .done(
            List.of(
                new OutputFile(
                    jobId + "/" + jobId + ".png",
                    123,
                    "ab".repeat(32),
                    "image/png",
                    "https://cdn.runcomfy.net/o/" + jobId + ".png")),
            AT);
  }

  List<JsonNode> lines(Manifest m) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (String l : Files.readAllLines(m.file(), StandardCharsets.UTF_8)) {
      out.add(Json.mapper().readTree(l));
    }
    return out;
  }

  @Test
  void shouldCreateTheOutputFolderAndNameTheFileManifestJsonl() {
    Path nested = out.resolve("a/b");

    Manifest m = new Manifest(nested);

    assertThat(nested).isDirectory();
    assertThat(m.file())
        .isEqualTo(nested.resolve("manifest.jsonl"))
        .isEqualTo(nested.resolve(Manifest.FILE_NAME));
  }

  @Test
  void shouldWriteOneJsonLinePerJobWithTheDocumentedFields() throws IOException {
    Manifest m = new Manifest(out);

    assertThat(m.append(done("job-1", "b1"))).isTrue();

    List<JsonNode> lines = lines(m);
    assertThat(lines).hasSize(1);
    JsonNode l = lines.get(0);
    assertThat(l.path("job_id").asText()).isEqualTo("job-1");
    assertThat(l.path("model").asText()).isEqualTo("google/nano-banana-2/edit");
    assertThat(l.path("request_id").asText()).isEqualTo("req-job-1");
    assertThat(l.path("batch").asText()).isEqualTo("b1");
    assertThat(Instant.parse(l.path("done_at").asText())).isEqualTo(AT);
    JsonNode f = l.path("files").get(0);
    assertThat(f.path("path").asText()).isEqualTo("job-1/job-1.png");
    assertThat(f.path("bytes").asLong()).isEqualTo(123);
    assertThat(f.path("sha256").asText()).isEqualTo("ab".repeat(32));
    assertThat(f.path("content_type").asText()).isEqualTo("image/png");
    assertThat(f.path("source_url").asText()).isEqualTo("https://cdn.runcomfy.net/o/job-1.png");
    assertThat(Files.readString(m.file())).endsWith("\n");
    assertThat(l.has("cost_usd")).as("no cost known").isFalse();
    assertThat(l.has("past_deadline")).isFalse();
  }

  @Test
  void shouldRecordTheCostInUsdOnlyWhenKnown() throws IOException {
    Manifest m = new Manifest(out);

    m.append(done("job-1", null, RemoteRun.cost(0.04)));
    m.append(done("job-2", null, RemoteRun.cost(null)));

    List<JsonNode> lines = lines(m);
    assertThat(lines.get(0).path("cost_usd").isNumber()).isTrue();
    assertThat(lines.get(0).path("cost_usd").asDouble()).isEqualTo(0.04);
    assertThat(lines.get(0).has("past_deadline")).as("written only when true").isFalse();
    assertThat(lines.get(1).has("cost_usd")).isFalse();
    assertThat(lines.get(1).has("past_deadline")).isFalse();
  }

  @Test
  void shouldMarkAJobWhoseRequestRanPastItsDeadline() throws IOException {
    Manifest m = new Manifest(out);

    m.append(done("job-1", null, new RemoteRun(0.5, true, "ran past its deadline")));
    m.append(done("job-2", null, new RemoteRun(null, true, "ran past its deadline")));

    List<JsonNode> lines = lines(m);
    assertThat(lines.get(0).path("past_deadline").isBoolean()).isTrue();
    assertThat(lines.get(0).path("past_deadline").asBoolean()).isTrue();
    assertThat(lines.get(0).path("cost_usd").asDouble()).isEqualTo(0.5);
    assertThat(lines.get(1).path("past_deadline").asBoolean()).isTrue();
    assertThat(lines.get(1).has("cost_usd")).isFalse();
  }

  @Test
  void shouldKeepTheManifestLineFieldsInTheDocumentedOrder() throws IOException {
    Manifest m = new Manifest(out);

    m.append(done("job-1", "b1", new RemoteRun(0.5, true, null)));

    List<String> names = new ArrayList<>();
    lines(m).get(0).fieldNames().forEachRemaining(names::add);
    assertThat(names)
        .containsExactly(
            "job_id",
            "model",
            "request_id",
            "batch",
            "done_at",
            "cost_usd",
            "past_deadline",
            "files");
  }

  @Test
  void shouldNotAppendAJobTwice() throws IOException {
    Manifest m = new Manifest(out);

    assertThat(m.append(done("job-1", null))).isTrue();
    assertThat(m.append(done("job-1", null))).isFalse();
    assertThat(m.append(done("job-2", null))).isTrue();

    assertThat(lines(m))
        .extracting(l -> l.path("job_id").asText())
        .containsExactly("job-1", "job-2");
  }

  static JobEvent rerunDone(String jobId, int replays, String sha) {
    Job job =
        new Job(jobId, "p2", List.of("https://a.example/1.jpg"), null, null, null, Map.of(), null);
    return JobEvent.requested(job, AT, replays)
        .submitted(
            new RouteDecision("google/nano-banana-2/edit", "default", List.of()),
            Map.of("prompt", "p2"),
            new Submission("req2-" + jobId, null, null, null, AT),
            AT)
        .completed(List.of("https://cdn.runcomfy.net/o/" + jobId + ".png"), null, AT)
        .done(
            List.of(
                new OutputFile(
                    jobId + "/" + jobId + ".png",
                    124,
                    sha,
                    "image/png",
                    "https://cdn.runcomfy.net/o/" + jobId + ".png")),
            AT);
  }

  @Test
  void shouldAppendANewRunOfAJobAndKeepOnlyItsLatestLineWhenCompacted() throws IOException {
    Manifest m = new Manifest(out);
    m.append(done("job-1", null));
    m.append(done("job-2", null));

    assertThat(m.append(rerunDone("job-1", 1, "cd".repeat(32)))).isTrue();
    assertThat(m.append(rerunDone("job-1", 1, "cd".repeat(32))))
        .as("the same run is not appended twice")
        .isFalse();
    assertThat(new Manifest(out).append(rerunDone("job-1", 1, "cd".repeat(32))))
        .as("nor after a reload")
        .isFalse();
    int dropped = Manifest.compact(out);

    assertThat(dropped).isEqualTo(1);
    List<JsonNode> lines = lines(m);
    assertThat(lines).extracting(l -> l.path("job_id").asText()).containsExactly("job-2", "job-1");
    assertThat(lines.get(1).path("replays").asInt()).isEqualTo(1);
    assertThat(lines.get(1).path("request_id").asText()).isEqualTo("req2-job-1");
    assertThat(lines.get(1).path("files").get(0).path("sha256").asText())
        .isEqualTo("cd".repeat(32));
    assertThat(lines.get(0).has("replays")).as("a first run's line has no replays field").isFalse();
    assertThat(Manifest.compact(out)).as("nothing left to drop").isZero();
  }

  @Test
  void shouldDoNothingWhenCompactingAFolderWithoutAManifest() throws IOException {
    assertThat(Manifest.compact(out.resolve("none"))).isZero();
    assertThat(out.resolve("none")).doesNotExist();
  }

  @Test
  void shouldKeepTheRecordedIdsWhenReloadedFromAnExistingFile() throws IOException {
    Manifest first = new Manifest(out);
    first.append(done("job-1", null));
    first.append(done("job-2", null));

    Manifest reloaded = new Manifest(out);

    assertThat(reloaded.append(done("job-1", null))).isFalse();
    assertThat(reloaded.append(done("job-2", null))).isFalse();
    assertThat(reloaded.append(done("job-3", null))).isTrue();
    assertThat(lines(reloaded))
        .extracting(l -> l.path("job_id").asText())
        .containsExactly("job-1", "job-2", "job-3");
  }

  @Test
  void shouldIgnoreBlankLinesWhenReloading() throws IOException {
    Manifest first = new Manifest(out);
    first.append(done("job-1", null));
    Files.writeString(first.file(), "\n\n", java.nio.file.StandardOpenOption.APPEND);

    Manifest reloaded = new Manifest(out);

    assertThat(reloaded.append(done("job-1", null))).isFalse();
  }

  @Test
  void shouldDropATornLastLineLeftByACrashAndAppendCleanlyAfterIt() throws IOException {
    Manifest first = new Manifest(out);
    first.append(done("job-1", null));
    String whole = Manifest.line(done("job-2", null));
    Files.writeString(
        first.file(),
        whole.substring(0, whole.length() / 2),
        java.nio.file.StandardOpenOption.APPEND);

    Manifest reloaded = new Manifest(out);

    assertThat(reloaded.append(done("job-1", null))).isFalse();
    assertThat(reloaded.append(done("job-2", null))).isTrue();
    assertThat(lines(reloaded))
        .extracting(l -> l.path("job_id").asText())
        .containsExactly("job-1", "job-2");
  }

  @Test
  void shouldRefuseToOpenAManifestWithACorruptLineInTheMiddle() throws IOException {
    Files.writeString(
        out.resolve(Manifest.FILE_NAME), "{not json\n" + Manifest.line(done("job-1", null)) + "\n");

    assertThatThrownBy(() -> new Manifest(out))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("manifest.jsonl")
        .hasMessageContaining("line 1");
  }

  @Test
  void shouldAppendEachJobOnceWhenManyThreadsAppendAtOnce() throws IOException {
    Manifest m = new Manifest(out);
    AtomicInteger appended = new AtomicInteger();

    CompletableFuture.allOf(
            IntStream.range(0, 64)
                .mapToObj(
                    i ->
                        CompletableFuture.runAsync(
                            () -> {
                              if (m.append(done("job-" + (i % 16), null))) {
                                appended.incrementAndGet();
                              }
                            }))
                .toArray(CompletableFuture[]::new))
        .join();

    assertThat(appended).hasValue(16);
    assertThat(lines(m))
        .hasSize(16)
        .extracting(l -> l.path("job_id").asText())
        .doesNotHaveDuplicates();
  }

  @Test
  void shouldGroupConcurrentAppendsAndWriteEveryJobExactlyOnce() throws Exception {
    Manifest m = new Manifest(out);
    int jobs = 400;
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(32);
    try {
      java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
      List<java.util.concurrent.Future<Boolean>> appended = new ArrayList<>();
      for (int i = 0; i < jobs; i++) {
        String id = "job-" + (i % (jobs / 2)); // every job twice, from different threads
        appended.add(
            pool.submit(
                () -> {
                  go.await();
                  return m.append(done(id, "b"));
                }));
      }
      go.countDown();
      int trues = 0;
      for (java.util.concurrent.Future<Boolean> f : appended) {
        trues += f.get() ? 1 : 0;
      }
      assertThat(trues).isEqualTo(jobs / 2);
    } finally {
      pool.shutdownNow();
    }
    List<JsonNode> lines = lines(m);
    assertThat(lines).hasSize(jobs / 2);
    assertThat(lines.stream().map(n -> n.get("job_id").asText()).distinct()).hasSize(jobs / 2);
    assertThat(m.groupCommits()).isBetween(1L, (long) jobs / 2);
    assertThat(new Manifest(out).append(done("job-7", "b")))
        .as("reloaded: already recorded")
        .isFalse();
  }

  @Test
  void shouldReturnAtOnceWhileAnotherAppenderWritesAndWriteTheQueuedLineInTheNextBatch()
      throws Exception {
    CountDownLatch syncing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger syncs = new AtomicInteger();
    Manifest m =
        new Manifest(
            out,
            dir -> {
              if (syncs.incrementAndGet() == 1) {
                syncing.countDown();
                await(release); // the first batch is held in its folder sync
              }
            });
    ExecutorService writer = Executors.newSingleThreadExecutor();
    try {
      Future<Boolean> first = writer.submit(() -> m.append(done("job-1", null)));
      assertThat(syncing.await(10, TimeUnit.SECONDS)).isTrue();

      CompletableFuture<Boolean> second =
          m.appendAsync(done("job-2", null)); // returns while job-1's batch is written

      assertThat(second).as("queued behind the batch under way, the caller not held").isNotDone();
      assertThat(m.appendAsync(done("job-1", null)))
          .as("job-1 is not yet recorded: queued too")
          .isNotDone();
      release.countDown();
      assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(second.get(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      writer.shutdownNow();
    }
    assertThat(lines(m))
        .extracting(l -> l.path("job_id").asText())
        .containsExactly("job-1", "job-2");
    assertThat(m.groupCommits()).isEqualTo(2);
    assertThat(syncs).hasValue(2);
  }

  @Test
  void shouldFailTheFutureKeepTheJobUnrecordedAndLetTheNextAppendWriteWhenAWriteFails()
      throws Exception {
    Manifest m = new Manifest(out);
    Files.createDirectory(m.file()); // appending to a folder fails

    CompletableFuture<Boolean> failed = m.appendAsync(done("job-1", null));

    assertThat(failed)
        .failsWithin(10, TimeUnit.SECONDS)
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(UncheckedIOException.class)
        .withMessageContaining("manifest.jsonl");
    assertThatThrownBy(() -> m.append(done("job-2", null)))
        .isInstanceOf(UncheckedIOException.class);
    Files.delete(m.file());
    assertThat(m.appendAsync(done("job-1", null)).get(10, TimeUnit.SECONDS))
        .as("not recorded by the failed batch")
        .isTrue();
    assertThat(lines(m)).extracting(l -> l.path("job_id").asText()).containsExactly("job-1");
  }

  @Test
  void shouldCompleteEachAsyncAppendOnlyOnceItsLineIsInTheFile() throws Exception {
    Manifest m = new Manifest(out);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<String> missing = java.util.Collections.synchronizedList(new ArrayList<>());
    try {
      List<CompletableFuture<Boolean>> all = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        String id = "job-" + i;
        all.add(
            CompletableFuture.supplyAsync(() -> m.appendAsync(done(id, null)), pool)
                .thenCompose(f -> f)
                .whenComplete(
                    (ok, e) -> {
                      try {
                        if (!Files.readString(m.file()).contains("\"job_id\":\"" + id + "\"")) {
                          missing.add(id);
                        }
                      } catch (IOException io) {
                        missing.add(id + ": " + io);
                      }
                    }));
      }
      assertThat(CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)))
          .succeedsWithin(30, TimeUnit.SECONDS);
      assertThat(all).allSatisfy(f -> assertThat(f.join()).isTrue());
    } finally {
      pool.shutdownNow();
    }
    assertThat(missing).isEmpty();
    assertThat(lines(m)).hasSize(200);
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new IOException("not released within 10 s");
      }
    } catch (InterruptedException | IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
