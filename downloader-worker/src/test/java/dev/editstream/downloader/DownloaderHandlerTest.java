package dev.editstream.downloader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import dev.editstream.core.Redact;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.EventType;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.OutputFile;
import dev.editstream.core.event.RemoteRun;
import dev.editstream.core.event.RouteDecision;
import dev.editstream.core.event.Submission;
import dev.editstream.core.event.Topics;
import dev.editstream.core.job.Job;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.Endpoint;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.pipeline.metrics.Meters;
import dev.editstream.pipeline.metrics.PipelineMetrics;
import dev.editstream.pipeline.stage.Outcome;
import dev.editstream.runcomfy.DownloadConfig;
import dev.editstream.runcomfy.DownloadPolicy;
import dev.editstream.runcomfy.OutputDownloader;
import dev.editstream.runcomfy.OutputUrls;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.RunComfyConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

/**
 * {@link DownloaderHandler} with {@link Manifest} against a real {@link RunComfyEmulator}: jobs are
 * submitted through a real {@link RunComfyClient}, the {@code completed} event is built by hand
 * with the submission's request_id (as the poller would publish it), and the outputs are fetched
 * over real HTTP on 127.0.0.1 into a temporary output folder.
 */
class DownloaderHandlerTest {
  static final String TOKEN = "downloader-test-token";
  static final String NANO = "google/nano-banana-2/edit";
  static final Topics TOPICS = new Topics("dt");
  static final String JOB_ID = "job-42";

  /** What core's {@code Redact.url} puts in place of a query string. */
  static final String REDACTED = "?<redacted>";

  static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  Path emuDir;
  Path out;
  RunComfyEmulator emu;
  RunComfyClient client;
  OutputDownloader downloader;
  DownloadPolicy policy;
  Manifest manifest;
  boolean publicOutputs;
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @AfterEach
  void stop() {
    if (downloader != null) {
      downloader.close();
    }
    if (client != null) {
      client.close();
    }
    if (emu != null) {
      emu.close();
    }
  }

  void start(UnaryOperator<EmulatorConfig> tweak) {
    emuDir = dir.resolve("emulator");
    out = dir.resolve("out");
    EmulatorConfig config =
        tweak.apply(
            EmulatorConfig.defaults(emuDir, TOKEN).withFetchInputs(false).withLatency(0, 0));
    publicOutputs = config.publicOutputs();
    emu = RunComfyEmulator.start(config);
    client =
        new RunComfyClient(
            RunComfyConfig.of(emu.baseUrl(), TOKEN).withResponseTimeout(Duration.ofSeconds(10)));
    policy = DownloadPolicy.runComfyDefault().withLocalHosts(Set.of("127.0.0.1:" + emu.port()));
    downloader =
        new OutputDownloader(
            policy,
            DownloadConfig.defaults().withReadTimeout(Duration.ofSeconds(10)),
            Clock.systemUTC());
    manifest = new Manifest(out);
  }

  DownloaderHandler handler(DownloadPolicy p) {
    return DownloaderHandler.builder()
        .client(client)
        .downloader(downloader)
        .policy(p)
        .outDir(out)
        .manifest(manifest)
        .topics(TOPICS)
        .clock(Clock.systemUTC())
        .parallelPerJob(2)
        .metrics(new PipelineMetrics(registry))
        .build();
  }

  static ObjectNode nanoBody(int images) {
    ObjectNode b = Json.mapper().createObjectNode();
    b.put("prompt", "add a red scarf");
    b.putArray("image_urls").add("https://a.example/1.jpg");
    b.put("number_of_images", images);
    return b;
  }

  /**
   * Submits a job of {@code images} outputs, waits for the emulator to finish it and returns the
   * {@code completed} event the poller would publish (outputs redacted, request_id kept).
   */
  JobEvent completedJob(int images) {
    return completedJob(images, null);
  }

