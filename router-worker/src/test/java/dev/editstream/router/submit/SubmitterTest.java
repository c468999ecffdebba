package dev.editstream.router.submit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.core.RetryDecision;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.job.Job;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.RunComfyConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/** The submitter through the real client against the emulator. */
class SubmitterTest {
  private static final String MODEL = "google/nano-banana-2/edit";
  @TempDir Path dir;
  private RunComfyEmulator emu;
  private RunComfyClient client;
  private final AtomicReference<String> token = new AtomicReference<>("good-token");
  private final InMemoryLedger ledger = new InMemoryLedger();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private AccountGate gate;
  private Submitter submitter;
  private Counter maybe;

  @BeforeEach
  void start() {
    emu =
        RunComfyEmulator.start(
            EmulatorConfig.defaults(dir, "good-token").withFetchInputs(false).withLatency(0, 0));
    client =
        new RunComfyClient(
            RunComfyConfig.of(emu.baseUrl(), "good-token"), Clock.systemUTC(), token::get);
    gate = new AccountGate(Duration.ofMillis(200), Schedulers.parallel(), registry);
    maybe = registry.counter("may");
    submitter = new Submitter(client, ledger, gate, Clock.systemUTC(), maybe);
  }

  @AfterEach
  void stop() {
    client.close();
    emu.close();
  }

  private static JobEvent job(String id) {
    return JobEvent.requested(
        new Job(
            id,
            "warmer",
            List.of("https://cdn.example.com/" + id + ".png"),
            null,
            null,
            null,
            null,
            null),
        Instant.now());
  }

  private static JsonNode body(String id) {
    return Json.mapper()
        .createObjectNode()
        .put("prompt", "warmer " + id)
        .set(
            "image_urls",
            Json.mapper().createArrayNode().add("https://cdn.example.com/" + id + ".png"));
  }

  @Test
  void shouldNeverPostAJobTwiceOnceItWasSubmitted() {
    JobEvent e = job("j1");
    assertThat(submitter.earlier(e)).isEmpty();
    Submitter.Result r = submitter.submit(e, MODEL, body("j1")).block(Duration.ofSeconds(10));
    assertThat(r).isInstanceOf(Submitter.Accepted.class);
    // the same job redelivered: known, not posted again
    assertThat(submitter.earlier(e)).get().isInstanceOf(Submitter.AlreadySubmitted.class);
    assertThat(emu.stats().submits()).isEqualTo(1);
    // a replay of it is a new run and is posted
    assertThat(submitter.earlier(e.replayed(Instant.now()))).isEmpty();
  }

  @Test
  void shouldReportAPostWhoseAnswerWasLostInsteadOfSendingItAgain() {
    JobEvent e = job("j2");
    ledger.markSubmitting(e, Instant.parse("2026-11-23T10:00:00Z")).block();
    assertThat(submitter.earlier(e))
        .get()
        .isInstanceOfSatisfying(
            Submitter.MayHaveBeenSubmitted.class,
            m -> assertThat(m.sentAt()).isEqualTo(Instant.parse("2026-11-23T10:00:00Z")));
    assertThat(maybe.count()).isEqualTo(1.0);
    assertThat(emu.stats().submits()).isZero();
  }

  @Test
  void shouldPauseEveryJobOnARefusedTokenWithOneAlertAndResumeWhenTheTokenIsGoodAgain() {
    token.set("revoked-token");
    List<Submitter.Result> results = new CopyOnWriteArrayList<>();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    Flux.range(1, 5)
        .flatMap(i -> submitter.submit(job("p" + i), MODEL, body("p" + i)))
        .subscribe(results::add, errors::add);
    await().atMost(Duration.ofSeconds(10)).until(() -> gate.isClosed() && gate.waiting() >= 4);
    assertThat(results).isEmpty();
    assertThat(errors).isEmpty();
    assertThat(
            registry.find("editstream.account.paused").gauges().stream()
                .mapToDouble(io.micrometer.core.instrument.Gauge::value)
                .sum())
        .isEqualTo(1.0);
    assertThat(registry.get("editstream.account.paused").tag("reason", "auth").gauge().value())
        .as("a refused token: reason auth")
        .isEqualTo(1.0);
    // every held job shows why it waits
    assertThat(ledger.lookup(job("p1")))
        .get()
        .satisfies(
            e -> {
              assertThat(e.state()).isEqualTo(SubmissionLedger.State.PAUSED);
              assertThat(e.note()).contains("401").doesNotContain("revoked-token");
            });
    // probes keep being refused meanwhile: still one pause, no job failed
    await()
        .pollDelay(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> gate.isClosed());
    assertThat(gate.pauses()).isEqualTo(1);
    token.set("good-token");
    await().atMost(Duration.ofSeconds(10)).until(() -> results.size() == 5);
    assertThat(results).allMatch(r -> r instanceof Submitter.Accepted);
    assertThat(errors).isEmpty();
    assertThat(gate.isClosed()).isFalse();
    assertThat(gate.pauses()).isEqualTo(1);
    assertThat(emu.stats().submits()).isEqualTo(5);
  }

  /** A submitter of its own against an emulator with {@code config}, closed after {@code test}. */
  private void against(
      java.util.function.UnaryOperator<EmulatorConfig> config,
      java.util.function.BiConsumer<Submitter, RunComfyEmulator> test) {
    RunComfyEmulator faulty =
        RunComfyEmulator.start(
            config.apply(
                EmulatorConfig.defaults(dir.resolve("faulty"), "good-token")
                    .withFetchInputs(false)
                    .withLatency(0, 0)));
    RunComfyClient c =
        new RunComfyClient(
            RunComfyConfig.of(faulty.baseUrl(), "good-token"), Clock.systemUTC(), token::get);
    try {
      test.accept(new Submitter(c, ledger, gate, Clock.systemUTC(), maybe), faulty);
    } finally {
      c.close();
      faulty.close();
    }
  }

