package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.Json;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Topics;
import dev.editstream.core.job.Job;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.pipeline.flow.FlowControl;
import dev.editstream.pipeline.stage.Outcome;
import dev.editstream.router.submit.AccountGate;
import dev.editstream.router.submit.InMemoryLedger;
import dev.editstream.router.submit.Submitter;
import dev.editstream.runcomfy.LocalAssetServer;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.RunComfyConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** The handler through the real client against the emulator on 127.0.0.1. */
class RouterHandlerTest {
  private static final String TOKEN = "router-token";
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);

  @TempDir static Path dir;
  static RunComfyEmulator emu;
  static RunComfyClient client;
  static LocalAssetServer assets;
  static RouterHandler handler;
  static final InMemoryLedger ledger = new InMemoryLedger();

  @org.junit.jupiter.api.BeforeEach
  void forgetEarlierSubmissions() {
    ledger.clear();
  }

  @BeforeAll
  static void start() {
    emu =
        RunComfyEmulator.start(
            EmulatorConfig.defaults(dir.resolve("out"), TOKEN)
                .withFetchInputs(false)
                .withLatency(0, 0));
    client = new RunComfyClient(RunComfyConfig.of(emu.baseUrl(), TOKEN));
    assets = LocalAssetServer.start("127.0.0.1", 0);
    handler =
        new RouterHandler(
            Router.builtIn(),
            ModelCatalog.builtIn(),
            new InputStager(
                assets,
                java.util.List.of(java.nio.file.Path.of(System.getProperty("java.io.tmpdir")))),
            submitterOver(client),
            Topics.DEFAULT,
            CLOCK);
  }

  @AfterAll
  static void stop() {
    client.close();
    assets.close();
    emu.close();
  }

  private static JobEvent submitted(Job job) {
    Outcome o =
        handler.handle(JobEvent.requested(job, CLOCK.instant())).block(Duration.ofSeconds(20));
    assertThat(o).isInstanceOf(Outcome.Publish.class);
    Outcome.Emit emit = ((Outcome.Publish) o).emits().get(0);
    assertThat(emit.topic()).isEqualTo(Topics.DEFAULT.submitted());
    return emit.event();
  }

  /** A submitter over {@code c} with the shared ledger. */
  private static Submitter submitterOver(RunComfyClient c) {
    return new Submitter(
        c,
        ledger,
        new AccountGate(Duration.ofSeconds(30), Schedulers.parallel(), null),
        CLOCK,
        new SimpleMeterRegistry().counter("may"));
  }

  /** A handler over {@code c}, its submissions limited by {@code flow} when not null. */
  private static RouterHandler handlerOver(RunComfyClient c, FlowControl flow) {
    Submitter submitter = submitterOver(c).withFlowControl(flow);
    return new RouterHandler(
        Router.builtIn(),
        ModelCatalog.builtIn(),
        new InputStager(
            assets, java.util.List.of(java.nio.file.Path.of(System.getProperty("java.io.tmpdir")))),
        submitter,
        Topics.DEFAULT,
        CLOCK);
  }

  @Test
  void shouldPrepareALocalInputJobOnTheCoreSizedPoolUnlessItsStagingUploads() throws Exception {
    Path img = Files.write(dir.resolve("pool.png"), MaskCheckTest.image(16, 16));
    for (boolean uploads : new boolean[] {false, true}) {
      List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
      InputStager stager =
          new InputStager(
              p -> {
                threads.add(Thread.currentThread().getName());
                return "https://cdn.example.com/" + p.getFileName();
              },
              LocalInputs.confinedTo(List.of(dir), LocalInputs.Limits.DEFAULTS),
              uploads);
      RouterHandler h =
          new RouterHandler(
              Router.builtIn(),
              ModelCatalog.builtIn(),
              stager,
              submitterOver(client),
              Topics.DEFAULT,
              CLOCK);
      Job job =
          Jobs.local(
              "pool-" + uploads, "Replace the background with plain light grey studio paper.", img);

      Outcome o = h.handle(JobEvent.requested(job, CLOCK.instant())).block(Duration.ofSeconds(20));

      assertThat(o).isInstanceOf(Outcome.Publish.class);
      assertThat(threads)
          .as("uploads=%s", uploads)
          .singleElement()
          .asString()
          .startsWith(uploads ? "boundedElastic-" : "editstream-router-prepare-");
    }
  }

  @Test
  void shouldKeepRuleCuesAndLintWarningsOnTheSubmittedEvent() {
    JobEvent e = submitted(Jobs.images("Remove the cables and add a lamp on the desk.", 1));

    assertThat(e.route().modelId()).isNotBlank();
    assertThat(e.route().rule()).isNotBlank();
    assertThat(e.route().warnings())
        .anySatisfy(w -> assertThat(w).startsWith("no-preservation: "))
        .anySatisfy(w -> assertThat(w).startsWith("several-edits: "));
    assertThat(e.submission().requestId()).isNotBlank();
  }

  @Test
  void shouldCarryTheWarningsThroughTheEventsWireForm() throws Exception {
    JobEvent e = submitted(Jobs.images("Make the jacket red.", 1));

    JobEvent back = Json.mapper().readValue(Json.mapper().writeValueAsBytes(e), JobEvent.class);

    assertThat(back.route()).isEqualTo(e.route());
    assertThat(back.route().warnings()).isNotEmpty();
  }

  @Test
  void shouldSubmitAFeatheredLocalMaskServedByTheAssetServer() throws Exception {
    Path img = Files.write(dir.resolve("img.png"), MaskCheckTest.image(32, 32));
    Path mask =
        Files.write(
            dir.resolve("mask.png"),
            MaskCheckTest.png(BufferedImage.TYPE_BYTE_GRAY, 32, 32, 8, 8, 16, 16));
    Job job =
        new Job(
            "fm1",
            "Keep the rest unchanged. Remove the cable.",
            List.of(img.toString()),
            mask.toString(),
            null,
            null,
            Map.of(JobPreparer.FEATHER_PARAM, 1),
            null);

    JobEvent e = submitted(job);

    assertThat(e.route().modelId()).isEqualTo(Router.Z_IMAGE);
    assertThat(e.body()).doesNotContainKey(JobPreparer.FEATHER_PARAM);
    assertThat((String) e.body().get("mask_image_url"))
        .startsWith("http://" + assets.hostPort() + "/assets/")
        .endsWith("mask-feathered.png");
  }

  @Test
  void shouldSubmitEveryPartOfASplitBatchWhenTheFlowLimitIsOneAndPermitsAreHeldUntilTerminal() {
    // the adaptive limit can fall to 1 after a 429; the batch's first request keeps its permit
    // until the poller sees it end, which it does only after the whole job is submitted
    FlowControl flow = new FlowControl(FlowControl.Settings.fixed(1, 1), Schedulers.parallel());
    RouterHandler h = handlerOver(client, flow);
    Job batch = Jobs.images("Keep every product unchanged; put each on studio-grey paper.", 25);

    Outcome o = h.handle(JobEvent.requested(batch, CLOCK.instant())).block(Duration.ofSeconds(20));

    assertThat(o).isInstanceOf(Outcome.Publish.class);
    JobEvent e = ((Outcome.Publish) o).emits().get(0).event();
    assertThat(e.requests()).as("two calls").hasSize(2);
    assertThat(flow.inFlight())
        .as("both permits held until the poller sees each request end")
        .isEqualTo(2);
    e.requests().forEach(r -> assertThat(flow.terminal(r.requestId(), true)).isTrue());
    assertThat(flow.inFlight()).isZero();
  }

  @Test
  void shouldNotPostTheLaterPartsOfASplitBatchOnceAPartGotNoCertainAnswer() {
    // every accepted POST is answered 504: RunComfy may have created the request, so the first
    // part parks the job, and paying for the second part of a job that ends parked is waste
    try (RunComfyEmulator gateway =
            RunComfyEmulator.start(
                EmulatorConfig.defaults(dir.resolve("out-504"), TOKEN)
                    .withFetchInputs(false)
                    .withLatency(0, 0)
                    .withAcceptedThen504Rate(1.0));
        RunComfyClient c = new RunComfyClient(RunComfyConfig.of(gateway.baseUrl(), TOKEN))) {
      RouterHandler h = handlerOver(c, null);
      Job batch = Jobs.images("Keep every product unchanged; put each on studio-grey paper.", 25);

      Outcome o =
          h.handle(JobEvent.requested(batch, CLOCK.instant())).block(Duration.ofSeconds(20));

      assertThat(o).isInstanceOf(Outcome.Fail.class);
      assertThat(((Outcome.Fail) o).message()).contains("may have been submitted");
      assertThat(gateway.stats().acceptedThen504()).as("the first part's POST").isEqualTo(1);
      assertThat(gateway.stats().submits()).as("the second part never POSTed").isEqualTo(1);
    }
  }

  @Test
  void shouldFailAMaskFromAnotherImageBeforeAnyCall() throws Exception {
    Path img = Files.write(dir.resolve("big.png"), MaskCheckTest.image(64, 64));
    Path mask = Files.write(dir.resolve("small.png"), MaskCheckTest.mask(16, 16));
    Job job =
        new Job(
            "fm2",
            "Keep the rest unchanged. Remove the cable.",
            List.of(img.toString()),
            mask.toString(),
            null,
            null,
            null,
            null);
    long before = emu.stats().submits();

    StepVerifier.create(handler.handle(JobEvent.requested(job, CLOCK.instant())))
        .expectErrorSatisfies(
            err ->
                assertThat(err)
                    .isInstanceOfSatisfying(
                        StageException.class,
                        se -> {
                          assertThat(se.exitClass()).isEqualTo(ExitClass.DATA);
                          assertThat(se.getMessage())
                              .startsWith(
                                  "job fm2: mask: size 16x16 does not match the image's 64x64");
                        }))
        .verify(Duration.ofSeconds(20));
    assertThat(emu.stats().submits()).isEqualTo(before);
  }
}
