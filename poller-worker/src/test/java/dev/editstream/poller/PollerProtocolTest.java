package dev.editstream.poller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.EventType;
import dev.editstream.core.event.Failure;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.RemoteRun;
import dev.editstream.core.event.Stage;
import dev.editstream.core.event.Submission;
import dev.editstream.pipeline.flow.RequestEnds;
import dev.editstream.pipeline.stage.Outcome;
import dev.editstream.poller.ScriptedApi.Answer;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.RunComfyConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * {@link PollerHandler} and RunComfy's protocol as its own clients read it ({@code
 * runcomfy-live-contract.md} §3, §4): status words in any spelling, the result-not-ready answer,
 * cost, unknown statuses, and a deadline that meets a request RunComfy cannot cancel.
 *
 * <p>RunComfy is a {@link ScriptedApi} on 127.0.0.1 reached through a real {@link RunComfyClient};
 * the handler runs under {@link StepVerifier#withVirtualTime}: each wait it asks its timer for is
 * passed at once on the virtual scheduler (whose time is also the handler's clock), after the HTTP
 * calls before it have been answered. The schedule is RunComfy CLI's fixed 2 s.
 */
class PollerProtocolTest {
  static final String TOKEN = "poller-protocol-token";
  static final String RID = "r-1";
  static final Duration EVERY = Duration.ofSeconds(2);
  static final PollSchedule CLI = PollSchedule.fixed(EVERY);
  static final Duration DEADLINE = Duration.ofSeconds(5);

  ScriptedApi api;
  RunComfyClient client;
  VirtualTimeScheduler vts;
  RecordingTimer timer;
  Clock clock;

  @BeforeEach
  void start() {
    api = new ScriptedApi();
    client =
        new RunComfyClient(
            RunComfyConfig.of(api.base(), TOKEN).withResponseTimeout(Duration.ofSeconds(10)));
    vts = VirtualTimeScheduler.create();
    timer = new RecordingTimer(vts);
    clock = new PollerHandlerTest.VirtualClock(vts);
  }

  @AfterEach
  void stop() {
    client.close();
    api.close();
    vts.dispose();
  }

  // ---- scripted answers ----------------------------------------------------------------------

  static String path(String id, String what) {
    return "/v1/requests/" + id + "/" + what;
  }

  static Answer status(String word) {
    return Answer.ok("{\"request_id\":\"" + RID + "\",\"status\":\"" + word + "\"}");
  }

  static Answer result(String id, String word, String cost) {
    return Answer.ok(
        "{\"request_id\":\""
            + id
            + "\",\"status\":\""
            + word
            + "\",\"output\":{\"images\":[\"https://cdn.runcomfy.net/o/"
            + id
            + ".png?sig=abc\"]},\"created_at\":\"2026-11-23T10:00:00Z\",\"finished_at\":\"2026-11-23T10:00:07Z\""
            + (cost == null ? "" : ",\"cost\":" + cost)
            + "}");
  }

  static final Answer NOT_READY =
      new Answer(400, "{\"error_code\":400005,\"error_message\":\"Result not ready\"}");

  static Answer cancel(String outcome) {
    return new Answer(202, "{\"request_id\":\"" + RID + "\",\"outcome\":\"" + outcome + "\"}");
  }

  static Answer[] times(int n, Answer a) {
    Answer[] all = new Answer[n];
    java.util.Arrays.fill(all, a);
    return all;
  }

  static Answer[] then(Answer[] first, Answer... rest) {
    Answer[] all = java.util.Arrays.copyOf(first, first.length + rest.length);
    System.arraycopy(rest, 0, all, first.length, rest.length);
    return all;
  }

  // ---- running the handler on virtual time ------------------------------------------------------

  /**
   * A builder with this test's client, topics, CLI schedule and virtual clock, on timer {@code t}.
   */
  PollerHandler.Builder builderOn(Scheduler t) {
    return PollerHandler.builder()
        .client(client)
        .topics(PollerHandlerTest.TOPICS)
        .schedule(CLI)
        .clock(clock)
        .timer(t);
  }

  PollerHandler handler(Scheduler t) {
    return new PollerHandler(client, PollerHandlerTest.TOPICS, CLI, DEADLINE, clock, t);
  }

  static JobEvent submitted() {
    return PollerHandlerTest.submitted(RID, Instant.EPOCH);
  }

  /** The handler's outcome, each wait it asks for passed at once on virtual time. */
  Outcome run(Function<Scheduler, PollerHandler> make, JobEvent event) {
    AtomicBoolean ended = new AtomicBoolean();
    AtomicReference<Outcome> out = new AtomicReference<>();
    StepVerifier.withVirtualTime(
            () -> make.apply(timer).handle(event).doFinally(s -> ended.set(true)),
            () -> vts,
            Long.MAX_VALUE)
        .then(() -> passWaitsUntil(ended))
        .consumeNextWith(out::set)
        .expectComplete()
        .verify(Duration.ofSeconds(30));
    return out.get();
  }

  Outcome run(JobEvent event) {
    return run(this::handler, event);
  }

  /** The handler's error, each wait it asks for passed at once on virtual time. */
  Throwable runToError(JobEvent event) {
    AtomicBoolean ended = new AtomicBoolean();
    AtomicReference<Throwable> out = new AtomicReference<>();
    StepVerifier.withVirtualTime(
            () -> handler(timer).handle(event).doFinally(s -> ended.set(true)),
            () -> vts,
            Long.MAX_VALUE)
        .then(() -> passWaitsUntil(ended))
        .consumeErrorWith(out::set)
        .verify(Duration.ofSeconds(30));
    return out.get();
  }

  /** Passes every wait the handler schedules, once it has scheduled it, until it has answered. */
  void passWaitsUntil(AtomicBoolean ended) {
    while (true) {
      await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(2))
          .until(() -> ended.get() || !timer.pending.isEmpty());
      Duration wait = timer.pending.poll();
      if (wait == null) {
        return;
      }
      vts.advanceTimeBy(wait);
    }
  }

  Duration elapsed() {
    return Duration.between(Instant.EPOCH, clock.instant());
  }

  static JobEvent completedEvent(Outcome o) {
    assertThat(o).isInstanceOf(Outcome.Publish.class);
    JobEvent e = ((Outcome.Publish) o).emits().get(0).event();
    assertThat(e.type()).isEqualTo(EventType.COMPLETED);
    return e;
  }

  static Outcome.Fail failure(Outcome o) {
    assertThat(o).isInstanceOf(Outcome.Fail.class);
    return (Outcome.Fail) o;
  }

  // ---- failures after progress ------------------------------------------------------------------

  static final Answer UPSTREAM_503 =
      new Answer(503, "{\"error_code\":500001,\"error_message\":\"Service Unavailable\"}");

  /**
   * A 503 after RunComfy answered this attempt's checks counts as the first failure of a new run.
   */
  @Test
  void shouldMarkAFailureAfterAnsweredChecksAsAfterProgress() {
    api.on("GET", path(RID, "status"), status("in_queue"), status("in_progress"), UPSTREAM_503);

    Throwable e = runToError(submitted());

    assertThat(e).isInstanceOf(StageException.class);
    StageException se = (StageException) e;
    assertThat(se.exitClass()).isEqualTo(ExitClass.UNAVAILABLE);
    assertThat(se.madeProgress()).isTrue();
    assertThat(api.calls("GET", path(RID, "status"))).isEqualTo(3);
  }

  @Test
  void shouldNotMarkAFailureOfTheAttemptsFirstCheckAsAfterProgress() {
    api.on("GET", path(RID, "status"), UPSTREAM_503);

    StageException se = (StageException) runToError(submitted());

    assertThat(se.exitClass()).isEqualTo(ExitClass.UNAVAILABLE);
    assertThat(se.madeProgress()).isFalse();
  }

  @Test
  void shouldMarkAFailedResultCallAfterATerminalStatusAsAfterProgress() {
    api.on("GET", path(RID, "status"), status("completed"));
    api.on("GET", path(RID, "result"), UPSTREAM_503);

    StageException se = (StageException) runToError(submitted());

    assertThat(se.madeProgress()).isTrue();
  }

  // ---- status words, result not ready, cost ----------------------------------------------------

  @Test
  void shouldPublishCompletedWithTheCostWhenProcessingTurnsIntoUpperCaseCompleted() {
    api.on(
        "GET",
        path(RID, "status"),
        status("processing"),
        status("processing"),
        status("COMPLETED"));
    api.on("GET", path(RID, "result"), result(RID, "Completed", "0.04"));

    JobEvent done = completedEvent(run(submitted()));

    assertThat(done.remote()).isEqualTo(new RemoteRun(0.04, false, null));
    assertThat(done.outputs()).containsExactly("https://cdn.runcomfy.net/o/r-1.png?<redacted>");
    assertThat(api.calls("GET", path(RID, "status"))).isEqualTo(3);
    assertThat(api.seen())
        .filteredOn(s -> s.path().endsWith("/result"))
        .extracting(ScriptedApi.Seen::query)
        .containsExactly("include_cost=true");
    assertThat(timer.all).containsExactly(EVERY, EVERY);
  }

  @Test
  void shouldPublishAnUnknownCostAsNullWhenTheResultHasNone() {
    api.on("GET", path(RID, "status"), status("succeeded"));
    api.on("GET", path(RID, "result"), result(RID, "succeeded", null));

    assertThat(completedEvent(run(submitted())).remote()).isEqualTo(RemoteRun.cost(null));
  }

  @ParameterizedTest(name = "first result answer: {0}")
  @ValueSource(
      strings = {
        "400 error_code 400005",
        "200 error_code 400005",
        "200 in_progress",
        "200 pending"
      })
  void shouldPollAgainOnTheScheduleWhenTheResultIsNotReadyYet(String first) {
    Answer notYet =
        switch (first) {
          case "400 error_code 400005" -> NOT_READY;
          case "200 error_code 400005" ->
              new Answer(200, "{\"error_code\":\"400005\",\"error_message\":\"not ready\"}");
          default -> status(first.substring(4));
        };
    api.on("GET", path(RID, "status"), status("completed"));
    api.on("GET", path(RID, "result"), notYet, result(RID, "completed", "0.5"));

    JobEvent done = completedEvent(run(submitted()));

    assertThat(done.remote().costUsd()).isEqualTo(0.5);
    assertThat(api.calls("GET", path(RID, "status"))).isEqualTo(2);
    assertThat(api.calls("GET", path(RID, "result"))).isEqualTo(2);
    assertThat(timer.all).containsExactly(EVERY);
  }

  @Test
  void shouldTellTheRunningListenerOfEveryCheckThatFoundTheRequestQueuedOrRunning() {
    api.on(
        "GET",
        path(RID, "status"),
        status("in_queue"),
        status("in_progress"),
        status("processing"),
        status("completed"));
    api.on("GET", path(RID, "result"), result(RID, "completed", "0.5"));
    CopyOnWriteArrayList<String> running = new CopyOnWriteArrayList<>();

    completedEvent(
        run(
            t -> builderOn(t).deadline(Duration.ofMinutes(1)).onRunning(running::add).build(),
            submitted()));

    assertThat(running).as("three answers said queued or running").containsExactly(RID, RID, RID);
  }

  // ---- unknown statuses ------------------------------------------------------------------------

  @Test
  void shouldTolerateTwoUnknownStatusesInARowWaitingTheScheduleBetween() {
    api.on("GET", path(RID, "status"), status("thinking"), status(""), status("completed"));
    api.on("GET", path(RID, "result"), result(RID, "completed", "0.04"));

    completedEvent(run(submitted()));

    assertThat(api.calls("GET", path(RID, "status"))).isEqualTo(3);
    assertThat(timer.all).containsExactly(EVERY, EVERY);
    assertThat(elapsed()).isEqualTo(EVERY.multipliedBy(2));
  }

  @Test
  void shouldStopWithUnknownStatusAtTheThirdUnknownAnswerInARow() {
    api.on("GET", path(RID, "status"), then(times(3, status("thinking")), status("completed")));

    Outcome.Fail f = failure(run(submitted()));

    assertThat(f.exitClass()).isEqualTo(ExitClass.OTHER);
    assertThat(f.reasonText()).isEqualTo("unknown_status");
    assertThat(f.message())
        .contains(RID)
        .contains("\"thinking\"")
        .contains("3 answers in a row")
        .contains("stopping instead of polling forever");
    assertThat(api.calls("GET", path(RID, "status"))).isEqualTo(3);
    assertThat(api.calls("GET", path(RID, "result"))).isZero();
  }

  @Test
  void shouldCountOnlyUnknownAnswersInARowAndResetOnAKnownOne() {
    api.on(
        "GET",
        path(RID, "status"),
        status("weird"),
        status("weird"),
        status("running"),
        status("weird"),
        status("weird"),
        status("completed"));
    api.on("GET", path(RID, "result"), result(RID, "completed", "0.04"));

    completedEvent(
        run(
            t ->
                new PollerHandler(
                    client, PollerHandlerTest.TOPICS, CLI, Duration.ofMinutes(1), clock, t),
            submitted()));

    assertThat(api.calls("GET", path(RID, "status"))).isEqualTo(6);
  }

  @Test
  void shouldCountResultsWithAnUnknownStatusAsUnknownAnswersToo() {
    api.on("GET", path(RID, "status"), status("completed"));
    api.on("GET", path(RID, "result"), Answer.ok("{\"status\":\"mystery\"}"));

    Outcome.Fail f = failure(run(submitted()));

    assertThat(f.reasonText()).isEqualTo("unknown_status");
    assertThat(f.message()).contains("result answer").contains("\"mystery\"");
    assertThat(api.calls("GET", path(RID, "result"))).isEqualTo(3);
  }

  // ---- the deadline
  // ------------------------------------------------------------------------------

  @Test
  void shouldFailWithDeadlineWhenTheRequestPastItsDeadlineIsCancelled() {
    api.on("GET", path(RID, "status"), status("in_queue"));
    api.on("POST", path(RID, "cancel"), cancel("cancelled"));

    Outcome.Fail f = failure(run(submitted()));

    assertThat(f.exitClass()).isEqualTo(ExitClass.TEMPFAIL);
    assertThat(f.reasonText()).isEqualTo("deadline");
    assertThat(f.message())
        .contains(RID)
        .contains("deadline 1970-01-01T00:00:05Z")
        .contains("cancel sent, outcome cancelled");
    // checks at 0, 2, 4 s; at 6 s the deadline has passed: cancel, no further check
    assertThat(api.calls("GET", path(RID, "status"))).isEqualTo(3);
    assertThat(api.calls("POST", path(RID, "cancel"))).isEqualTo(1);
    assertThat(api.calls("GET", path(RID, "result"))).isZero();
    assertThat(elapsed()).isEqualTo(Duration.ofSeconds(6));
  }

  @Test
  void shouldFollowANotCancellableRequestToItsEndAndPublishItMarkedPastItsDeadline() {
    // 0, 2, 4 s running; 6 s: cancel -> not_cancellable, checked at once: running; 8 s: completed
    api.on("GET", path(RID, "status"), then(times(4, status("in_progress")), status("completed")));
    api.on("POST", path(RID, "cancel"), cancel("not_cancellable"));
    api.on("GET", path(RID, "result"), result(RID, "completed", "0.5"));

    JobEvent done = completedEvent(run(submitted()));

    assertThat(done.remote().costUsd()).isEqualTo(0.5);
    assertThat(done.remote().pastDeadline()).isTrue();
    assertThat(done.remote().note())
        .isEqualTo(
            "ran past its deadline 1970-01-01T00:00:05Z; not cancellable, so followed to its end (RunComfy bills it)");
    assertThat(done.outputs()).hasSize(1);
    assertThat(api.calls("POST", path(RID, "cancel"))).as("no further cancels").isEqualTo(1);
    assertThat(api.calls("GET", path(RID, "status"))).isEqualTo(5);
    assertThat(elapsed()).isEqualTo(Duration.ofSeconds(8));
  }

  @Test
  void shouldSayTheRequestRanPastItsDeadlineWhenItFailsAfterANotCancellableCancel() {
    api.on("GET", path(RID, "status"), then(times(4, status("running")), status("failed")));
    api.on("POST", path(RID, "cancel"), cancel("not_cancellable"));
    api.on(
        "GET",
        path(RID, "result"),
        Answer.ok("{\"status\":\"failed\",\"error\":{\"message\":\"out of memory\"}}"));

    Outcome.Fail f = failure(run(submitted()));

    assertThat(f.exitClass()).isEqualTo(ExitClass.OTHER);
    assertThat(f.reasonText()).isEqualTo("remote_failed");
    assertThat(f.message())
        .contains("out of memory")
        .contains("ran past its deadline 1970-01-01T00:00:05Z and was not cancellable");
  }

  @Test
  void shouldStopFollowingANotCancellableRequestAtTwiceTheDeadline() {
    api.on("GET", path(RID, "status"), status("running"));
    api.on("POST", path(RID, "cancel"), cancel("not_cancellable"));

    Outcome.Fail f = failure(run(submitted()));

    assertThat(f.exitClass()).isEqualTo(ExitClass.TEMPFAIL);
    assertThat(f.reasonText()).isEqualTo("deadline_not_cancellable");
    assertThat(f.message())
        .contains(RID)
        .contains("1970-01-01T00:00:10Z")
        .contains("RunComfy may still finish and bill it");
    // checks at 0, 2, 4; 6 (after the cancel), 8, 10 (= submission + 2 x deadline); at 12 s: stop
    assertThat(api.calls("GET", path(RID, "status"))).isEqualTo(6);
    assertThat(api.calls("POST", path(RID, "cancel"))).isEqualTo(1);
    assertThat(elapsed()).isEqualTo(Duration.ofSeconds(12));
  }

  @Test
  void shouldStopAtOnceWhenANotCancellableRequestIsAlreadyPastTwiceItsDeadline() {
    api.on("GET", path(RID, "status"), status("running"));
    api.on("POST", path(RID, "cancel"), cancel("NOT_CANCELLABLE"));
    vts.advanceTimeBy(Duration.ofMinutes(1));

    Outcome.Fail f = failure(run(submitted()));

    assertThat(f.reasonText()).isEqualTo("deadline_not_cancellable");
    assertThat(api.calls("GET", path(RID, "status"))).isZero();
    assertThat(api.calls("POST", path(RID, "cancel"))).isEqualTo(1);
  }

  @Test
  void shouldFailWithDeadlineNamingTheErrorWhenTheCancelCallFails() {
    api.on("GET", path(RID, "status"), status("running"));
    api.on(
        "POST",
        path(RID, "cancel"),
        new Answer(500, "{\"error_code\":500001,\"error_message\":\"Internal Error\"}"));

    Outcome.Fail f = failure(run(submitted()));

    assertThat(f.exitClass()).isEqualTo(ExitClass.TEMPFAIL);
    assertThat(f.reasonText()).isEqualTo("deadline");
    assertThat(f.message())
        .contains("cancel failed")
        .contains("HTTP 500")
        .contains("Internal Error");
    assertThat(api.calls("GET", path(RID, "status"))).isEqualTo(3);
  }

  // ---- split batches
  // -------------------------------------------------------------------------------

  @Test
  void shouldAddUpTheCostsOfTheRequestsOfASplitBatch() {
    JobEvent twoParts =
        submitted()
            .withParts(
                List.of(
                    new Submission(RID, null, null, null, Instant.EPOCH),
                    new Submission("r-2", null, null, null, Instant.EPOCH)));
    api.on("GET", path(RID, "status"), status("completed"));
    api.on("GET", path("r-2", "status"), status("running"), status("completed"));
    api.on("GET", path(RID, "result"), result(RID, "completed", "0.04"));
    api.on("GET", path("r-2", "result"), result("r-2", "completed", "\"0.06\""));

    JobEvent done = completedEvent(run(twoParts));

    assertThat(done.remote().costUsd()).isCloseTo(0.10, within(1e-9));
    assertThat(done.remote().pastDeadline()).isFalse();
    assertThat(done.outputs())
        .containsExactly(
            "https://cdn.runcomfy.net/o/r-1.png?<redacted>",
            "https://cdn.runcomfy.net/o/r-2.png?<redacted>");
  }

  @Test
  void shouldLeaveTheBatchCostUnknownWhenOnePartHasNone() {
    JobEvent twoParts =
        submitted()
            .withParts(
                List.of(
                    new Submission(RID, null, null, null, Instant.EPOCH),
                    new Submission("r-2", null, null, null, Instant.EPOCH)));
    api.on("GET", path(RID, "status"), status("completed"));
    api.on("GET", path("r-2", "status"), status("completed"));
    api.on("GET", path(RID, "result"), result(RID, "completed", "0.04"));
    api.on("GET", path("r-2", "result"), result("r-2", "completed", null));

    assertThat(completedEvent(run(twoParts)).remote().costUsd()).isNull();
  }

  // ---- flow control and learning
  // -----------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "completed past its deadline",
        "deadline_not_cancellable",
        "unknown_status",
        "cancelled at its deadline"
      })
  void shouldEndInAnEventThatFreesTheRoutersPermitWhateverTheEnd(String end) {
    // the router's permit of the request goes back when its end reaches the topics: whatever the
    // end, this stage's outcome is an event that names the request (a completed event, or the
    // failed event the stage runner makes of a failure)
    Answer running = status("running");
    switch (end) {
      case "completed past its deadline" -> {
        api.on("GET", path(RID, "status"), call -> call < 4 ? running : status("completed"));
        api.on("POST", path(RID, "cancel"), cancel("not_cancellable"));
        api.on("GET", path(RID, "result"), result(RID, "completed", "0.5"));
      }
      case "deadline_not_cancellable" -> {
        api.on("GET", path(RID, "status"), running);
        api.on("POST", path(RID, "cancel"), cancel("not_cancellable"));
      }
      case "cancelled at its deadline" -> {
        api.on("GET", path(RID, "status"), running);
        api.on("POST", path(RID, "cancel"), cancel("cancelled"));
      }
      default -> api.on("GET", path(RID, "status"), status("??"));
    }

    Outcome o =
        run(
            t ->
                PollerHandler.builder()
                    .client(client)
                    .topics(PollerHandlerTest.TOPICS)
                    .schedule(CLI)
                    .deadline(DEADLINE)
                    .clock(clock)
                    .timer(t)
                    .build(),
            submitted());

    boolean completed = end.startsWith("completed");
    assertThat(o instanceof Outcome.Publish).isEqualTo(completed);
    JobEvent terminal =
        o instanceof Outcome.Publish p
            ? p.emits().get(0).event()
            : submitted()
                .failed(
                    new Failure(
                        ((Outcome.Fail) o).exitClass(),
                        ((Outcome.Fail) o).reason(),
                        ((Outcome.Fail) o).message(),
                        Stage.POLLER,
                        1),
                    clock.instant());
    assertThat(RequestEnds.ends(terminal)).containsExactly(new RequestEnds.End(RID, completed));
  }

  @Test
  void shouldLearnTheLatencyOfARequestFollowedPastItsDeadline() {
    SmartPollSchedule smart = smallSmartSchedule();
    api.on(
        "GET",
        path(RID, "status"),
        call ->
            api.calls("POST", path(RID, "cancel")) == 0 ? status("running") : status("completed"));
    api.on("POST", path(RID, "cancel"), cancel("not_cancellable"));
    api.on("GET", path(RID, "result"), result(RID, "completed", "0.5"));

    JobEvent done =
        completedEvent(run(t -> builderOn(t).smart(smart).deadline(DEADLINE).build(), submitted()));

    assertThat(done.remote().pastDeadline()).isTrue();
    assertThat(smart.samples(PollerHandlerTest.FLUX)).isEqualTo(1L);
    assertThat(smart.tracked(PollerHandlerTest.FLUX)).isZero();
  }

  @Test
  void shouldForgetWithoutLearningARequestThatEndedOnUnknownStatuses() {
    SmartPollSchedule smart = smallSmartSchedule();
    api.on("GET", path(RID, "status"), status("???"));

    failure(
        run(
            t ->
                PollerHandler.builder()
                    .client(client)
                    .topics(PollerHandlerTest.TOPICS)
                    .schedule(CLI)
                    .smart(smart)
                    .deadline(DEADLINE)
                    .clock(clock)
                    .timer(t)
                    .build(),
            submitted()));

    assertThat(smart.samples(PollerHandlerTest.FLUX)).isZero();
    assertThat(smart.tracked(PollerHandlerTest.FLUX)).isZero();
  }

  @Test
  void shouldDeferChecksTheStatusCallBudgetRefusesAndMakeThemLater() {
    List<Duration> checkedAt = new CopyOnWriteArrayList<>();
    Answer[] answers = {status("in_progress"), status("in_progress"), status("completed")};
    api.on(
        "GET",
        path(RID, "status"),
        call -> {
          checkedAt.add(elapsed());
          return answers[Math.min(call, answers.length - 1)];
        });
    api.on("GET", path(RID, "result"), result(RID, "completed", "0.5"));
    // one call every 4 s for the account, the schedule asks for one every 2 s
    StatusCallBudget.Settings slow =
        new StatusCallBudget.Settings(0.25, 0, 1, Duration.ofSeconds(60));

    completedEvent(
        run(
            t ->
                PollerHandler.builder()
                    .client(client)
                    .topics(PollerHandlerTest.TOPICS)
                    .schedule(CLI)
                    .deadline(Duration.ofSeconds(60))
                    .clock(clock)
                    .timer(t)
                    .statusCalls(slow)
                    .build(),
            submitted()));

    assertThat(checkedAt)
        .containsExactly(Duration.ZERO, Duration.ofSeconds(4), Duration.ofSeconds(8));
    assertThat(timer.all)
        .containsExactly(
            EVERY, Duration.ofSeconds(2), EVERY, Duration.ofSeconds(2)); // wait, then deferral
  }

  /** Scouts poll every 500 ms while the model is unknown. */
  /**
   * A job submitted before any other submission waited (no {@code slot_bound}) polls on the smart
   * schedule's sparse waits; once a later event on the submitted topic says the account's slots
   * bind, it is woken and checked on the dense slot-bound wait, as if its own flag were set.
   */
  @Test
  void shouldCheckAJobDenselyOnceALaterSubmittedEventShowsTheSlotsBind() throws Exception {
    List<Duration> checkedAt = new CopyOnWriteArrayList<>();
    api.on(
        "GET",
        path(RID, "status"),
        call -> {
          checkedAt.add(elapsed());
          return checkedAt.size() == 1 ? status("in_progress") : status("completed");
        });
    api.on("GET", path(RID, "result"), result(RID, "completed", "0.5"));
    api.on(
        "GET",
        path("r-2", "status"),
        Answer.ok("{\"request_id\":\"r-2\",\"status\":\"in_progress\"}"));
    PollerHandler h =
        PollerHandler.builder()
            .client(client)
            .topics(PollerHandlerTest.TOPICS)
            .schedule(CLI)
            .smart(smallSmartSchedule()) // the first job is its scout: 500 ms between checks
            .deadline(DEADLINE)
            .clock(clock)
            .timer(timer)
            .build();
    JobEvent later = PollerHandlerTest.submitted("r-2", Instant.EPOCH);
    Submission bound = java.util.Objects.requireNonNull(later.submission());
    later =
        later.toBuilder()
            .submission(
                new Submission(
                    bound.requestId(),
                    bound.statusUrl(),
                    bound.resultUrl(),
                    bound.cancelUrl(),
                    bound.submittedAt(),
                    true))
            .build();

    CompletableFuture<Outcome> first = h.handle(submitted()).toFuture();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> timer.pending.contains(Duration.ofMillis(500)));
    reactor.core.Disposable second = h.handle(later).subscribe();
    // both jobs now wait the dense slot-bound wait: the later one by its own flag, the first woken
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                timer.pending.stream().filter(PollerHandler.SLOT_BOUND_WAIT::equals).count() == 2);
    vts.advanceTimeBy(Duration.ofMillis(100));
    Outcome done = first.get(20, TimeUnit.SECONDS);
    second.dispose();

    completedEvent(done);
    assertThat(checkedAt).containsExactly(Duration.ZERO, Duration.ofMillis(100));
  }

  static SmartPollSchedule smallSmartSchedule() {
    return new SmartPollSchedule(
        SmartPollSchedule.Settings.defaults()
            .withFallback(PollSchedule.fixed(Duration.ofMillis(500)))
            .withBudget(Duration.ofMillis(700))
            .withIntervals(Duration.ofMillis(50), Duration.ofSeconds(30))
            .withScouting(1, Integer.MAX_VALUE, 256));
  }

  /**
   * The handler's timer: the virtual scheduler, recording every delay asked for (after it is
   * scheduled, so passing it fires it).
   */
  static final class RecordingTimer implements Scheduler {
    final VirtualTimeScheduler vts;
    final BlockingQueue<Duration> pending = new LinkedBlockingQueue<>();
    final List<Duration> all = new CopyOnWriteArrayList<>();

    RecordingTimer(VirtualTimeScheduler vts) {
      this.vts = vts;
    }

    @Override
    public Disposable schedule(Runnable task) {
      return vts.schedule(task);
    }

    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
      Disposable d = vts.schedule(task, delay, unit);
      Duration wait = Duration.ofNanos(unit.toNanos(delay));
      all.add(wait);
      pending.add(wait);
      return d;
    }

    @Override
    public Worker createWorker() {
      return vts.createWorker();
    }

    @Override
    public long now(TimeUnit unit) {
      return vts.now(unit);
    }
  }
}
