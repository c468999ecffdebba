package dev.editstream.poller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import dev.editstream.core.Redact;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.EventType;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.RouteDecision;
import dev.editstream.core.event.Submission;
import dev.editstream.core.event.Topics;
import dev.editstream.core.job.Job;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.LatencyModel;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.pipeline.stage.Outcome;
import dev.editstream.runcomfy.OutputUrls;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.RunComfyConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * {@link PollerHandler} against a real {@link RunComfyEmulator} through a real {@link
 * RunComfyClient} on 127.0.0.1. The waits between checks run on a {@link VirtualTimeScheduler} (its
 * clock is also the handler's clock), advanced by exactly the schedule's next wait each time the
 * handler has scheduled one; the HTTP calls in between are real, so the test waits for them with
 * Awaitility. Only the "known latency" case runs on real time, since the emulator's job latency is
 * real.
 */
class PollerHandlerTest {
  static final String TOKEN = "poller-test-token";
  static final String FLUX = "blackforestlabs/flux-1-kontext/pro/edit";
  static final Topics TOPICS = new Topics("pt");
  static final PollSchedule SCHEDULE = PollSchedule.defaults();

  /** What core's {@code Redact.url} puts in place of a query string. */
  static final String REDACTED = "?<redacted>";

  @TempDir Path dir;
  RunComfyEmulator emu;
  RunComfyClient client;
  final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
  final Clock virtualClock = new VirtualClock(vts);

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (emu != null) {
      emu.close();
    }
    vts.dispose();
  }

  void start(UnaryOperator<EmulatorConfig> tweak) {
    EmulatorConfig base =
        EmulatorConfig.defaults(dir, TOKEN).withFetchInputs(false).withLatency(0, 0);
    emu = RunComfyEmulator.start(tweak.apply(base));
    client =
        new RunComfyClient(
            RunComfyConfig.of(emu.baseUrl(), TOKEN).withResponseTimeout(Duration.ofSeconds(10)));
  }

  PollerHandler virtualHandler(Duration deadline) {
    return new PollerHandler(client, TOPICS, SCHEDULE, deadline, virtualClock, vts);
  }

  static ObjectNode fluxBody() {
    ObjectNode b = Json.mapper().createObjectNode();
    b.put("prompt", "make the sky purple");
    b.put("image_url", "https://a.example/1.jpg");
    return b;
  }

  String submit() {
    return client.submit(FLUX, fluxBody()).block(Duration.ofSeconds(10)).requestId();
  }

  static JobEvent submitted(String requestId, Instant submittedAt) {
    Job job =
        new Job(
            "job-7",
            "make the sky purple",
            List.of("https://a.example/1.jpg"),
            null,
            null,
            FLUX,
            Map.of(),
            "batch-a");
    return JobEvent.requested(job, submittedAt)
        .submitted(
            new RouteDecision(FLUX, "explicit-model", List.of()),
            Map.of("prompt", "make the sky purple", "image_url", "https://a.example/1.jpg"),
            new Submission(requestId, null, null, null, submittedAt),
            submittedAt);
  }

  /**
   * Subscribes to the handler's answer and, each time it has scheduled its next wait on the virtual
   * scheduler, advances virtual time by exactly that wait of the schedule (a handler waiting
   * otherwise never wakes and the test times out).
   */
  CompletableFuture<Outcome> runOnVirtualTime(PollerHandler handler, JobEvent event) {
    CompletableFuture<Outcome> f = handler.handle(event).toFuture();
    int waits = 0;
    while (true) {
      int w = waits;
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(5))
          .until(() -> f.isDone() || vts.getScheduledTaskCount() > w);
      if (f.isDone()) {
        return f;
      }
      waits++;
      vts.advanceTimeBy(SCHEDULE.next(waits));
    }
  }

  static StageException stageError(CompletableFuture<Outcome> f) {
    assertThat(f).isCompletedExceptionally();
    try {
      f.join();
    } catch (CompletionException e) {
      assertThat(e.getCause()).isInstanceOf(StageException.class);
      return (StageException) e.getCause();
    }
    throw new AssertionError("expected a failure");
  }

  @Test
  void shouldPublishTheCompletedEventWithOutputUrlsStrippedOfTheirSignedQueryStrings() {
    start(c -> c);
    String requestId = submit();
    JobEvent event = submitted(requestId, virtualClock.instant());

    Outcome outcome = runOnVirtualTime(virtualHandler(Duration.ofMinutes(10)), event).join();

    List<String> signed =
        OutputUrls.collect(client.result(requestId).block(Duration.ofSeconds(10)).output());
    assertThat(signed).isNotEmpty().allSatisfy(u -> assertThat(u).contains("?X-Amz-Signature="));
    assertThat(outcome)
        .isInstanceOfSatisfying(
            Outcome.Publish.class,
            p -> {
              assertThat(p.emits()).hasSize(1);
              Outcome.Emit emit = p.emits().get(0);
              assertThat(emit.topic()).isEqualTo(TOPICS.completed());
              JobEvent done = emit.event();
              assertThat(done.type()).isEqualTo(EventType.COMPLETED);
              assertThat(done.jobId()).isEqualTo("job-7");
              assertThat(done.submission().requestId()).isEqualTo(requestId);
              assertThat(done.outputs())
                  .containsExactlyElementsOf(signed.stream().map(Redact::url).toList());
              // the signed query string is gone; only core's Redact marker "?<redacted>" may follow
              // the path
              assertThat(done.outputs())
                  .allSatisfy(
                      u ->
                          assertThat(u)
                              .doesNotContain("X-Amz")
                              .matches(
                                  Pattern.quote(
                                          "http://127.0.0.1:"
                                              + emu.port()
                                              + "/files/"
                                              + requestId
                                              + "/")
                                      + "[^?#]+("
                                      + Pattern.quote(REDACTED)
                                      + ")?"));
            });
  }

  @Test
  void shouldFailWithClassOneRemoteFailedWhenRunComfyFailsTheJob() {
    start(c -> c.withFailedJobRate(1.0));
    String requestId = submit();

    Outcome outcome =
        runOnVirtualTime(
                virtualHandler(Duration.ofMinutes(10)),
                submitted(requestId, virtualClock.instant()))
            .join();

    assertThat(outcome)
        .isInstanceOfSatisfying(
            Outcome.Fail.class,
            f -> {
              assertThat(f.exitClass()).isEqualTo(ExitClass.OTHER);
              assertThat(f.exitClass().code()).isEqualTo(1);
              assertThat(f.reasonText()).isEqualTo("remote_failed");
              assertThat(f.message()).contains(requestId).contains("upstream model error");
            });
  }

  @Test
  void shouldFailWithClassOneRemoteCancelledWhenTheRequestWasCancelledElsewhere() {
    start(c -> c.withConcurrency(1).withLatency(new LatencyModel.Fixed(3_600_000)));
    submit(); // takes the only slot
    String queued = submit();
    assertThat(client.cancel(queued).block(Duration.ofSeconds(10)).outcome())
        .isEqualTo("cancelled");

    Outcome outcome =
        runOnVirtualTime(
                virtualHandler(Duration.ofMinutes(10)), submitted(queued, virtualClock.instant()))
            .join();

    assertThat(outcome)
        .isInstanceOfSatisfying(
            Outcome.Fail.class,
            f -> {
              assertThat(f.exitClass()).isEqualTo(ExitClass.OTHER);
              assertThat(f.reasonText()).isEqualTo("remote_cancelled");
            });
  }

  @Test
  void shouldSignalAClass65FailureWhenTheRequestIdIsUnknown() {
    start(c -> c);

    StageException e =
        stageError(
            runOnVirtualTime(
                virtualHandler(Duration.ofMinutes(10)),
                submitted("no-such-request", virtualClock.instant())));

    assertThat(e.exitClass()).isEqualTo(ExitClass.DATA);
    assertThat(e.exitClass().code()).isEqualTo(65);
    assertThat(e.reason()).isEqualTo(dev.editstream.core.event.FailureReason.HTTP);
    assertThat(e.reasonText()).startsWith("http_404");
    assertThat(e.getMessage()).contains("HTTP 404").contains("no-such-request");
    assertThat(emu.stats().cancels()).isZero();
  }

  @Test
  void shouldSignalARetryableClass75FailureWithRetryAfterWhenRateLimited() {
    start(c -> c.withRate429(1.0));

    StageException e =
        stageError(
            runOnVirtualTime(
                virtualHandler(Duration.ofMinutes(10)),
                submitted("any-request", virtualClock.instant())));

    assertThat(e.exitClass()).isEqualTo(ExitClass.TEMPFAIL);
    assertThat(e.exitClass().code()).isEqualTo(75);
    assertThat(e.exitClass().retryable()).isTrue();
    assertThat(e.reasonText()).isEqualTo("http_429");
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(1));
  }

  @Test
  void shouldFailWithClass65WithoutAnyCallWhenTheEventHasNoRequestId() {
    start(c -> c);
    JobEvent noSubmission =
        JobEvent.requested(
            new Job("job-8", "p", List.of(), null, null, null, Map.of(), null), Instant.EPOCH);
    PollerHandler handler = virtualHandler(Duration.ofMinutes(10));

    StepVerifier.create(handler.handle(noSubmission))
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
    assertThat(emu.stats().statusCalls()).isZero();
  }

  @Test
  void shouldCheckOnTheScheduleThenCancelAndFailWithClass75WhenTheDeadlinePasses() {
    // a queued request can be cancelled (a running one is not_cancellable: see PollerProtocolTest)
    start(c -> c.withConcurrency(1).withLatency(new LatencyModel.Fixed(3_600_000)));
    submit(); // takes the only slot
    String requestId = submit();
    Duration deadline = Duration.ofSeconds(30);
    Instant submittedAt = virtualClock.instant();

    Outcome outcome =
        runOnVirtualTime(virtualHandler(deadline), submitted(requestId, submittedAt)).join();

    assertThat(outcome)
        .isInstanceOfSatisfying(
            Outcome.Fail.class,
            f -> {
              assertThat(f.exitClass()).isEqualTo(ExitClass.TEMPFAIL);
              assertThat(f.exitClass().code()).isEqualTo(75);
              assertThat(f.reasonText()).isEqualTo("deadline");
              assertThat(f.message())
                  .contains(requestId)
                  .contains("cancel sent, outcome cancelled");
            });
    assertThat(emu.stats().cancels()).isEqualTo(1);
    // every check whose time is not after the deadline was made, and no other
    assertThat(emu.stats().statusCalls()).isEqualTo(checksNotAfter(SCHEDULE, deadline));
    assertThat(emu.stats().resultCalls()).isZero();
    Duration cancelledAfter = Duration.between(submittedAt, virtualClock.instant());
    assertThat(cancelledAfter)
        .isGreaterThan(deadline)
        .isLessThanOrEqualTo(deadline.plus(SCHEDULE.max()));
  }

  @Test
  void shouldCancelAtOnceWithoutAStatusCallWhenTheDeadlineHasAlreadyPassed() {
    start(c -> c.withConcurrency(1).withLatency(new LatencyModel.Fixed(3_600_000)));
    submit(); // takes the only slot
    String requestId = submit();
    vts.advanceTimeBy(Duration.ofHours(2));

    Outcome outcome =
        runOnVirtualTime(virtualHandler(Duration.ofHours(1)), submitted(requestId, Instant.EPOCH))
            .join();

    assertThat(outcome)
        .isInstanceOfSatisfying(
            Outcome.Fail.class,
            f -> {
              assertThat(f.exitClass()).isEqualTo(ExitClass.TEMPFAIL);
              assertThat(f.reasonText()).isEqualTo("deadline");
            });
    assertThat(emu.stats().cancels()).isEqualTo(1);
    assertThat(emu.stats().statusCalls()).isZero();
  }

  @Test
  void shouldReportTheCancelOutcomeOfAQueuedJobPastItsDeadline() {
    start(c -> c.withConcurrency(1).withLatency(new LatencyModel.Fixed(3_600_000)));
    submit(); // takes the only slot
    String queued = submit();
    vts.advanceTimeBy(Duration.ofMinutes(5));

    Outcome outcome =
        runOnVirtualTime(virtualHandler(Duration.ofMinutes(1)), submitted(queued, Instant.EPOCH))
            .join();

    assertThat(outcome)
        .isInstanceOfSatisfying(
            Outcome.Fail.class, f -> assertThat(f.message()).contains("outcome cancelled"));
    assertThat(client.status(queued).block(Duration.ofSeconds(10)).phase())
        .isEqualTo(dev.editstream.runcomfy.RequestPhase.CANCELLED);
  }

  @Test
  void shouldMakeTheNumberOfStatusChecksTheScheduleGivesForAJobOfKnownLatency() {
    Duration latency = Duration.ofSeconds(3);
    start(c -> c.withLatency(new LatencyModel.Fixed(latency.toMillis())));
    PollerHandler realTime =
        new PollerHandler(
            client,
            TOPICS,
            SCHEDULE,
            Duration.ofMinutes(5),
            Clock.systemUTC(),
            Schedulers.parallel());
    String requestId = submit();

    Outcome outcome =
        realTime.handle(submitted(requestId, Instant.now())).block(Duration.ofSeconds(30));

    assertThat(outcome).isInstanceOf(Outcome.Publish.class);
    // checks at 0, 0.5, 1.25, 2.375 s see the job running; the one at 4.06 s sees it done
    int expected = PollScheduleTest.checksUntil(SCHEDULE, latency);
    assertThat(expected).isEqualTo(5);
    assertThat(emu.stats().statusCalls()).isEqualTo(expected);
    assertThat(emu.stats().resultCalls()).isEqualTo(1);
  }

  @Test
  void shouldWakeAJobSleepingWhileItsModelWasUnknownAsSoonAsAScoutTeachesTheLatency() {
    start(c -> c.withLatency(new LatencyModel.Fixed(400)));
    // one scout (the first job tracked), every other job sleeps 30 s while the model is unknown
    SmartPollSchedule smart =
        new SmartPollSchedule(
            SmartPollSchedule.Settings.defaults()
                .withFallback(new PollSchedule(Duration.ofMillis(100), 1.0, Duration.ofMillis(100)))
                .withBudget(Duration.ofMillis(300))
                .withIntervals(Duration.ofMillis(50), Duration.ofSeconds(30))
                .withScouting(1, Integer.MAX_VALUE, 256));
    PollerHandler handler =
        PollerHandler.builder()
            .client(client)
            .topics(TOPICS)
            .schedule(SCHEDULE)
            .smart(smart)
            .deadline(Duration.ofMinutes(5))
            .clock(Clock.systemUTC())
            .timer(Schedulers.parallel())
            .build();
    String scoutId = submit();
    String sleeperId = submit();
    Instant now = Instant.now();

    CompletableFuture<Outcome> scout = handler.handle(submitted(scoutId, now)).toFuture();
    await().atMost(Duration.ofSeconds(10)).until(() -> smart.tracked(FLUX) == 1);
    CompletableFuture<Outcome> sleeper = handler.handle(submitted(sleeperId, now)).toFuture();

    // without the wake the sleeper's second check would come 30 s after its first
    await().atMost(Duration.ofSeconds(10)).until(sleeper::isDone);
    assertThat(scout.join()).isInstanceOf(Outcome.Publish.class);
    assertThat(sleeper.join()).isInstanceOf(Outcome.Publish.class);
    assertThat(smart.known(FLUX)).isTrue();
    assertThat(smart.samples(FLUX)).isEqualTo(2L);
    assertThat(smart.tracked(FLUX)).isZero();
  }

  /**
   * The checks a schedule makes at or before {@code deadline} (the deadline test's status calls).
   */
  static long checksNotAfter(PollSchedule s, Duration deadline) {
    long n = 0;
    Duration at = Duration.ZERO;
    while (at.compareTo(deadline) <= 0) {
      n++;
      at = at.plus(s.next((int) n));
    }
    return n;
  }

  /** A clock reading the virtual scheduler's time. */
  static final class VirtualClock extends Clock {
    private final VirtualTimeScheduler vts;

    VirtualClock(VirtualTimeScheduler vts) {
      this.vts = vts;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.EPOCH.plusNanos(vts.now(TimeUnit.NANOSECONDS));
    }
  }
}
