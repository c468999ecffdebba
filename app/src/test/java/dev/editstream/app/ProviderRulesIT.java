package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.editstream.core.error.StageException;
import dev.editstream.core.event.JobEvent;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.localkafka.EmbeddedKafka;
import dev.editstream.runcomfy.RunComfyConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RunComfy's money rules end to end, through the real broker and real HTTP against the emulator: no
 * second payment after an uncertain answer (and replay only with consent), a rejecting 503 is
 * retried, a budget stops a batch at the right job, and a balance check stops a run at once.
 */
class ProviderRulesIT {
  private static final String TOKEN = "provider-rules-token";
  private static final String FLUX = "blackforestlabs/flux-1-kontext/pro/edit";
  private static EmbeddedKafka kafka;

  @TempDir Path dir;

  @BeforeAll
  static void broker() {
    kafka = EmbeddedKafka.start(null);
  }

  @AfterAll
  static void stop() {
    kafka.close();
  }

  private record Ran(BatchRun.Result result, String printed, PipelineConfig cfg) {
    List<com.fasterxml.jackson.databind.JsonNode> errors() throws IOException {
      List<com.fasterxml.jackson.databind.JsonNode> out = new ArrayList<>();
      for (String l : Files.readAllLines(cfg.outDir().resolve("errors.jsonl"))) {
        out.add(dev.editstream.core.Json.mapper().readTree(l));
      }
      return out;
    }

    com.fasterxml.jackson.databind.JsonNode summary() throws IOException {
      return dev.editstream.core.Json.mapper()
          .readTree(cfg.outDir().resolve("summary.json").toFile());
    }

    JobEvent failed(String id) {
      return result.summary().jobs().get(id).failedEvents().get(0);
    }

    long done() {
      return result.summary().done();
    }
  }

  /**
   * {@code n} FLUX Kontext jobs ($0.04 each in the emulator's catalog), one URL image each, {@code
   * j-1}..{@code j-n}.
   */
  private Path jobs(int n) throws IOException {
    return fluxJobs(dir, n);
  }