  @Test
  void shouldParkAPostWhoseAnswerWasAGatewayPageAndNeverSendItAgain() {
    against(
        c -> c.withAcceptedThen504Rate(1.0),
        (s, faulty) -> {
          JobEvent e = job("g1");
          Submitter.Result r = s.submit(e, MODEL, body("g1")).block(Duration.ofSeconds(10));

          assertThat(r)
              .isInstanceOfSatisfying(
                  Submitter.MayHaveBeenSubmitted.class,
                  m -> {
                    assertThat(m.park()).isEqualTo(RetryDecision.UNCERTAIN_POST);
                    assertThat(m.why()).contains("no certain answer").contains("504");
                  });
          assertThat(maybe.count()).isEqualTo(1.0);
          assertThat(faulty.stats().submits()).isEqualTo(1);
          // the marker stays: a later attempt parks the job again without a POST
          assertThat(s.earlier(e)).get().isInstanceOf(Submitter.MayHaveBeenSubmitted.class);
          assertThat(faulty.stats().submits()).isEqualTo(1);
        });
  }

  @Test
  void shouldHandAFailureThatProvesNothingWasCreatedToTheStageRunner() {
    against(
        c -> c.withSubmit503First(1),
        (s, faulty) -> {
          JobEvent e = job("n1");

          assertThatThrownBy(() -> s.submit(e, MODEL, body("n1")).block(Duration.ofSeconds(10)))
              .isInstanceOfSatisfying(
                  StageException.class,
                  x -> assertThat(x.exitClass()).isEqualTo(ExitClass.UNAVAILABLE));
          assertThat(ledger.lookup(e))
              .get()
              .extracting(SubmissionLedger.Entry::state)
              .isEqualTo(SubmissionLedger.State.NOT_SUBMITTED);
          assertThat(maybe.count()).isZero();
          // the retry the runner schedules POSTs again
          assertThat(s.earlier(e)).isEmpty();
          assertThat(s.submit(e, MODEL, body("n1")).block(Duration.ofSeconds(10)))
              .isInstanceOf(Submitter.Accepted.class);
        });
  }

  @Test
  void shouldMakeAJobWhoseGuessedSlotWasRefusedWaitForASlotSeenFree() {
    // a provider running one job at a time; the gate's forecast learns that jobs take 10-500 ms
    try (RunComfyEmulator one =
            RunComfyEmulator.start(
                EmulatorConfig.defaults(dir.resolve("one"), "good-token")
                    .withFetchInputs(false)
                    .withLatency(800, 800)
                    .withProviderCap(1));
        RunComfyClient c = new RunComfyClient(RunComfyConfig.of(one.baseUrl(), "good-token"))) {
      reactor.test.scheduler.VirtualTimeScheduler vts =
          reactor.test.scheduler.VirtualTimeScheduler.create();
      dev.editstream.pipeline.flow.FlowControl flow =
          new dev.editstream.pipeline.flow.FlowControl(
              dev.editstream.pipeline.flow.FlowControl.Settings.fixed(1, 1).withSpeculation(0.9),
              vts);
      for (int i = 1; i <= 50; i++) {
        dev.editstream.pipeline.flow.FlowControl.Permit p = flow.acquire(MODEL).block();
        flow.holdUntilTerminal("learn-" + i, p);
        vts.advanceTimeBy(Duration.ofMillis(10L * i));
        flow.terminal("learn-" + i, true);
      }
      Submitter s = new Submitter(c, ledger, gate, Clock.systemUTC(), maybe).withFlowControl(flow);
      Submitter.Accepted first =
          (Submitter.Accepted) s.submit(job("a"), MODEL, body("a")).block(Duration.ofSeconds(10));
      CopyOnWriteArrayList<Submitter.Result> second = new CopyOnWriteArrayList<>();
      s.submit(job("b"), MODEL, body("b")).subscribe(second::add);

      // on the gate's clock "a" has run 600 ms, longer than any job on record: it has likely
      // ended, but the provider still runs it and refuses the guess with a 429
      vts.advanceTimeBy(Duration.ofMillis(600));
      await().atMost(Duration.ofSeconds(5)).until(() -> flow.speculativeRejects() == 1);
      assertThat(one.stats().capRejections()).isEqualTo(1);
      assertThat(ledger.lookup(job("b")))
          .get()
          .extracting(SubmissionLedger.Entry::state)
          .isEqualTo(SubmissionLedger.State.NOT_SUBMITTED);
      vts.advanceTimeBy(Duration.ofSeconds(5));
      assertThat(second).as("no second guess for the refused job").isEmpty();

      // "a" ends at the provider and a status check sees it: "b" goes on, not through a retry
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> c.status(first.response().requestId()).block().phase().terminal());
      assertThat(flow.terminal(first.response().requestId(), true)).isTrue();
      await().atMost(Duration.ofSeconds(5)).until(() -> !second.isEmpty());
      assertThat(second.get(0)).isInstanceOf(Submitter.Accepted.class);
      assertThat(one.stats().submits()).isEqualTo(2);
      assertThat(one.stats().capRejections()).isEqualTo(1);
      assertThat(flow.accountLimit()).isEqualTo(1);
    }
  }
}
