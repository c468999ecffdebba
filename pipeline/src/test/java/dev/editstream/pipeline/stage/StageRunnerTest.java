package dev.editstream.pipeline.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.editstream.core.Backoff;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.EventType;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.RouteDecision;
import dev.editstream.core.event.Stage;
import dev.editstream.core.event.Submission;
import dev.editstream.core.event.Topics;
import dev.editstream.core.job.Job;
import dev.editstream.localkafka.EmbeddedKafka;
import dev.editstream.pipeline.EventCodec;
import dev.editstream.pipeline.kafka.ConsumerSettings;
import dev.editstream.pipeline.kafka.EventPublisher;
import dev.editstream.pipeline.kafka.ReactiveKafkaConsumer;
import dev.editstream.pipeline.kafka.TopicAdmin;
import dev.editstream.pipeline.metrics.PipelineMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

class StageRunnerTest {
  private static EmbeddedKafka kafka;
  private static EventPublisher publisher;

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.start(null);
    publisher = new EventPublisher(kafka.bootstrapServers(), "test", Map.of());
  }

  @AfterAll
  static void stopBroker() {
    closers.forEach(
        Runnable
            ::run); // consumers first: one left open retries the stopped broker for the rest of the
    // run
    publisher.close();
    kafka.close();
  }

  private static Job job(String id) {
    return new Job(
        id,
        "make it warmer",
        List.of("https://assets.example.com/a.jpg"),
        null,
        null,
        null,
        null,
        null);
  }

  private static List<JobEvent> collect(String topic, String group) {
    List<JobEvent> out = new CopyOnWriteArrayList<>();
    ReactiveKafkaConsumer c =
        new ReactiveKafkaConsumer(
            ConsumerSettings.of(kafka.bootstrapServers(), group, List.of(topic), 1000));
    Disposable d =
        c.receive()
            .subscribe(
                r -> {
                  out.add(EventCodec.decode(r.record().value()));
                  r.ack();
                });
    closers.add(
        () -> {
          d.dispose();
          c.close(Duration.ZERO);
        });
    return out;
  }

  private static final List<Runnable> closers = new CopyOnWriteArrayList<>();

  private StageRunner runner(Topics topics, int maxAttempts, StageHandler h) {
    return runner(topics, maxAttempts, h, false);
  }

  private StageRunner runner(Topics topics, int maxAttempts, StageHandler h, boolean guard) {
    StageSettings s =
        new StageSettings(
            Stage.POLLER,
            kafka.bootstrapServers(),
            8,
            maxAttempts,
            new Backoff(50, 200, 2.0, 10),
            100,
            Duration.ofSeconds(2),
            null,
            Duration.ofMinutes(10));
    TopicAdmin.ensureTopics(kafka.bootstrapServers(), topics.all(), 2, (short) 1);
    TerminalGuard g = guard ? TerminalGuard.start(kafka.bootstrapServers(), topics) : null;
    if (g != null) {
      closers.add(
          g::close); // before the broker stops, or its consumer retries a dead broker for the
      // rest of the run
    }
    return StageRunner.builder(s, topics, publisher, h)
        .metrics(new PipelineMetrics(new SimpleMeterRegistry()))
        .clock(Clock.systemUTC())
        .timer(Schedulers.parallel())
        .guard(g)
        .build();
  }

  private static JobEvent submittedEvent(String id) {
    return JobEvent.requested(job(id), Instant.now())
        .submitted(
            new RouteDecision("google/nano-banana-2/edit", "default", List.of()),
            Map.of("prompt", "x"),
            new Submission("r-" + id, null, null, null, Instant.now()),
            Instant.now());
  }

  @Test
  void shouldTellWhenItsInputConsumerWasFirstGivenPartitions() {
    Topics topics = new Topics("t-assigned");
    java.util.concurrent.atomic.AtomicLong handledAt = new java.util.concurrent.atomic.AtomicLong();
    StageRunner r =
        runner(
            topics,
            5,
            ev -> {
              handledAt.compareAndSet(0, System.nanoTime());
              return Mono.just(
                  Outcome.publish(
                      topics.completed(),
                      ev.completed(List.of("https://x.runcomfy.net/o.png"), Instant.now())));
            });
    List<JobEvent> completed = collect(topics.completed(), "c-assigned");
    assertThat(r.firstAssignedNanos()).isEqualTo(StageRunner.NOT_ASSIGNED);
    long before = System.nanoTime();
    r.start();
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> r.firstAssignedNanos() != StageRunner.NOT_ASSIGNED);
      long assigned = r.firstAssignedNanos();
      assertThat(assigned - before).isPositive();
      publisher.publish(topics.submitted(), submittedEvent("job-a")).block(Duration.ofSeconds(30));
      await().atMost(Duration.ofSeconds(60)).until(() -> completed.size() == 1);
      // the first record is handled after the assignment, and handling it does not move it
      assertThat(handledAt.get() - assigned).isPositive();
      assertThat(r.firstAssignedNanos()).isEqualTo(assigned);
    } finally {
      r.close();
    }
  }

  @Test
  void shouldRetryRetryableFailuresThroughTheDelayTopicUntilTheJobSucceeds() {
    Topics topics = new Topics("t-retry");
    Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    StageRunner r =
        runner(
            topics,
            5,
            ev -> {
              int n = calls.computeIfAbsent(ev.jobId(), k -> new AtomicInteger()).incrementAndGet();
              if (n <= 2) {
                return Mono.error(
                    new StageException(
                        n == 1 ? ExitClass.TEMPFAIL : ExitClass.UNAVAILABLE,
                        "http_503",
                        "upstream 503"));
              }
              return Mono.just(
                  Outcome.publish(
                      topics.completed(),
                      ev.completed(List.of("https://x.runcomfy.net/o.png"), Instant.now())));
            });
    List<JobEvent> completed = collect(topics.completed(), "c1");
    List<JobEvent> failed = collect(topics.failed(), "f1");
    r.start();
    try {
      for (int i = 0; i < 6; i++) {
        publisher
            .publish(topics.submitted(), submittedEvent("job-" + i))
            .block(Duration.ofSeconds(30));
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> completed.size() == 6);
      assertThat(failed).isEmpty();
      assertThat(completed)
          .allSatisfy(
              e -> {
                assertThat(e.type()).isEqualTo(EventType.COMPLETED);
                assertThat(e.history())
                    .extracting(a -> a.exitClass().code())
                    .containsExactly(75, 69);
              });
      assertThat(calls.values()).allSatisfy(c -> assertThat(c.get()).isEqualTo(3));
    } finally {
      r.close();
    }
  }

  /**
   * Only failures in a row count towards the cap: a job whose every attempt made progress before
   * failing (a poller following a long request through passing 503s) fails 6 times under a cap of 3
   * and still completes, each retry being attempt 2.
   */
  @Test
  void shouldCountOnlyFailuresInARowTowardsTheAttemptCap() {
    Topics topics = new Topics("t-progress");
    Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    List<Integer> attemptsSeen = new java.util.concurrent.CopyOnWriteArrayList<>();
    StageRunner r =
        runner(
            topics,
            3,
            ev -> {
              attemptsSeen.add(ev.attempt());
              int n = calls.computeIfAbsent(ev.jobId(), k -> new AtomicInteger()).incrementAndGet();
              if (n <= 6) {
                return Mono.error(
                    new StageException(ExitClass.UNAVAILABLE, "http_503", "upstream 503")
                        .afterProgress());
              }
              return Mono.just(
                  Outcome.publish(
                      topics.completed(),
                      ev.completed(List.of("https://x.runcomfy.net/o.png"), Instant.now())));
            });
    List<JobEvent> completed = collect(topics.completed(), "c-progress");
    List<JobEvent> failed = collect(topics.failed(), "f-progress");
    r.start();
    try {
      publisher.publish(topics.submitted(), submittedEvent("long-1")).block(Duration.ofSeconds(30));
      await().atMost(Duration.ofSeconds(60)).until(() -> completed.size() == 1);
      assertThat(failed).isEmpty();
      assertThat(completed.get(0).history()).hasSize(6);
      assertThat(attemptsSeen).containsExactly(1, 2, 2, 2, 2, 2, 2);
    } finally {
      r.close();
    }
  }

  @Test
  void shouldFailAtOnceOnANonRetryableClassAndAfterTheAttemptCapOnARetryableOne() {
    Topics topics = new Topics("t-fail");
    StageRunner r =
        runner(
            topics,
            3,
            ev ->
                ev.jobId().startsWith("data")
                    ? Mono.error(
                        new StageException(
                            ExitClass.DATA,
                            FailureReason.SCHEMA,
                            "images: must have at most 10 items"))
                    : Mono.error(
                        new StageException(
                            ExitClass.TEMPFAIL,
                            FailureReason.HTTP_429,
                            "rate limited",
                            Duration.ofMillis(20))));
    List<JobEvent> failed = collect(topics.failed(), "f2");
    r.start();
    try {
      publisher.publish(topics.submitted(), submittedEvent("data-1")).block(Duration.ofSeconds(30));
      publisher.publish(topics.submitted(), submittedEvent("busy-1")).block(Duration.ofSeconds(30));
      await().atMost(Duration.ofSeconds(60)).until(() -> failed.size() == 2);
      JobEvent data =
          failed.stream().filter(e -> e.jobId().equals("data-1")).findFirst().orElseThrow();
      assertThat(data.failure().exitClass().code()).isEqualTo(65);
      assertThat(data.failure().attempts()).isEqualTo(1);
      assertThat(data.failure().message()).contains("data-1").contains("images");
      JobEvent busy =
          failed.stream().filter(e -> e.jobId().equals("busy-1")).findFirst().orElseThrow();
      assertThat(busy.failure().exitClass().code()).isEqualTo(75);
      assertThat(busy.failure().attempts()).isEqualTo(3);
      assertThat(busy.history()).hasSize(2);
    } finally {
      r.close();
    }
  }

  @Test
  void shouldTellTheHandlerOfEachFinalFailureOnceAndNeverOfARetry() {
    Topics topics = new Topics("t-hook");
    Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    List<String> hooked = new CopyOnWriteArrayList<>();
    StageHandler h =
        new StageHandler() {
          @Override
          public Mono<Outcome> handle(JobEvent ev) {
            int n = calls.computeIfAbsent(ev.jobId(), k -> new AtomicInteger()).incrementAndGet();
            if (ev.jobId().startsWith("data")) {
              return Mono.error(
                  new StageException(ExitClass.DATA, "http_404", "request not found"));
            }
            if (ev.jobId().startsWith("busy") || n == 1) {
              return Mono.error(
                  new StageException(ExitClass.UNAVAILABLE, "http_503", "upstream 503"));
            }
            return Mono.just(
                Outcome.publish(
                    topics.completed(),
                    ev.completed(List.of("https://x.runcomfy.net/o.png"), Instant.now())));
          }

          @Override
          public void failed(JobEvent failed) {
            assertThat(failed.type()).isEqualTo(EventType.FAILED);
            hooked.add(failed.jobId());
          }
        };
    StageRunner r = runner(topics, 3, h);
    List<JobEvent> failed = collect(topics.failed(), "f-hook");
    List<JobEvent> completed = collect(topics.completed(), "c-hook");
    r.start();
    try {
      for (String id : List.of("data-1", "busy-1", "ok-1")) {
        publisher.publish(topics.submitted(), submittedEvent(id)).block(Duration.ofSeconds(30));
      }
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> failed.size() == 2 && completed.size() == 1);
      await().atMost(Duration.ofSeconds(10)).until(() -> hooked.size() == 2);
      assertThat(hooked)
          .as("once per final failure, after two retries of busy-1 and one of ok-1")
          .containsExactlyInAnyOrder("data-1", "busy-1");
      assertThat(calls.get("busy-1")).hasValue(3);
      assertThat(calls.get("ok-1")).hasValue(2);
    } finally {
      r.close();
    }
  }

  @Test
  void shouldSendAPoisonRecordToTheFailureTopicAndKeepProcessingItsPartition() {
    Topics topics = new Topics("t-poison");
    StageRunner r =
        runner(
            topics,
            3,
            ev ->
                Mono.just(
                    Outcome.publish(topics.completed(), ev.completed(List.of(), Instant.now()))));
    List<JobEvent> failed = collect(topics.failed(), "f3");
    List<JobEvent> completed = collect(topics.completed(), "c3");
    r.start();
    try {
      // same key, so the same partition: the good record after the bad one must still go through
      publisher
          .send(topics.submitted(), "same", "{not json".getBytes())
          .block(Duration.ofSeconds(30));
      publisher.publish(topics.submitted(), submittedEvent("same")).block(Duration.ofSeconds(30));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> failed.size() == 1 && completed.size() == 1);
      assertThat(failed.get(0).failure().reasonText()).isEqualTo("undecodable");
      assertThat(failed.get(0).failure().message())
          .contains("t-poison.jobs.submitted partition")
          .contains("offset 0");
    } finally {
      r.close();
    }
  }

  @Test
  void shouldSkipEventsOfAJobThatAlreadyEndedAndNeverPublishASecondTerminalEvent() {
    Topics topics = new Topics("t-guard");
    AtomicInteger handled = new AtomicInteger();
    TopicAdmin.ensureTopics(kafka.bootstrapServers(), topics.all(), 2, (short) 1);
    JobEvent ended =
        submittedEvent("ended").completed(List.of(), Instant.now()).done(List.of(), Instant.now());
    publisher.publish(topics.done(), ended).block(Duration.ofSeconds(30));
    StageRunner r =
        runner(
            topics,
            3,
            ev -> {
              handled.incrementAndGet();
              return Mono.just(
                  Outcome.publish(
                      topics.done(),
                      ev.completed(List.of(), Instant.now()).done(List.of(), Instant.now())));
            },
            true);
    List<JobEvent> done = collect(topics.done(), "d4");
    r.start();
    try {
      // a redelivered submitted event of the ended job, then two events of a new job
      publisher.publish(topics.submitted(), submittedEvent("ended")).block(Duration.ofSeconds(30));
      publisher.publish(topics.submitted(), submittedEvent("fresh")).block(Duration.ofSeconds(30));
      publisher.publish(topics.submitted(), submittedEvent("fresh")).block(Duration.ofSeconds(30));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> done.stream().anyMatch(e -> e.jobId().equals("fresh")));
      await()
          .during(Duration.ofSeconds(1))
          .atMost(Duration.ofSeconds(10))
          .until(() -> done.size() == 2);
      assertThat(done).extracting(JobEvent::jobId).containsExactlyInAnyOrder("ended", "fresh");
      assertThat(handled.get()).isEqualTo(1);
    } finally {
      r.close();
    }
  }

  @Test
  void shouldFailARetryableJobWhoseNextRetryWouldComeAfterItsDeadline() {
    Topics topics = new Topics("t-deadline");
    StageRunner r =
        runner(
            topics,
            5,
            ev ->
                Mono.error(new StageException(ExitClass.UNAVAILABLE, "http_503", "upstream 503")));
    List<JobEvent> failed = collect(topics.failed(), "f5");
    r.start();
    try {
      Instant longAgo = Instant.now().minus(Duration.ofMinutes(20));
      JobEvent old =
          JobEvent.requested(job("old"), longAgo)
              .submitted(
                  new RouteDecision("m/x", "default", List.of()),
                  Map.of(),
                  new Submission("r-old", null, null, null, longAgo),
                  longAgo);
      publisher.publish(topics.submitted(), old).block(Duration.ofSeconds(30));
      await().atMost(Duration.ofSeconds(60)).until(() -> failed.size() == 1);
      assertThat(failed.get(0).failure().reasonText()).isEqualTo("deadline");
      assertThat(failed.get(0).failure().exitClass().code()).isEqualTo(69);
      assertThat(failed.get(0).failure().attempts()).isEqualTo(1);
    } finally {
      r.close();
    }
  }

  /**
   * Issue 13, point 3: a stage chain that ends in error is restarted with backoff and counted; past
   * its budget the process gives up.
   */
  @Test
  void shouldRestartAKilledChainCountItAndGiveUpWhenTheBudgetIsSpent() {
    Topics topics = new Topics("t-restart");
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    StageSettings s =
        new StageSettings(
            Stage.POLLER,
            kafka.bootstrapServers(),
            8,
            3,
            new Backoff(50, 200, 2.0, 10),
            100,
            Duration.ofSeconds(2),
            null,
            Duration.ofMinutes(10));
    TopicAdmin.ensureTopics(kafka.bootstrapServers(), topics.all(), 2, (short) 1);
    Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    List<String> gaveUp = new CopyOnWriteArrayList<>();
    StageRunner r =
        StageRunner.builder(
                s,
                topics,
                publisher,
                ev -> {
                  // a 429 on each job's first attempt: counted as throttled, retried through the
                  // delay topic
                  if (calls.computeIfAbsent(ev.jobId(), k -> new AtomicInteger()).incrementAndGet()
                      == 1) {
                    return Mono.error(
                        new StageException(
                            ExitClass.TEMPFAIL, FailureReason.HTTP_429, "429 Too Many Requests"));
                  }
                  return Mono.just(
                      Outcome.publish(
                          topics.completed(),
                          ev.completed(List.of("https://x.runcomfy.net/o.png"), Instant.now())));
                })
            .metrics(new PipelineMetrics(registry))
            .clock(Clock.systemUTC())
            .timer(Schedulers.parallel())
            .supervise(
                new RestartBudget(
                    2, Duration.ofMinutes(1), Duration.ofMillis(100), Duration.ofMillis(400)),
                gaveUp::add)
            .build();
    List<JobEvent> completed = collect(topics.completed(), "c-restart");
    java.util.function.DoubleSupplier restarts =
        () ->
            registry.find("editstream.stage.restarts").tag("stage", "poller").counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count)
                .sum();
    r.start();
    try {
      publisher
          .publish(topics.submitted(), submittedEvent("before-kill"))
          .block(Duration.ofSeconds(30));
      await().atMost(Duration.ofSeconds(60)).until(() -> completed.size() == 1);
      assertThat(r.alive()).isTrue();
      assertThat(
              registry
                  .get("editstream.provider.throttled")
                  .tag("stage", "poller")
                  .counter()
                  .count())
          .isEqualTo(1.0);

      for (int k = 1; k <= 2; k++) {
        r.kill(new IllegalStateException("chaos: chain killed " + k));
        int expected = k;
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> restarts.getAsDouble() == expected && r.alive());
        String id = "after-kill-" + k;
        publisher.publish(topics.submitted(), submittedEvent(id)).block(Duration.ofSeconds(30));
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> completed.stream().anyMatch(e -> e.jobId().equals(id)));
      }
      assertThat(gaveUp).isEmpty();

      // the third failure within the window: no restart, the give-up action runs once
      r.kill(new IllegalStateException("chaos: chain killed 3"));
      await().atMost(Duration.ofSeconds(30)).until(() -> gaveUp.size() == 1);
      assertThat(gaveUp.get(0))
          .contains("poller", "input chain failed 3 times", "chaos: chain killed 3", "giving up");
      assertThat(r.alive()).isFalse();
      assertThat(restarts.getAsDouble()).isEqualTo(2.0);
      assertThat(completed)
          .extracting(JobEvent::jobId)
          .containsExactlyInAnyOrder("before-kill", "after-kill-1", "after-kill-2");
    } finally {
      r.close();
    }
  }

  /**
   * Closing does not wait on itself: each chain's consumer thread reports its end to the runner
   * while close() waits for those threads (a lock held across that wait made every close take the
   * 15 s stop timeout per consumer, and a batch's shutdown minutes).
   */
  @Test
  void shouldCloseWithinTheShutdownGraceNotTheStopTimeout() {
    Topics topics = new Topics("t-close");
    StageRunner r =
        runner(
            topics,
            3,
            ev ->
                Mono.just(
                    Outcome.publish(
                        topics.completed(),
                        ev.completed(List.of("https://x.runcomfy.net/o.png"), Instant.now()))));
    List<JobEvent> completed = collect(topics.completed(), "c-close");
    r.start();
    publisher.publish(topics.submitted(), submittedEvent("close-1")).block(Duration.ofSeconds(30));
    await().atMost(Duration.ofSeconds(60)).until(() -> completed.size() == 1 && r.alive());
    // shutdown grace 2 s; the consumers' stop timeout is grace + 15 s
    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(8), r::close);
    assertThat(r.alive()).isFalse();
  }
}
