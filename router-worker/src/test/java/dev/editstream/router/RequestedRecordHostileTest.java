package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.Json;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Topics;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.pipeline.stage.Outcome;
import dev.editstream.router.submit.AccountGate;
import dev.editstream.router.submit.InMemoryLedger;
import dev.editstream.router.submit.Submitter;
import dev.editstream.runcomfy.LocalAssetServer;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.RunComfyConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code requested} records written straight to the topic by a stranger (JSON bytes decoded as the
 * router's consumer decodes them), naming local files the producer would never have let through.
 * The real {@link RouterHandler}, with an asset server and the emulator on 127.0.0.1: each record
 * fails with class 65 before any POST, and the asset server publishes nothing.
 */
class RequestedRecordHostileTest {
  static final String TOKEN = "router-hostile-token";
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);

  @TempDir static Path root;
  static Path jobs;
  static Path home;
  static RunComfyEmulator emu;
  static RunComfyClient client;
  static LocalAssetServer assets;
  static RouterHandler handler;

  /**
   * Every file the router asked the asset server to publish (the server is stateless: a URL it
   * signed is all it takes to read a file, so a file never handed to {@link
   * LocalAssetServer#publish} was never served).
   */
  static final List<Path> published = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws IOException {
    jobs = Files.createDirectories(root.resolve("jobs"));
    home = Files.createDirectories(root.resolve("home"));
    Files.createDirectories(home.resolve(".config/runcomfy"));
    Files.writeString(home.resolve(".config/runcomfy/token.json"), "{\"token\":\"" + TOKEN + "\"}");
    Files.write(home.resolve("holiday.png"), Media.noisyPng(8, 8));
    Files.write(jobs.resolve("ok.png"), Media.noisyPng(8, 8));
    Files.createSymbolicLink(
        jobs.resolve("token.png"), home.resolve(".config/runcomfy/token.json"));
    Files.createSymbolicLink(jobs.resolve("holiday.png"), home.resolve("holiday.png"));
    Files.createSymbolicLink(jobs.resolve("home"), home);
    emu =
        RunComfyEmulator.start(
            EmulatorConfig.defaults(root.resolve("emu"), TOKEN)
                .withFetchInputs(false)
                .withLatency(0, 0));
    client = new RunComfyClient(RunComfyConfig.of(emu.baseUrl(), TOKEN));
    assets = LocalAssetServer.start("127.0.0.1", 0);
    Submitter submitter =
        new Submitter(
            client,
            new InMemoryLedger(),
            new AccountGate(
                Duration.ofSeconds(30), reactor.core.scheduler.Schedulers.parallel(), null),
            CLOCK,
            new SimpleMeterRegistry().counter("may"));
    handler =
        new RouterHandler(
            Router.builtIn(),
            ModelCatalog.builtIn(),
            InputStager.publishingWith(RequestedRecordHostileTest::publish, List.of(jobs)),
            submitter,
            Topics.DEFAULT,
            CLOCK);
  }

  /**
   * Publishes {@code file} on the asset server as {@code new InputStager(assets, ...)} does,
   * recording it.
   */
  static String publish(Path file) {
    published.add(file);
    return assets.publish(file).toString();
  }

  @AfterAll
  static void stop() {
    client.close();
    assets.close();
    emu.close();
  }

  /**
   * A {@code requested} record as a stranger would write it: raw JSON, decoded by the router's
   * codec.
   */
  static JobEvent record(String id, String field, String json) throws IOException {
    String job =
        "{\"id\":\"" + id + "\",\"prompt\":\"Keep the face. Make the jacket blue.\"," + json + "}";
    if (field.equals("video")) {
      job =
          "{\"id\":\""
              + id
              + "\",\"prompt\":\"Change the sky to a sunset in every frame.\","
              + json
              + "}";
    }
    String event =
        "{\"v\":1,\"type\":\"requested\",\"job_id\":\""
            + id
            + "\",\"at\":\"2026-01-02T03:04:05Z\",\"job\":"
            + job
            + "}";
    return Json.mapper().readValue(event, JobEvent.class);
  }

  static String q(String s) {
    return Json.mapper().getNodeFactory().textNode(s).toString();
  }

  static Stream<Arguments> records() {
    Function<String, String> img = p -> "\"images\":[" + q(p) + "]";
    return Stream.of(
        Arguments.of(
            "kafka requested record: images ['/etc/passwd']",
            "images[0]",
            (Function<Path, String>) j -> img.apply("/etc/passwd")),
        Arguments.of(
            "kafka requested record: RunComfy's token.json by absolute path",
            "images[0]",
            (Function<Path, String>)
                j -> img.apply(home.resolve(".config/runcomfy/token.json").toString())),
        Arguments.of(
            "kafka requested record: a link in the job folder to token.json",
            "images[0]",
            (Function<Path, String>) j -> img.apply(j.resolve("token.png").toString())),
        Arguments.of(
            "kafka requested record: a link in the job folder to a photo outside",
            "images[0]",
            (Function<Path, String>) j -> img.apply(j.resolve("holiday.png").toString())),
        Arguments.of(
            "kafka requested record: through a linked folder",
            "images[0]",
            (Function<Path, String>) j -> img.apply(j.resolve("home/holiday.png").toString())),
        Arguments.of(
            "kafka requested record: '..' segments to the photo outside",
            "images[0]",
            (Function<Path, String>) j -> img.apply(j + "/../home/holiday.png")),
        Arguments.of(
            "kafka requested record: '..' segments to /etc/passwd",
            "images[0]",
            (Function<Path, String>) j -> img.apply(j + "/../../../../../../../etc/passwd")),
        Arguments.of(
            "kafka requested record: a relative path",
            "images[0]",
            (Function<Path, String>) j -> img.apply("../home/holiday.png")),
        Arguments.of(
            "kafka requested record: a good image and /etc/shadow as the second",
            "images[1]",
            (Function<Path, String>)
                j ->
                    "\"images\":["
                        + q(j.resolve("ok.png").toString())
                        + ","
                        + q("/etc/shadow")
                        + "]"),
        Arguments.of(
            "kafka requested record: mask '/etc/passwd'",
            "mask",
            (Function<Path, String>)
                j -> img.apply(j.resolve("ok.png").toString()) + ",\"mask\":" + q("/etc/passwd")),
        Arguments.of(
            "kafka requested record: video '/etc/passwd'",
            "video",
            (Function<Path, String>) j -> "\"video\":" + q("/etc/passwd")),
        Arguments.of(
            "kafka requested record: video '/proc/self/environ'",
            "video",
            (Function<Path, String>) j -> "\"video\":" + q("/proc/self/environ")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("records")
  void shouldFailWithInputNotAllowedBeforeAnyPost(
      String name, String field, Function<Path, String> json) throws IOException {
    long before = emu.stats().submits();
    int publishedBefore = published.size();
    JobEvent event = record("k1", field, json.apply(jobs));

    Throwable error = catchError(event);

    assertThat(error)
        .isInstanceOfSatisfying(
            StageException.class,
            e -> {
              assertThat(e.exitClass().code()).as(e.getMessage()).isEqualTo(65);
              assertThat(e.reason()).as(e.getMessage()).isEqualTo(FailureReason.INPUT_NOT_ALLOWED);
              assertThat(e.getMessage())
                  .contains(field + ": ")
                  .doesNotContain(home.toString())
                  .doesNotContain("/etc/");
            });
    assertThat(emu.stats().submits()).as("no POST").isEqualTo(before);
    assertThat(published.subList(publishedBefore, published.size()))
        .as("files published by the asset server")
        .isEmpty();
  }

  static Throwable catchError(JobEvent event) {
    try {
      Outcome o = handler.handle(event).block(Duration.ofSeconds(20));
      throw new AssertionError("the record was handled: " + o);
    } catch (StageException e) {
      return e;
    }
  }

  @Test
  void shouldStillSubmitAGoodLocalImageInsideTheAllowedFolderServedFromItsRealPath()
      throws IOException {
    Outcome o =
        handler
            .handle(
                record(
                    "k2", "images[0]", "\"images\":[" + q(jobs.resolve("ok.png").toString()) + "]"))
            .block(Duration.ofSeconds(20));

    assertThat(o).isInstanceOf(Outcome.Publish.class);
    JobEvent submitted = ((Outcome.Publish) o).emits().get(0).event();
    assertThat(submitted.body().toString()).contains("http://" + assets.hostPort() + "/assets/");
    assertThat(published)
        .as("the asset server published the good image only")
        .contains(jobs.resolve("ok.png").toRealPath())
        .allSatisfy(p -> assertThat(p).startsWith(jobs.toRealPath()));
  }
}
