package dev.editstream.pipeline.stage;

import dev.editstream.core.Redact;
import dev.editstream.core.RetryPolicy;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.Attempt;
import dev.editstream.core.event.EventType;
import dev.editstream.core.event.Failure;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.RecordLimits;
import dev.editstream.core.event.Stage;
import dev.editstream.core.event.Topics;
import dev.editstream.core.job.Job;
import dev.editstream.pipeline.EventCodec;
import dev.editstream.pipeline.kafka.ConsumerSettings;
import dev.editstream.pipeline.kafka.EventPublisher;
import dev.editstream.pipeline.kafka.ReactiveKafkaConsumer;
import dev.editstream.pipeline.kafka.ReceivedRecord;
import dev.editstream.pipeline.metrics.PipelineMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * Runs one stage: consumes its input topic with many jobs in flight, calls the {@link
 * StageHandler}, publishes the outcome, and only then acknowledges the record. Classified failures
 * of class 69/75 go to the stage's delay topic with a due time ({@link RetryPolicy}); a second
 * consumer holds delay-topic records until due and puts them back on the input topic. Other
 * failures, and retries past the cap, go to the failure topic with every attempt. A record is
 * acknowledged only once its outcome is durable; one cancelled by shutdown is redelivered. A record that
 * cannot be decoded goes to the failure topic with its topic, partition and offset, and never
 * blocks its partition.
 *
 * <p>Hostile input: every outcome is {@link RecordLimits#fit fitted} before it is published (a
 * too-large event becomes a {@code failed} event of class 65, {@code record_too_large}; a
 * too-large {@code failed} event is shrunk), a record Kafka refuses for good ({@link
 * EventPublisher#recordRefused}) fails its job instead of being retried forever, every text from
 * outside (handler messages, reasons, decode errors) is {@link Redact#text redacted}, escaped and
 * clipped to {@link RecordLimits#maxMessageChars()} before it reaches a topic or a log line, a
 * server's Retry-After is capped at the stage's max backoff (one WARN line names the asked and the
 * applied delay), and a delay-topic record is never held longer than that max backoff. An
 * unexpected error while handling a record fails its job (class 1, {@code internal}) and the stage
 * keeps consuming.
 */
public final class StageRunner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StageRunner.class);

  private final StageSettings settings;
  private final Topics topics;
  private final EventPublisher publisher;
  private final StageHandler handler;
  private final PipelineMetrics metrics;
  private final Clock clock;
  private final Scheduler timer;
  private final RetryPolicy retryPolicy;
  private final TerminalGuard guard;
  private final RecordLimits limits;
  private final KeyedSerializer perJob = new KeyedSerializer();
  private ReactiveKafkaConsumer input;
  private ReactiveKafkaConsumer delayed;
  private Disposable inputFlow;
  private Disposable delayFlow;

  /**
   * @param settings validated settings
   * @param topics topic names
   * @param publisher the process's shared publisher
   * @param handler the stage's logic
   * @param metrics meters
   * @param clock time source for due times and event times
   * @param timer scheduler for delay-topic holds
   * @param guard the process's view of ended jobs, or {@code null} for none
   */
  public StageRunner(StageSettings settings, Topics topics, EventPublisher publisher, StageHandler handler,
      PipelineMetrics metrics, Clock clock, Scheduler timer, TerminalGuard guard) {
    this(settings, topics, publisher, handler, metrics, clock, timer, guard, publisher.limits());
  }

  /**
   * As {@link #StageRunner(StageSettings, Topics, EventPublisher, StageHandler, PipelineMetrics,
   * Clock, Scheduler, TerminalGuard)}, with explicit record limits.
   *
   * @param limits the sizes every published event keeps
   */
  public StageRunner(StageSettings settings, Topics topics, EventPublisher publisher, StageHandler handler,
      PipelineMetrics metrics, Clock clock, Scheduler timer, TerminalGuard guard, RecordLimits limits) {
    this.limits = java.util.Objects.requireNonNull(limits, "limits");
    this.settings = settings;
    this.topics = topics;
    this.publisher = publisher;
    this.handler = handler;
    this.metrics = metrics;
    this.clock = clock;
    this.timer = timer;
    this.retryPolicy = new RetryPolicy(settings.maxAttempts(), settings.backoff());
    this.guard = guard;
  }

  /** Subscribes to the input and delay topics and starts processing. */
  public synchronized void start() {
    Stage stage = settings.stage();
    input = new ReactiveKafkaConsumer(consumerSettings(topics.group(stage), topics.input(stage), settings.concurrency()));
    delayed = new ReactiveKafkaConsumer(consumerSettings(topics.group(stage) + "-retry", topics.retry(stage), settings.retryHold()));
    inputFlow = input.receive()
        .flatMap(this::process, settings.concurrency())
        .subscribe(v -> { }, e -> log.error("{} stage stopped: {}", stage.wire(), e.toString()));
    delayFlow = delayed.receive()
        .flatMap(this::release, settings.retryHold())
        .subscribe(v -> { }, e -> log.error("{} delay topic stopped: {}", stage.wire(), e.toString()));
    log.info("{}-worker consuming {} (concurrency {}), delay topic {}", stage.wire(), topics.input(stage),
        settings.concurrency(), topics.retry(stage));
  }

  private ConsumerSettings consumerSettings(String group, String topic, int maxInFlight) {
    ConsumerSettings d = ConsumerSettings.of(settings.bootstrapServers(), group, List.of(topic), maxInFlight);
    return new ConsumerSettings(d.bootstrapServers(), d.groupId(), d.topics(), d.maxInFlight(), d.pollTimeout(), d.commitInterval(),
        settings.membership());
  }

  private Mono<Void> process(ReceivedRecord rec) {
    JobEvent event;
    try {
      event = EventCodec.decode(rec.record().value());
    } catch (RuntimeException | StackOverflowError e) {
      return poison(rec, e.getMessage());
    }
    return perJob.run(event.jobId(), () -> handleOnce(event))
        .onErrorResume(e -> crashed(event, e))
        .doOnSuccess(v -> rec.ack());
  }

  /**
   * A bug met while handling one job (not a classified failure): the job fails with class 1 so
   * its record is acknowledged and the stage keeps consuming.
   */
  private Mono<Void> crashed(JobEvent event, Throwable e) {
    String why = outside(e.toString());
    log.error("job {}: the {} stage failed unexpectedly: {}", event.jobId(), settings.stage().wire(), why);
    Failure f = new Failure(ExitClass.OTHER.code(), "internal", "job " + event.jobId() + ": internal error: " + why, settings.stage(),
        event.attempt());
    JobEvent failed = event.failed(f, clock.instant());
    return publishDurably(failed, Outcome.publish(topics.failed(), failed))
        .onErrorResume(x -> {
          log.error("job {}: its failure could not be published either ({}); record acknowledged", event.jobId(), outside(x.toString()));
          return Mono.empty();
        });
  }

  /** Text from outside, safe for a topic and a log line: secrets removed, controls escaped, clipped. */
  private String outside(String text) {
    return Redact.text(text == null ? "" : text, limits.maxMessageChars());
  }

  /** One event of one job: skip it if the job already ended, else handle, publish, account. */
  private Mono<Void> handleOnce(JobEvent event) {
    Stage stage = settings.stage();
    if (guard != null && guard.ended(event)) {
      log.info("job {} already ended; {} event of attempt {} skipped", event.jobId(), event.type().wire(), event.attempt());
      metrics.skipped(stage);
      return Mono.empty();
    }
    metrics.jobIn(stage);
    long started = System.nanoTime();
    return Mono.defer(() -> handler.handle(event))
        .onErrorResume(e -> Mono.just(onError(event, e)))
        .map(outcome -> fitAll(resolve(event, outcome)))
        .flatMap(outcome -> publishDurably(event, outcome).thenReturn(outcome))
        .doOnNext(outcome -> account(event, outcome, Duration.ofNanos(System.nanoTime() - started)))
        .then();
  }

  /** Turns a handler error into a retry or a final failure. */
  private Outcome onError(JobEvent event, Throwable e) {
    if (e instanceof StageException se) {
      Instant now = clock.instant();
      Instant deadline = event.createdAt().plus(settings.jobDeadline());
      RetryPolicy.Decision d = retryPolicy.decide(event.attempt(), se.exitClass(), se.retryAfter(), now,
          ThreadLocalRandom.current().nextDouble(), deadline);
      String reason = Redact.text(se.reason(), 100);
      String message = outside(se.getMessage());
      if (d.capped()) {
        log.warn("job {}: the server asked to retry after {} ms; applying {} ms (the {} stage's max backoff is {} ms)", event.jobId(),
            millis(d.askedDelay()), d.retry() ? d.delay().toMillis() : settings.backoff().maxMs(), settings.stage().wire(),
            settings.backoff().maxMs());
      }
      if (d.pastDeadline()) {
        return new Outcome.Fail(se.exitClass(), "deadline", "gave up after attempt " + event.attempt() + " (" + reason + ": "
            + message + "): the next retry would come after the job's deadline " + deadline);
      }
      if (d.retry()) {
        Attempt a = new Attempt(settings.stage(), se.exitClass().code(), reason, message, now);
        log.info("job {} attempt {} of {} failed (class {}, {}); retry in {} ms", event.jobId(), event.attempt(),
            settings.stage().wire(), se.exitClass().code(), reason, d.delay().toMillis());
        return Outcome.publish(topics.retry(settings.stage()), event.retry(a, d.due()));
      }
      return new Outcome.Fail(se.exitClass(), reason, message);
    }
    String why = outside(e.toString());
    log.warn("job {}: unexpected error in {} stage: {}", event.jobId(), settings.stage().wire(), why);
    return new Outcome.Fail(ExitClass.OTHER, "internal", why);
  }

  /** Every emit fitted to the record limits (so the accounting sees what is published). */
  private Outcome fitAll(Outcome outcome) {
    return new Outcome.Publish(((Outcome.Publish) outcome).emits().stream().map(this::fit).toList());
  }

  /** A Fail outcome becomes a failed event on the failure topic. */
  private Outcome resolve(JobEvent event, Outcome outcome) {
    if (outcome instanceof Outcome.Fail f) {
      String prefix = "job " + event.jobId() + ": ";
      String message = outside(f.message());
      Failure failure = new Failure(f.exitClass().code(), Redact.text(f.reason(), 100), message.startsWith(prefix) ? message : prefix + message,
          settings.stage(), event.attempt());
      return Outcome.publish(topics.failed(), event.failed(failure, clock.instant()));
    }
    return outcome;
  }

  private void account(JobEvent in, Outcome outcome, Duration took) {
    Stage stage = settings.stage();
    for (Outcome.Emit e : ((Outcome.Publish) outcome).emits()) {
      JobEvent out = e.event();
      if (out.type() == EventType.FAILED) {
        metrics.failed(stage, out.failure().exitClass());
        log.info("job {} failed in {} (class {}, {}): {}", out.jobId(), stage.wire(), out.failure().exitClass(),
            outside(out.failure().reason()), outside(out.failure().message()));
        try {
          handler.failed(out);
        } catch (RuntimeException ex) {
          log.warn("job {}: the {} stage's failure hook threw {}", out.jobId(), stage.wire(), outside(ex.toString()));
        }
      } else if (e.topic().equals(topics.retry(stage))) {
        metrics.retried(stage, out.history().get(out.history().size() - 1).exitClass());
      } else {
        String model = out.route() == null ? "unrouted" : out.route().modelId();
        metrics.succeeded(stage, model, took);
      }
    }
  }

  /**
   * Publishes every emit, each first {@link RecordLimits#fit fitted} to the record limits,
   * retrying broker failures with backoff until the stage closes: the record is acknowledged only
   * after its outcome is durable, and the handler is never re-run. A record Kafka refuses for good
   * ({@link EventPublisher#recordRefused}) is not retried: the job fails instead ({@link #refused}).
   * The {@code account} step sees the emits actually published.
   */
  private Mono<Void> publishDurably(JobEvent event, Outcome outcome) {
    List<Outcome.Emit> emits = ((Outcome.Publish) outcome).emits();
    return Flux.fromIterable(emits)
        .concatMap(e -> publishOne(fit(e), true))
        .then();
  }

  /** The emit to publish instead of {@code e}: itself, or its job's {@code failed} event when it breaks a limit. */
  private Outcome.Emit fit(Outcome.Emit e) {
    JobEvent fitted = limits.fit(e.event(), settings.stage(), clock.instant());
    if (fitted == e.event()) {
      return e;
    }
    if (e.event().type() != EventType.FAILED) {
      log.warn("job {}: its {} event for {} breaks the record limits; failing the job instead: {}", e.event().jobId(),
          e.event().type().wire(), e.topic(), fitted.failure().message());
    }
    return new Outcome.Emit(topics.failed(), fitted);
  }

  private Mono<Void> publishOne(Outcome.Emit e, boolean mayReplace) {
    if (guard != null && terminal(e.event()) && guard.ended(e.event())) {
      return Mono.empty();
    }
    return Mono.defer(() -> publisher.publish(e.topic(), e.event()))
        .doOnSuccess(md -> {
          if (guard != null) {
            guard.record(e.event());
          }
        })
        .then()
        .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(500)).maxBackoff(Duration.ofSeconds(30))
            .filter(err -> !EventPublisher.recordRefused(err))
            .doBeforeRetry(s -> log.warn("job {}: publishing its outcome failed ({}); retrying", e.event().jobId(),
                outside(s.failure().toString()))))
        .onErrorResume(EventPublisher::recordRefused, err -> mayReplace ? refused(e, err) : Mono.error(err));
  }

  /**
   * Kafka refused the record of {@code e} for good (too large, invalid): the job fails with class
   * 65 on the failure topic, shrunk to the smallest event; never retried as a broker failure.
   */
  private Mono<Void> refused(Outcome.Emit e, Throwable err) {
    String reason = err instanceof org.apache.kafka.common.errors.RecordTooLargeException ? RecordLimits.REASON : "record_refused";
    JobEvent ev = e.event();
    String was = ev.type() == EventType.FAILED && ev.failure() != null
        ? " (it had failed with class " + ev.failure().exitClass() + ", " + ev.failure().reason() + ")" : "";
    Failure f = new Failure(ExitClass.DATA.code(), reason, "job " + ev.jobId() + ": Kafka refused its " + ev.type().wire() + " event on "
        + e.topic() + was + ": " + outside(err.toString()), settings.stage(), ev.attempt());
    JobEvent failed = limits.shrink(ev.failed(f, clock.instant()));
    log.warn("job {}: {}", ev.jobId(), f.message());
    return publishOne(new Outcome.Emit(topics.failed(), failed), false);
  }

  private static long millis(Duration d) {
    try {
      return d.toMillis();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  private static boolean terminal(JobEvent e) {
    return e.type() == EventType.DONE || e.type() == EventType.FAILED;
  }

  /** A record that is not a job event: to the failure topic with where it came from. */
  private Mono<Void> poison(ReceivedRecord rec, String why) {
    ConsumerRecord<String, byte[]> r = rec.record();
    String where = r.topic() + " partition " + r.partition() + " offset " + r.offset();
    String id = r.key() != null && r.key().matches("[A-Za-z0-9._-]{1,128}") ? r.key() : "record-" + r.topic() + "-" + r.partition() + "-" + r.offset();
    String safeWhy = outside(why);
    Failure f = new Failure(ExitClass.DATA.code(), "undecodable", "record at " + where + " is not a job event: " + safeWhy,
        settings.stage(), 1);
    Job placeholder = new Job(id, "", List.of(), null, null, null, null, null);
    JobEvent ev = JobEvent.requested(placeholder, clock.instant()).failed(f, clock.instant());
    metrics.poison(settings.stage());
    log.warn("poison record at {}: {}", where, safeWhy);
    return publishDurably(ev, Outcome.publish(topics.failed(), ev)).doOnSuccess(v -> rec.ack());
  }

  /** Holds a delay-topic record until its due time, then puts it back on the input topic. */
  private Mono<Void> release(ReceivedRecord rec) {
    JobEvent event;
    try {
      event = EventCodec.decode(rec.record().value());
    } catch (RuntimeException | StackOverflowError e) {
      return poison(rec, e.getMessage());
    }
    Instant due = Optional.ofNullable(event.dueAt()).orElse(clock.instant());
    Duration wait = Duration.between(clock.instant(), due);
    Duration longest = Duration.ofMillis(settings.backoff().maxMs());
    if (wait.compareTo(longest) > 0) {
      // no retry this process schedules is due later than its max backoff: a stranger's due_at of
      // year 9999 must not hold a slot of the delay consumer for ever
      log.warn("job {}: its retry is due at {}, past the stage's max backoff of {} ms; released after {} ms", event.jobId(), due,
          longest.toMillis(), longest.toMillis());
      wait = longest;
    }
    Mono<Long> hold = wait.isNegative() || wait.isZero() ? Mono.just(0L) : Mono.delay(wait, timer);
    return hold.then(publishDurably(event, Outcome.publish(topics.input(settings.stage()), event)))
        .onErrorResume(e -> crashed(event, e))
        .doOnSuccess(v -> rec.ack());
  }

  /** Records in flight on the input topic (handed to the handler and not yet acknowledged). */
  public int inFlight() {
    return input == null ? 0 : input.inFlight();
  }

  /** Stops consuming, waits up to the shutdown grace for jobs in flight, commits and closes. */
  @Override
  public synchronized void close() {
    if (delayed != null) {
      delayed.close(Duration.ZERO);
    }
    if (input != null) {
      input.close(settings.shutdownGrace());
    }
    if (inputFlow != null) {
      inputFlow.dispose();
    }
    if (delayFlow != null) {
      delayFlow.dispose();
    }
  }
}
