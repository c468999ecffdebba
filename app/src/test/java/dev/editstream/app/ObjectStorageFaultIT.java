package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.event.Attempt;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Stage;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.localkafka.LocalBroker;
import dev.editstream.locals3.LocalS3;
import dev.editstream.locals3.S3FaultProxy;
import dev.editstream.pipeline.metrics.Meters;
import dev.editstream.runcomfy.RunComfyConfig;
import io.micrometer.core.instrument.Counter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, point 3, through the whole pipeline: faults injected between editstream and a real S3
 * API server (S3Proxy behind {@link S3FaultProxy}) while the emulator runs the jobs. A store that
 * answers 503 or answers too slowly costs retries through the delay topic, never a job and never a
 * second paid POST; a store that refuses the credentials fails each job with class 77 naming the
 * option, and keeps its paid outputs on disk.
 *
 * <p>Each fault is sized so that at least one SDK call must exhaust its 3 attempts (the SDK's own
 * retries alone cannot hide it): e.g. 12 failed result PUTs over 4 jobs, when each call absorbs at
 * most 2 failures and still succeeds.
 */
class ObjectStorageFaultIT {
  static final String TOKEN = "object-storage-fault-token";
  @TempDir static Path shared;
  static LocalS3 s3;
  static LocalBroker broker;
  static RunComfyEmulator emu;
  static S3FaultProxy proxy;
  @TempDir Path dir;

  @BeforeAll
  static void start() {
    s3 = LocalS3.start(shared.resolve("s3-data"), "fault-it");
    proxy = S3FaultProxy.start(s3.endpoint());
    broker = LocalBroker.start(shared.resolve("broker"));
    emu =
        RunComfyEmulator.start(
            EmulatorConfig.defaults(shared.resolve("emu"), TOKEN)
                .withFetchInputs(true)
                .withLatency(100, 300)
                .withSeed(16));
  }

  @AfterAll
  static void stop() {
    emu.close();
    broker.close();
    proxy.close();
    s3.close();
  }

  @AfterEach
  void clearFaults() {
    proxy.reset();
  }

  Path jobs(String batch, int n) throws Exception {
    return ObjectStorageIT.jobs(dir, batch, n);
  }

  /**
   * Both stores through the fault proxy, under {@code prefix} (a prefix per test: keys by content
   * would be shared).
   */
  StorageOptions storage(
      String prefix, boolean keepLocal, long attemptTimeoutSeconds, long callTimeoutSeconds) {
    StorageOptions o = new StorageOptions();
    o.stageTo = "s3://" + s3.bucket() + "/" + prefix + "/in";
    o.resultsTo = "s3://" + s3.bucket() + "/" + prefix + "/out";
    o.s3.endpoint = proxy.endpoint();
    o.s3.pathStyle = true;
    o.keepLocal = keepLocal;
    o.s3.accessKey = s3.accessKey();
    o.s3.secretKey = s3.secret();
    o.s3.attemptTimeoutSeconds = attemptTimeoutSeconds;
    o.s3.callTimeoutSeconds = callTimeoutSeconds;
    return o;
  }

  record Run(BatchRun.Result result, String printed, long submits) {
    double retries(Stage stage, int exitClass) {
      Counter c =
          result
              .meters()
              .find(Meters.RETRIES.meterName())
              .tag("stage", stage.wire())
              .tag("exit_class", String.valueOf(exitClass))
              .counter();
      return c == null ? 0 : c.count();
    }

    List<JobEvent> done() {
      return result.summary().jobs().values().stream()
          .flatMap(s -> s.doneEvents().stream())
          .toList();
    }

    List<JobEvent> failed() {
      return result.summary().jobs().values().stream()
          .flatMap(s -> s.failedEvents().stream())
          .toList();
    }
  }

  Run run(Path jobs, Path out, StorageOptions storage) throws Exception {
    long before = emu.stats().submits();
    PipelineOptions o =
        EmulatorRunOptions.of(
            broker.bootstrapServers(),
            out,
            "s3f-" + Long.toHexString(System.nanoTime()),
            dir.resolve("catalog-cache.json"),
            emu,
            50);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    BatchRun.Result r =
        BatchRun.run(
            o.toConfig(Map.of()),
            RunComfyConfig.of(emu.baseUrl(), TOKEN),
            false,
            jobs,
            List.of(),
            Duration.ofMinutes(3),
            new PrintStream(log, true, StandardCharsets.UTF_8),
            new ArrayList<>(),
            BatchRun.Options.DEFAULT.withStorage(storage));
    return new Run(r, log.toString(StandardCharsets.UTF_8), emu.stats().submits() - before);
  }

  static long objects(String prefix) throws Exception {
    Path folder = shared.resolve("s3-data").resolve(s3.bucket()).resolve(prefix);
    if (!Files.exists(folder)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(folder)) {
      return s.filter(Files::isRegularFile).count();
    }
  }