  /** As {@link #jobs(int)}, the file written in {@code dir}: for the other ITs of this package. */
  static Path fluxJobs(Path dir, int n) throws IOException {
    List<String> lines = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      lines.add(
          "{\"id\":\"j-"
              + i
              + "\",\"prompt\":\"Make the colours warmer.\",\"images\":[\"https://inputs.example.com/"
              + i
              + ".png\"],\"model\":\""
              + FLUX
              + "\"}");
    }
    return Files.write(dir.resolve("jobs-" + n + ".jsonl"), lines, StandardCharsets.UTF_8);
  }

  private Ran run(RunComfyEmulator emu, Path jobs, Double budget, boolean balanceCheck)
      throws IOException {
    return run(emu, jobs, budget, balanceCheck, 30);
  }

  private Ran run(
      RunComfyEmulator emu,
      Path jobs,
      Double budget,
      boolean balanceCheck,
      long accountRecheckSeconds)
      throws IOException {
    PipelineOptions o = new PipelineOptions();
    o.accountRecheckSeconds = accountRecheckSeconds;
    o.bootstrapServers = kafka.bootstrapServers();
    o.topicPrefix = "rules-" + Long.toHexString(System.nanoTime());
    o.partitions = 1;
    o.out = dir.resolve("out-" + System.nanoTime());
    o.routerConcurrency = 1;
    o.pollerConcurrency = 50;
    o.downloaderConcurrency = 4;
    o.maxAttempts = 10;
    o.retryBaseMs = 20;
    o.retryMaxMs = 200;
    o.jobDeadlineSeconds = 120;
    o.catalogCache = dir.resolve("catalog-cache.json");
    o.budgetUsd = budget;
    o.balanceCheck = balanceCheck;
    PipelineConfig cfg = o.toConfig().allowingDownloadsFrom("127.0.0.1:" + emu.port());
    EmulatorRunOptions.Ran ran =
        EmulatorRunOptions.run(cfg, emu, TOKEN, jobs, Duration.ofMinutes(2));
    return new Ran(ran.result(), ran.printed(), cfg);
  }

  private EmulatorConfig emulator() {
    return EmulatorConfig.defaults(dir.resolve("emu-" + System.nanoTime()), TOKEN)
        .withFetchInputs(false)
        .withLatency(50, 150)
        .withSeed(11);
  }

  @Test
  void shouldPostAJobAcceptedThenAnswered504ExactlyOnceAndReplayItOnlyWithConsent()
      throws Exception {
    try (RunComfyEmulator emu = RunComfyEmulator.start(emulator().withAcceptedThen504Rate(1.0))) {
      Ran ran = run(emu, jobs(3), null, false);

      assertThat(emu.stats().acceptedThen504())
          .as("RunComfy created (and bills) every request")
          .isEqualTo(3);
      assertThat(emu.stats().postsPerBodyHash())
          .as("one POST per job, never a second")
          .hasSize(3)
          .allSatisfy((h, n) -> assertThat(n).isEqualTo(1));
      for (String id : List.of("j-1", "j-2", "j-3")) {
        JobEvent f = ran.failed(id);
        assertThat(f.failure().exitClass().code()).isEqualTo(75);
        assertThat(f.failure().reasonText()).isEqualTo("may_have_been_submitted");
        assertThat(f.failure().message()).contains("504", "not re-sent", "--resubmit-uncertain");
      }

      assertThat(ran.errors())
          .hasSize(3)
          .allSatisfy(
              e -> {
                assertThat(e.path("reason").asText()).isEqualTo("may_have_been_submitted");
                assertThat(e.path("may_have_been_submitted").asBoolean()).isTrue();
              });
      assertThat(BatchFiles.exitCode(ran.result())).isEqualTo(BatchFiles.SOME_FAILED);

      String prefix = ran.cfg().topics().prefix();
      String refused =
          replay("--bootstrap-servers", kafka.bootstrapServers(), "--topic-prefix", prefix);
      assertThat(refused)
          .contains("skipped j-1: it may have been submitted already")
          .contains("0 jobs replayed, 3 skipped");
      String consented =
          replay(
              "--bootstrap-servers",
              kafka.bootstrapServers(),
              "--topic-prefix",
              prefix,
              "--id",
              "j-2",
              "--resubmit-uncertain");
      assertThat(consented)
          .contains("resubmitting j-2 with consent")
          .contains("1 jobs replayed, 0 skipped");
    }
  }

  @Test
  void shouldRetryA503WithRunComfysRejectingEnvelopeAndEndDone() throws Exception {
    // the first three POSTs are refused with 503 + error_code 500001 (nothing created), polls see
    // random 503s too
    try (RunComfyEmulator emu =
        RunComfyEmulator.start(emulator().withRate5xx(0.2).withSubmit503First(3))) {
      Ran ran = run(emu, jobs(4), null, false);

      assertThat(emu.stats().submitUnavailable())
          .as("POSTs answered 503 with the rejecting envelope")
          .isEqualTo(3);
      assertThat(emu.stats().calls(dev.editstream.emulator.Endpoint.SUBMIT))
          .as("the refused POSTs were sent again")
          .isGreaterThanOrEqualTo(4 + 3);
      assertThat(ran.done()).as(ran.printed()).isEqualTo(4);
      assertThat(emu.stats().submitsPerModel().get(FLUX))
          .as("one request created per job")
          .isEqualTo(4);
      assertThat(ran.errors()).isEmpty();
      assertThat(ran.summary().path("exit_code").asInt()).isZero();
      assertThat(ran.summary().path("done").asInt()).isEqualTo(4);
      assertThat(ran.summary().path("models").path(FLUX).path("cost_usd").asDouble())
          .isEqualTo(0.16);
    }
  }

  @Test
  void shouldStopSubmittingAtTheFirstJobThatWouldPassTheBudgetAndReportTheRest() throws Exception {
    try (RunComfyEmulator emu = RunComfyEmulator.start(emulator())) {
      Ran ran = run(emu, jobs(5), 0.10, false);

      assertThat(ran.done()).as(ran.printed()).isEqualTo(2);
      assertThat(emu.stats().submits()).as("nothing POSTed after the budget stopped").isEqualTo(2);
      for (String id : List.of("j-3", "j-4", "j-5")) {
        JobEvent f = ran.failed(id);
        assertThat(f.failure().reasonText()).isEqualTo("budget");
        assertThat(f.failure().message()).contains("stopped at job j-3", "$0.1000");
      }
      assertThat(ran.result().summary().costUsd())
          .isEqualTo(0.08, org.assertj.core.data.Offset.offset(1e-9));
      assertThat(ran.printed())
          .contains("3 jobs were not submitted because the budget was reached");
      assertThat(ran.errors())
          .extracting(e -> e.path("id").asText() + " " + e.path("reason").asText())
          .containsExactly("j-3 budget", "j-4 budget", "j-5 budget");
      assertThat(ran.summary().path("exit_code").asInt()).isEqualTo(BatchFiles.SOME_FAILED);
      assertThat(ran.summary().path("cost_usd").asDouble()).isEqualTo(0.08);
    }
  }

  @Test
  void shouldStopARunAtOnceWhenTheBalanceCheckFindsAnEmptyWallet() throws Exception {
    try (RunComfyEmulator emu = RunComfyEmulator.start(emulator().withBalanceUsd(0))) {
      assertThatThrownBy(() -> run(emu, jobs(2), null, true))
          .isInstanceOfSatisfying(
              StageException.class,
              e -> {
                assertThat(e.exitClass().code()).isEqualTo(77);
                assertThat(e.getMessage()).contains("balance is $0.00");
              });
      assertThat(emu.stats().submits()).isZero();
    }
  }

  /**
   * An empty wallet met mid-run (402, error_code 400002): submission pauses, the account is probed
   * through the free balance endpoint, never by a paid submit, and once the wallet is topped up the
   * held jobs are submitted and end done.
   */
  @Test
  void shouldProbeAnEmptyWalletThroughTheBalanceEndpointAndResumeWhenItIsToppedUp()
      throws Exception {
    try (RunComfyEmulator emu = RunComfyEmulator.start(emulator().withBalanceUsd(0))) {
      Ran[] ran = new Ran[1];
      Thread t =
          new Thread(
              () -> {
                try {
                  ran[0] = run(emu, jobs(3), null, false, 1);
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      t.start();
      // the first POST is refused for the empty wallet; then only the balance is read, every second
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  emu.stats().calls(dev.editstream.emulator.Endpoint.SUBMIT) >= 1
                      && emu.stats().calls(dev.editstream.emulator.Endpoint.BALANCE) >= 3);
      long postsWhilePaused = emu.stats().calls(dev.editstream.emulator.Endpoint.SUBMIT);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> emu.stats().calls(dev.editstream.emulator.Endpoint.BALANCE) >= 5);
      assertThat(emu.stats().calls(dev.editstream.emulator.Endpoint.SUBMIT))
          .as("no paid probe while paused")
          .isEqualTo(postsWhilePaused)
          .isEqualTo(1);
      assertThat(emu.stats().submits()).isZero();

      emu.creditUsd(TOKEN, 5.0);
      t.join(Duration.ofMinutes(2).toMillis());
      assertThat(ran[0]).as("the run ended").isNotNull();
      assertThat(ran[0].done()).as(ran[0].printed()).isEqualTo(3);
      assertThat(emu.stats().submits()).as("one accepted POST per job").isEqualTo(3);
      assertThat(emu.stats().calls(dev.editstream.emulator.Endpoint.SUBMIT))
          .as("the refused POST and one per job")
          .isEqualTo(4);
    }
  }

  @Test
  void shouldExit77AtOnceWhenRunComfyRefusesTheToken() throws Exception {
    try (RunComfyEmulator emu = RunComfyEmulator.start(emulator())) {
      StageException e =
          org.assertj.core.api.Assertions.catchThrowableOfType(
              StageException.class,
              () ->
                  BatchRun.requireAcceptedToken(
                      RunComfyConfig.of(emu.baseUrl(), "not-the-token-at-all")));
      assertThat(e.exitClass().code()).isEqualTo(77);
      assertThat(e.getMessage())
          .contains("refused the token", "RUNCOMFY_TOKEN")
          .doesNotContain("not-the-token-at-all");
      BatchRun.requireAcceptedToken(RunComfyConfig.of(emu.baseUrl(), TOKEN));
      assertThat(emu.stats().submits()).isZero();
    }
  }

  private static String replay(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      String[] all = new String[args.length + 1];
      all[0] = "replay";
      System.arraycopy(args, 0, all, 1, args.length);
      assertThat(EditstreamCommand.commandLine().execute(all)).isZero();
    } finally {
      System.setOut(old);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }
}