  /**
   * As {@link #completedJob(int)}, the poller's {@link RemoteRun} (cost, deadline) on the event.
   */
  JobEvent completedJob(int images, RemoteRun run) {
    ObjectNode body = nanoBody(images);
    String requestId = client.submit(NANO, body).block(WAIT).requestId();
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> client.status(requestId).block(WAIT).terminal());
    List<String> signed = OutputUrls.collect(client.result(requestId).block(WAIT).output());
    assertThat(signed)
        .hasSize(images)
        .allSatisfy(
            u ->
                assertThat(u.contains("X-Amz-Signature="))
                    .as("signed unless the emulator's outputs are public: " + u)
                    .isNotEqualTo(publicOutputs));
    Instant now = Instant.now();
    Job job =
        new Job(
            JOB_ID,
            "add a red scarf",
            List.of("https://a.example/1.jpg"),
            null,
            null,
            NANO,
            Map.of(),
            "batch-7");
    @SuppressWarnings("unchecked")
    Map<String, Object> sent = Json.mapper().convertValue(body, Map.class);
    return JobEvent.requested(job, now)
        .submitted(
            new RouteDecision(NANO, "explicit-model", List.of()),
            sent,
            new Submission(requestId, null, null, null, now),
            now)
        .completed(signed.stream().map(Redact::url).toList(), run, now);
  }

  static String sha256(Path file) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The regular files under {@code root}, editstream's job marker aside. */
  static List<Path> walk(Path root) {
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().equals(OutputFolder.MARKER))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Path> partFiles(Path root) {
    return walk(root).stream().filter(p -> p.getFileName().toString().contains(".part")).toList();
  }

  List<JsonNode> manifestLines() {
    try {
      if (!Files.exists(manifest.file())) {
        return List.of();
      }
      return Files.readAllLines(manifest.file()).stream()
          .filter(l -> !l.isBlank())
          .map(
              l -> {
                try {
                  return Json.mapper().readTree(l);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              })
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JobEvent doneEvent(Outcome outcome) {
    assertThat(outcome).isInstanceOf(Outcome.Publish.class);
    List<Outcome.Emit> emits = ((Outcome.Publish) outcome).emits();
    assertThat(emits).hasSize(1);
    assertThat(emits.get(0).topic()).isEqualTo(TOPICS.done());
    return emits.get(0).event();
  }

  @Test
  void shouldStoreEveryOutputUnderTheJobFolderAndRecordItInTheManifest() {
    start(c -> c);
    JobEvent completed = completedJob(2);
    String requestId = completed.submission().requestId();

    JobEvent done = doneEvent(handler(policy).handle(completed).block(WAIT));

    assertThat(done.type()).isEqualTo(EventType.DONE);
    assertThat(done.jobId()).isEqualTo(JOB_ID);
    assertThat(done.files()).hasSize(2);
    assertThat(walk(out.resolve(JOB_ID))).hasSize(2);
    assertThat(out.resolve(JOB_ID).resolve(OutputFolder.MARKER))
        .as("editstream's marker of the job")
        .hasContent(JOB_ID);
    for (OutputFile f : done.files()) {
      Path file = out.resolve(f.path());
      assertThat(file.getParent()).isEqualTo(out.resolve(JOB_ID));
      assertThat(file).isRegularFile();
      assertThat(f.bytes()).isPositive().isEqualTo(file.toFile().length());
      assertThat(f.sha256()).isEqualTo(sha256(file));
      // the same bytes the emulator rendered for this request
      assertThat(f.sha256())
          .isEqualTo(sha256(emuDir.resolve(requestId).resolve(file.getFileName())));
      assertThat(f.sourceUrl())
          .doesNotContain("X-Amz")
          .matches(
              Pattern.quote(
                      "http://127.0.0.1:"
                          + emu.port()
                          + "/files/"
                          + requestId
                          + "/"
                          + file.getFileName())
                  + "("
                  + Pattern.quote(REDACTED)
                  + ")?");
    }
    assertThat(partFiles(out)).isEmpty();
    assertThat(walk(out.resolve(".staging"))).isEmpty();
    // each committed file is metered: its bytes, its streaming and its commit time
    assertThat(registry.get(Meters.DOWNLOAD_BYTES.meterName()).counter().count())
        .isEqualTo(done.files().stream().mapToLong(OutputFile::bytes).sum());
    assertThat(registry.get(Meters.DOWNLOAD_STREAMING.meterName()).timer().count()).isEqualTo(2);
    assertThat(registry.get(Meters.DOWNLOAD_COMMIT.meterName()).timer().count()).isEqualTo(2);

    List<JsonNode> lines = manifestLines();
    assertThat(lines).hasSize(1);
    JsonNode line = lines.get(0);
    assertThat(line.path("job_id").asText()).isEqualTo(JOB_ID);
    assertThat(line.path("request_id").asText()).isEqualTo(requestId);
    assertThat(line.path("model").asText()).isEqualTo(NANO);
    assertThat(line.path("batch").asText()).isEqualTo("batch-7");
    assertThat(line.path("files")).hasSize(2);
    for (JsonNode f : line.path("files")) {
      Path file = out.resolve(f.path("path").asText());
      assertThat(file).isRegularFile();
      assertThat(f.path("bytes").asLong()).isEqualTo(file.toFile().length());
      assertThat(f.path("sha256").asText()).isEqualTo(sha256(file));
      assertThat(f.path("source_url").asText()).doesNotContain("X-Amz");
    }
  }

  @Test
  void shouldReadTheResultAgainForSignedOutputsAndNotForPublicOnes() {
    start(c -> c);
    JobEvent signed = completedJob(2);
    long before = emu.stats().calls(Endpoint.RESULT);

    assertThat(doneEvent(handler(policy).handle(signed).block(WAIT)).files()).hasSize(2);
    assertThat(emu.stats().calls(Endpoint.RESULT) - before)
        .as("signed URLs lost their signatures in the event: the result is read again")
        .isEqualTo(1);

    stop();
    start(c -> c.withPublicOutputs(true));
    JobEvent plain = completedJob(2);
    before = emu.stats().calls(Endpoint.RESULT);
    long files = emu.stats().calls(Endpoint.FILES);

    JobEvent done = doneEvent(handler(policy).handle(plain).block(WAIT));

    assertThat(done.files()).hasSize(2);
    assertThat(done.files()).extracting(OutputFile::sourceUrl).isEqualTo(plain.outputs());
    assertThat(emu.stats().calls(Endpoint.RESULT) - before)
        .as("RunComfy's URLs are whole in the event: no second result call")
        .isZero();
    assertThat(emu.stats().calls(Endpoint.FILES) - files).isEqualTo(2);
    assertThat(walk(out.resolve(JOB_ID))).hasSize(2);
  }

  @Test
  void shouldTakeOnlyEventOutputsWithNoQueryStringOrFragmentAsWhole() {
    assertThat(DownloaderHandler.whole(List.of("https://a.example/r/1.png"))).isTrue();
    assertThat(
            DownloaderHandler.whole(
                List.of("https://a.example/r/1.png", "https://a.example/r/2.png")))
        .isTrue();
    assertThat(DownloaderHandler.whole(List.of("https://a.example/r/1.png" + REDACTED))).isFalse();
    assertThat(
            DownloaderHandler.whole(
                List.of("https://a.example/r/1.png", "https://a.example/r/2.png" + REDACTED)))
        .as("one signed URL among plain ones: the result is read again")
        .isFalse();
    assertThat(DownloaderHandler.whole(List.of("https://a.example/r/1.png#frag"))).isFalse();
    assertThat(DownloaderHandler.whole(List.of())).isFalse();
    assertThat(DownloaderHandler.whole(null)).isFalse();
  }

  @Test
  void shouldCarryTheCostAndThePastDeadlineMarkToTheDoneEventAndTheManifest() {
    start(c -> c);
    RemoteRun run =
        new RemoteRun(
            0.5,
            true,
            "ran past its deadline 2026-11-23T10:10:00Z; not cancellable, so followed to its end (RunComfy bills it)");
    JobEvent completed = completedJob(1, run);

    JobEvent done = doneEvent(handler(policy).handle(completed).block(WAIT));

    assertThat(done.remote()).isEqualTo(run);
    JsonNode line = manifestLines().get(0);
    assertThat(line.path("cost_usd").isNumber()).isTrue();
    assertThat(line.path("cost_usd").asDouble()).isEqualTo(0.5);
    assertThat(line.path("past_deadline").asBoolean()).isTrue();
  }

  @Test
  void shouldWriteNeitherCostNorPastDeadlineForAJobWithoutThem() {
    start(c -> c);

    doneEvent(handler(policy).handle(completedJob(1, RemoteRun.cost(null))).block(WAIT));

    JsonNode line = manifestLines().get(0);
    assertThat(line.has("cost_usd")).isFalse();
    assertThat(line.has("past_deadline")).isFalse();
  }

  @Test
  void shouldNotAddASecondManifestLineWhenTheSameJobIsHandledAgain() {
    start(c -> c);
    JobEvent completed = completedJob(1);
    DownloaderHandler handler = handler(policy);

    JobEvent first = doneEvent(handler.handle(completed).block(WAIT));
    JobEvent second = doneEvent(handler.handle(completed).block(WAIT));

    assertThat(manifestLines()).hasSize(1);
    assertThat(second.files()).hasSize(1);
    assertThat(second.files().get(0).sha256()).isEqualTo(first.files().get(0).sha256());
    Path file = out.resolve(second.files().get(0).path());
    assertThat(file).isRegularFile();
    assertThat(sha256(file)).isEqualTo(second.files().get(0).sha256());
    assertThat(walk(out.resolve(JOB_ID))).hasSize(1);
    assertThat(partFiles(out)).isEmpty();
  }

  @Test
  void shouldNotAddALineForAJobAlreadyInTheManifestOfAnEarlierRun() {
    start(c -> c);
    JobEvent completed = completedJob(1);
    doneEvent(handler(policy).handle(completed).block(WAIT));
    manifest = new Manifest(out); // a restarted worker

    doneEvent(handler(policy).handle(completed).block(WAIT));

    assertThat(manifestLines()).hasSize(1);
  }

  @Test
  void shouldFailWithClass65NoAllowedOutputsWhenThePolicyRefusesEveryHost() {
    start(c -> c);
    JobEvent completed = completedJob(2);
    DownloadPolicy runComfyOnly = DownloadPolicy.runComfyDefault();

    Outcome outcome = handler(runComfyOnly).handle(completed).block(WAIT);

    assertThat(outcome)
        .isInstanceOfSatisfying(
            Outcome.Fail.class,
            f -> {
              assertThat(f.exitClass()).isEqualTo(ExitClass.DATA);
              assertThat(f.exitClass().code()).isEqualTo(65);
              assertThat(f.reasonText()).isEqualTo("no_allowed_outputs");
              assertThat(f.message()).contains("2");
            });
    assertThat(out.resolve(JOB_ID)).doesNotExist();
    assertThat(manifestLines()).isEmpty();
    assertThat(emu.stats().downloads()).isZero();
  }

  @Test
  void shouldSignalARetryableClass75FailureAndLeaveNoPartialFileWhenADownloadIsTruncated() {
    start(c -> c.withTruncateRate(1.0));
    JobEvent completed = completedJob(1);

    StepVerifier.create(handler(policy).handle(completed))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOfSatisfying(
                        StageException.class,
                        se -> {
                          assertThat(se.exitClass()).isEqualTo(ExitClass.TEMPFAIL);
                          assertThat(se.exitClass().code()).isEqualTo(75);
                          assertThat(se.reasonText()).isEqualTo("truncated");
                          assertThat(se.getMessage()).doesNotContain("X-Amz");
                        }))
        .verify(WAIT);

    assertThat(emu.stats().downloads()).isPositive();
    assertThat(out.resolve(JOB_ID)).doesNotExist();
    assertThat(partFiles(out)).isEmpty();
    assertThat(walk(out.resolve(".staging"))).isEmpty();
    assertThat(manifestLines()).isEmpty();
  }

  @Test
  void shouldLeaveNothingBehindInStagingWhenOneOfSeveralParallelDownloadsIsTruncated() {
    start(c -> c.withTruncateRate(1.0));
    JobEvent completed = completedJob(4);

    StepVerifier.create(handler(policy).handle(completed))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOfSatisfying(
                        StageException.class,
                        se -> assertThat(se.exitClass()).isEqualTo(ExitClass.TEMPFAIL)))
        .verify(WAIT);

    assertThat(out.resolve(JOB_ID)).doesNotExist();
    assertThat(partFiles(out)).isEmpty();
    assertThat(out.resolve(".staging"))
        .satisfiesAnyOf(s -> assertThat(s).doesNotExist(), s -> assertThat(s).isEmptyDirectory());
    assertThat(manifestLines()).isEmpty();
  }

  @Test
  void shouldFailWithClass65WithoutAnyCallWhenTheEventHasNoRequestId() {
    start(c -> c);
    JobEvent requested =
        JobEvent.requested(
            new Job(JOB_ID, "p", List.of(), null, null, null, Map.of(), null), Instant.now());

    StepVerifier.create(handler(policy).handle(requested))
        .assertNext(
            o ->
                assertThat(o)
                    .isInstanceOfSatisfying(
                        Outcome.Fail.class,
                        f -> {
                          assertThat(f.exitClass()).isEqualTo(ExitClass.DATA);
                          assertThat(f.reasonText()).isEqualTo("no_request_id");
                        }))
        .verifyComplete();
    assertThat(emu.stats().resultCalls()).isZero();
  }

  @Test
  void shouldSignalAClass65FailureWhenRunComfyDoesNotKnowTheRequest() {
    start(c -> c);
    JobEvent completed = completedJob(1);
    JobEvent unknown =
        JobEvent.requested(completed.job(), Instant.now())
            .submitted(
                completed.route(),
                completed.body(),
                new Submission("no-such-request", null, null, null, Instant.now()),
                Instant.now())
            .completed(completed.outputs(), Instant.now());

    StepVerifier.create(handler(policy).handle(unknown))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOfSatisfying(
                        StageException.class,
                        se -> assertThat(se.exitClass()).isEqualTo(ExitClass.DATA)))
        .verify(WAIT);
    assertThat(out.resolve(JOB_ID)).doesNotExist();
  }
}