  static boolean triedAgainFor(JobEvent done, Stage stage, String reason) {
    return done.history() != null
        && done.history().stream()
            .anyMatch(a -> a.stage() == stage && a.reasonText().equals(reason));
  }

  @Test
  void shouldRetryResultUploadsThroughTheDelayTopicWhenTheStoreAnswers503() throws Exception {
    proxy.failNext(12, 503, r -> r.startsWith("PUT /" + s3.bucket() + "/r503/out/"));
    Run run = run(jobs("r503", 4), dir.resolve("out"), storage("r503", true, 120, 300));

    assertThat(run.result().summary().done()).as(run.printed()).isEqualTo(4);
    assertThat(run.submits()).as("downloads retried, never a submit").isEqualTo(4);
    assertThat(run.retries(Stage.DOWNLOADER, 69))
        .as("at least one result upload went round the delay topic")
        .isGreaterThanOrEqualTo(1);
    assertThat(run.done()).anyMatch(d -> triedAgainFor(d, Stage.DOWNLOADER, "storage_unavailable"));
    assertThat(objects("r503/out")).as("one object per output, each once").isEqualTo(4);
    assertThat(
            proxy.requests().stream()
                .filter(r -> r.startsWith("PUT /" + s3.bucket() + "/r503/out/"))
                .count())
        .isGreaterThanOrEqualTo(16);
  }

  @Test
  void shouldRetryStagingThroughTheDelayTopicWithoutAPaidPostWhenTheStoreAnswers503()
      throws Exception {
    // 3 distinct images: a HEAD and a PUT each may absorb 2 failures and still succeed (3 x 4 = 12)
    proxy.failNext(16, 503, r -> r.contains(" /" + s3.bucket() + "/s503/in/"));
    Run run = run(jobs("s503", 4), dir.resolve("out"), storage("s503", true, 120, 300));

    assertThat(run.result().summary().done()).as(run.printed()).isEqualTo(4);
    assertThat(run.submits()).as("a failed staging happens before the paid POST").isEqualTo(4);
    assertThat(run.retries(Stage.ROUTER, 69)).isGreaterThanOrEqualTo(1);
    assertThat(run.done()).anyMatch(d -> triedAgainFor(d, Stage.ROUTER, "storage_unavailable"));
    assertThat(objects("s503/in/inputs")).as("three distinct images").isEqualTo(3);
  }

  @Test
  void shouldRetryAResultUploadThatTimesOutAgainstASlowStore() throws Exception {
    // one job: its first call's attempts are all held past the 1 s attempt timeout
    proxy.delayNext(
        2, Duration.ofSeconds(4), r -> r.startsWith("PUT /" + s3.bucket() + "/slow/out/"));
    Run run = run(jobs("slow", 1), dir.resolve("out"), storage("slow", true, 1, 2));

    assertThat(run.result().summary().done()).as(run.printed()).isEqualTo(1);
    assertThat(run.submits()).isEqualTo(1);
    assertThat(run.retries(Stage.DOWNLOADER, 75)).isGreaterThanOrEqualTo(1);
    assertThat(run.done().get(0).history())
        .extracting(Attempt::reasonText)
        .contains("storage_timeout");
    assertThat(objects("slow/out")).isEqualTo(1);
  }

  @Test
  void shouldFailEachJobWithClass77NamingTheOptionAndKeepItsOutputsWhenResultUploadsAreRefused()
      throws Exception {
    proxy.failNext(1000, 403, r -> r.startsWith("PUT /" + s3.bucket() + "/denied/out/"));
    Path out = dir.resolve("out");
    Run run = run(jobs("denied", 2), out, storage("denied", false, 120, 300));

    assertThat(run.result().summary().failed()).as(run.printed()).isEqualTo(2);
    assertThat(run.submits()).as("each job paid once, never again").isEqualTo(2);
    for (JobEvent f : run.failed()) {
      assertThat(f.failure().exitClass().code()).isEqualTo(77);
      assertThat(f.failure().reasonText()).isEqualTo("storage_denied");
      assertThat(f.failure().message())
          .contains("--results-to")
          .contains("outputs stay on disk in " + f.jobId() + "/")
          .doesNotContain(s3.secret());
      assertThat(f.failure().attempts()).as("refused credentials are not retried").isEqualTo(1);
      try (Stream<Path> kept = Files.list(out.resolve(f.jobId()))) {
        assertThat(kept.filter(p -> !p.getFileName().toString().startsWith(".")))
            .as("the paid outputs stay on disk despite --no-keep-local")
            .isNotEmpty();
      }
    }
    assertThat(objects("denied/out")).isZero();
    assertThat(
            Files.exists(out.resolve("manifest.jsonl"))
                ? Files.readAllLines(out.resolve("manifest.jsonl"))
                : List.<String>of())
        .as("no done line for a job that failed")
        .noneMatch(l -> l.contains("\"denied-"));
  }
}
