package dev.editstream.pipeline.stage;

import dev.editstream.core.Redact;
import dev.editstream.core.RetryDecision;
import dev.editstream.core.RetryPolicy;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.Attempt;
import dev.editstream.core.event.EventType;
import dev.editstream.core.event.Failure;
import dev.editstream.core.event.FailureReason;
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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Runs one stage: consumes its input topic with many jobs in flight, calls the {@link
 * StageHandler}, publishes the outcome, and only then acknowledges the record. Classified failures
 * of class 69/75 go to the stage's delay topic with a due time ({@link RetryDecision}); a second
 * consumer holds delay-topic records until due and puts them back on the input topic. Other
 * failures, and retries past the cap, go to the failure topic with every attempt. A record is
 * acknowledged only once its outcome is durable; one cancelled by shutdown is redelivered. A record
 * that cannot be decoded goes to the failure topic with its topic, partition and offset, and never
 * blocks its partition.
 *
 * <p>Hostile input: every outcome is {@link RecordLimits#fit fitted} before it is published (a
 * too-large event becomes a {@code failed} event of class 65, {@code record_too_large}; a too-large
 * {@code failed} event is shrunk), a record Kafka refuses for good ({@link
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

  /** {@link #firstAssignedNanos()} before the input consumer's first partitions. */
  public static final long NOT_ASSIGNED = Long.MIN_VALUE;

  private final StageSettings settings;
  private final Topics topics;
  private final EventPublisher publisher;
  private final StageHandler handler;
  private final PipelineMetrics metrics;
  private final Clock clock;
  private final Scheduler timer;
  private final RetryDecision retries;
  private final @Nullable TerminalGuard guard;
  private final RecordLimits limits;
  private final KeyedSerializer perJob = new KeyedSerializer();
  private @Nullable ReactiveKafkaConsumer input;
  private @Nullable ReactiveKafkaConsumer delayed;
  private @Nullable Disposable inputFlow;
  private @Nullable Disposable delayFlow;
  private volatile Sinks.@Nullable Empty<Void> inputKill;
  private volatile boolean inputAlive;
  private volatile boolean delayAlive;
  private volatile boolean closed;
  private final java.util.concurrent.atomic.AtomicLong firstAssignedNanos =
      new java.util.concurrent.atomic.AtomicLong(NOT_ASSIGNED);
  private final RestartBudget.Tracker restarts;
  private final java.util.function.Consumer<String> giveUp;

  private StageRunner(Builder b) {
    this.limits = b.limits == null ? b.publisher.limits() : b.limits;
    this.settings = b.settings;
    this.topics = b.topics;
    this.publisher = b.publisher;
    this.handler = b.handler;
    this.metrics = java.util.Objects.requireNonNull(b.metrics, "metrics");
    this.clock = b.clock;
    this.timer = b.timer;
    this.retries =
        new RetryDecision(
            new RetryPolicy(settings.maxAttempts(), settings.backoff()),
            b.clock,
            () -> ThreadLocalRandom.current().nextDouble());
    this.guard = b.guard;
    this.restarts = new RestartBudget.Tracker(b.budget);
    this.giveUp = b.giveUp;
  }

  /**
   * A builder of the runner of one stage.
   *
   * @param settings validated settings
   * @param topics topic names
   * @param publisher the process's shared publisher
   * @param handler the stage's logic
   * @throws NullPointerException naming the argument that is {@code null}
   */
  public static Builder builder(
      StageSettings settings, Topics topics, EventPublisher publisher, StageHandler handler) {
    return new Builder(settings, topics, publisher, handler);
  }

  /**
   * Names the parts of a {@link StageRunner}: {@link #metrics} is required; the clock defaults to
   * UTC system time, the timer to {@link Schedulers#parallel()}, the guard to none, the record
   * limits to the publisher's, the restart rule to {@link RestartBudget#DEFAULT} with no give-up
   * action.
   */
  public static final class Builder {
    private final StageSettings settings;
    private final Topics topics;
    private final EventPublisher publisher;
    private final StageHandler handler;
    private @Nullable PipelineMetrics metrics;
    private Clock clock = Clock.systemUTC();
    private Scheduler timer = Schedulers.parallel();
    private @Nullable TerminalGuard guard;
    private @Nullable RecordLimits limits;
    private RestartBudget budget = RestartBudget.DEFAULT;
    private java.util.function.Consumer<String> giveUp = reason -> {};

    private Builder(
        StageSettings settings, Topics topics, EventPublisher publisher, StageHandler handler) {
      this.settings = java.util.Objects.requireNonNull(settings, "settings");
      this.topics = java.util.Objects.requireNonNull(topics, "topics");
      this.publisher = java.util.Objects.requireNonNull(publisher, "publisher");
      this.handler = java.util.Objects.requireNonNull(handler, "handler");
    }

    /** The meters (required). */
    public Builder metrics(PipelineMetrics m) {
      this.metrics = m;
      return this;
    }

    /** The time source for due times and event times. */
    public Builder clock(Clock c) {
      this.clock = java.util.Objects.requireNonNull(c, "clock");
      return this;
    }

    /** The scheduler for delay-topic holds. */
    public Builder timer(Scheduler s) {
      this.timer = java.util.Objects.requireNonNull(s, "timer");
      return this;
    }

    /** The process's view of ended jobs, or {@code null} for none. */
    public Builder guard(@Nullable TerminalGuard g) {
      this.guard = g;
      return this;
    }

    /** The sizes every published event keeps (default: the publisher's). */
    public Builder limits(RecordLimits l) {
      this.limits = java.util.Objects.requireNonNull(l, "limits");
      return this;
    }

    /**
     * The rule for restarting a chain that ended in error and what to do when it is spent: {@code
     * giveUp} gets a one-line reason and should end the process non-zero so that its supervisor
     * starts a fresh one (it is called once, on a Reactor thread).
     */
    public Builder supervise(RestartBudget b, java.util.function.Consumer<String> onGiveUp) {
      this.budget = java.util.Objects.requireNonNull(b, "budget");
      this.giveUp = java.util.Objects.requireNonNull(onGiveUp, "giveUp");
      return this;
    }

    /**
     * The runner, not started.
     *
     * @throws NullPointerException when {@link #metrics} was not set
     */
    public StageRunner build() {
      return new StageRunner(this);
    }
  }

  /**
   * When this stage's input consumer was first given partitions of its topic ({@link
   * System#nanoTime()}), or {@link #NOT_ASSIGNED} before that: the moment the stage can first read
   * its input. A batch's wall time counts from it when its jobs were published earlier (issue 19,
   * scenario (a)).
   *
   * @return the nanos of the first assignment, or {@link #NOT_ASSIGNED}
   */
  public long firstAssignedNanos() {
    return firstAssignedNanos.get();
  }

  /** Subscribes to the input and delay topics and starts processing. */
  public synchronized void start() {
    Stage stage = settings.stage();
    startInput();
    startDelay();
    log.info(
        "{}-worker consuming {} (concurrency {}), delay topic {}",
        stage.wire(),
        topics.input(stage),
        settings.concurrency(),
        topics.retry(stage));
  }

  private synchronized void startInput() {
    if (closed) {
      return;
    }
    Stage stage = settings.stage();
    ReactiveKafkaConsumer c =
        new ReactiveKafkaConsumer(
                consumerSettings(topics.group(stage), topics.input(stage), settings.concurrency()))
            .metrics(metrics.registry())
            .observe(
                new ReactiveKafkaConsumer.RebalanceObserver() {
                  @Override
                  public void assigned(java.util.Collection<TopicPartition> partitions) {
                    if (!partitions.isEmpty()) {
                      firstAssignedNanos.compareAndSet(NOT_ASSIGNED, System.nanoTime());
                    }
                  }
                });
    Sinks.Empty<Void> k = Sinks.empty();
    input = c;
    inputKill = k;
    inputAlive = true;
    inputFlow =
        // BoundedEach, not flatMap: a stage's work emits nothing, and flatMap's drain loop scanned
        // every one of its 1,000 inner slots per ended record
        Flux.merge(BoundedEach.of(c.receive(), this::process, settings.concurrency()), k.asMono())
            .subscribe(v -> {}, e -> ended(true, c, e), () -> ended(true, c, null));
  }

  private synchronized void startDelay() {
    if (closed) {
      return;
    }
    Stage stage = settings.stage();
    ReactiveKafkaConsumer c =
        new ReactiveKafkaConsumer(
            consumerSettings(
                topics.group(stage) + "-retry", topics.retry(stage), settings.retryHold()));
    delayed = c;
    delayAlive = true;
    delayFlow =
        c.receive()
            .flatMap(this::release, settings.retryHold())
            .subscribe(v -> {}, e -> ended(false, c, e), () -> ended(false, c, null));
  }

  /**
   * A chain ended on its own (an error, or its consumer stopped): counted, its consumer closed,
   * restarted after the budget's delay, or, with the budget spent, the give-up action runs.
   */
  private void ended(boolean inputChain, ReactiveKafkaConsumer consumer, @Nullable Throwable e) {
    if (closed) {
      return; // closing: the chains end because we asked them to
    }
    Stage stage = settings.stage();
    String chain = inputChain ? "input" : "delay-topic";
    RestartBudget.Decision d;
    synchronized (this) {
      if (closed) {
        return;
      }
      if (inputChain) {
        inputAlive = false;
      } else {
        delayAlive = false;
      }
      d = restarts.failed(clock.instant());
    }
    String why = e == null ? "its consumer stopped" : outside(e.toString());
    if (!d.restart()) {
      String reason =
          "the "
              + stage.wire()
              + " stage's "
              + chain
              + " chain failed "
              + d.inWindow()
              + " times within the restart window"
              + " (last: "
              + why
              + "); giving up";
      log.error(reason);
      giveUp.accept(reason);
      return;
    }
    metrics.stageRestart(stage);
    log.error(
        "the {} stage's {} chain ended ({}); restart {} in {} ms",
        stage.wire(),
        chain,
        why,
        d.inWindow(),
        d.delay().toMillis());
    Mono.fromRunnable(() -> consumer.close(Duration.ofSeconds(5)))
        .subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic())
        .then(Mono.delay(d.delay(), timer))
        .subscribe(
            x -> {
              if (inputChain) {
                startInput();
              } else {
                startDelay();
              }
            },
            x ->
                log.error(
                    "the {} stage's {} chain could not be restarted: {}",
                    stage.wire(),
                    chain,
                    outside(x.toString())));
  }

  /**
   * Ends the input chain with {@code cause} as a failure inside it would (chaos tooling and tests):
   * it is then restarted, or the process gives up, by the {@link Builder#supervise} rule.
   */
  public void kill(Throwable cause) {
    Sinks.Empty<Void> k = inputKill;
    if (k != null) {
      k.tryEmitError(cause);
    }
  }

  /**
   * Whether both chains (input and delay topic) are running: false between a failure and its
   * restart, and after close.
   */
  public boolean alive() {
    return !closed && inputAlive && delayAlive;
  }

  /**
   * The input consumer's lag, records (see {@link ReactiveKafkaConsumer#lag()}); 0 before it
   * polled.
   */
  public long lag() {
    ReactiveKafkaConsumer c = input;
    return c == null ? 0 : Math.max(0, c.lag());
  }

  /**
   * Age of the oldest record of the input topic this stage holds (taken, not acknowledged),
   * seconds, from its record timestamp (when it was written to the input topic); 0 when none.
   */
  public double oldestAgeSeconds() {
    ReactiveKafkaConsumer c = input;
    long ts = c == null ? -1 : c.oldestInFlightMs();
    return ts < 0 ? 0 : Math.max(0, clock.millis() - ts) / 1000.0;
  }

  private ConsumerSettings consumerSettings(String group, String topic, int maxInFlight) {
    ConsumerSettings d =
        ConsumerSettings.of(settings.bootstrapServers(), group, List.of(topic), maxInFlight);
    return new ConsumerSettings(
        d.bootstrapServers(),
        d.groupId(),
        d.topics(),
        d.maxInFlight(),
        d.pollTimeout(),
        d.commitInterval(),
        settings.membership());
  }

  private Mono<Void> process(ReceivedRecord rec) {
    JobEvent event;
    try {
      // the router's input also takes plain job lines from other systems (docs/events/README.md)
      event =
          settings.stage() == Stage.ROUTER
              ? EventCodec.decodeRequested(rec.record().value(), clock.instant())
              : EventCodec.decode(rec.record().value());
    } catch (RuntimeException | StackOverflowError e) {
      return poison(rec, e.getMessage());
    }
    EventType expected = inputType(settings.stage());
    if (expected != null && event.type() != expected) {
      return poison(
          rec,
          "a "
              + event.type().wire()
              + " event of job "
              + event.jobId()
              + " on the "
              + settings.stage().wire()
              + " stage's input, which takes "
              + expected.wire()
              + " events only");
    }
    String trace = EventPublisher.traceparentOf(rec.record());
    return perJob
        .run(event.jobId(), () -> handleOnce(event, trace, rec.record()))
        .onErrorResume(e -> crashed(event, e, trace, rec.record()))
        .doOnSuccess(v -> rec.ack());
  }

  /**
   * A bug met while handling one job (not a classified failure): the job fails with class 1 so its
   * record is acknowledged and the stage keeps consuming.
   */
  private Mono<Void> crashed(
      JobEvent event, Throwable e, @Nullable String trace, ConsumerRecord<String, byte[]> r) {
    String why = outside(e.toString());
    String where = r.topic() + " partition " + r.partition() + " offset " + r.offset();
    log.error(
        "job {}: the {} stage failed unexpectedly on the record at {}: {}",
        event.jobId(),
        settings.stage().wire(),
        where,
        why);
    Failure f =
        new Failure(
            ExitClass.OTHER,
            FailureReason.INTERNAL,
            "job " + event.jobId() + ": internal error on the record at " + where + ": " + why,
            settings.stage(),
            event.attempt());
    JobEvent failed = event.failed(f, clock.instant());
    return publishDurably(failed, Outcome.publish(topics.failed(), failed), trace)
        .onErrorResume(
            x -> {
              log.error(
                  "job {}: its failure could not be published either ({}); record acknowledged",
                  event.jobId(),
                  outside(x.toString()));
              return Mono.empty();
            });
  }

  /**
   * Text from outside, safe for a topic and a log line: secrets removed, controls escaped, clipped.
   */
  private String outside(@Nullable String text) {
    return Redact.text(text == null ? "" : text, limits.maxMessageChars());
  }

  /**
   * The only event type the stage's input topic carries (the router's also takes plain job lines,
   * read as requested events).
   */
  private static @Nullable EventType inputType(Stage stage) {
    return switch (stage) {
      case ROUTER -> EventType.REQUESTED;
      case POLLER -> EventType.SUBMITTED;
      case DOWNLOADER -> EventType.COMPLETED;
      default -> null;
    };
  }

  /** One event of one job: skip it if the job already ended, else handle, publish, account. */
  private Mono<Void> handleOnce(
      JobEvent event, @Nullable String trace, ConsumerRecord<String, byte[]> rec) {
    Stage stage = settings.stage();
    if (guard != null && guard.ended(event)) {
      log.info(
          "job {} already ended; {} event of attempt {} skipped",
          event.jobId(),
          event.type().wire(),
          event.attempt());
      metrics.skipped(stage);
      return Mono.empty();
    }
    metrics.jobIn(stage);
    long started = System.nanoTime();
    return Mono.defer(() -> handler.handle(event))
        .onErrorResume(e -> Mono.just(onError(event, e, rec)))
        .map(outcome -> fitAll(resolve(event, outcome)))
        .flatMap(outcome -> publishDurably(event, outcome, trace).thenReturn(outcome))
        .doOnNext(outcome -> account(event, outcome, Duration.ofNanos(System.nanoTime() - started)))
        .then();
  }

  /**
   * Turns a handler error into a retry or a final failure: a {@link StageException} by the {@link
   * RetryDecision}, anything else as a bug (class 1, {@code internal}).
   */
  private Outcome onError(JobEvent event, Throwable e, ConsumerRecord<String, byte[]> rec) {
    if (e instanceof StageException se) {
      Instant deadline = event.createdAt().plus(settings.jobDeadline());
      RetryDecision.Verdict v =
          retries.decide(
              RetryDecision.Failed.of(event.attempt(), se.exitClass(), se.reason())
                  .withRetryAfter(se.retryAfter().orElse(null))
                  .withDeadline(deadline)
                  .withProgress(se.madeProgress()));
      String reason = Redact.text(se.reasonText(), 100);
      String message = outside(se.getMessage());
      if (v instanceof RetryDecision.Retry r) {
        warnIfCapped(event, r.askedDelay(), r.delay().toMillis());
        Attempt a =
            new Attempt(
                settings.stage(), se.exitClass(), se.reason(), message, r.decidedAt(), reason);
        log.info(
            "job {} attempt {} of {} failed (class {}, {}{}); retry in {} ms",
            event.jobId(),
            r.attempt(),
            settings.stage().wire(),
            se.exitClass().code(),
            reason,
            se.madeProgress() ? ", after progress: counted as the first" : "",
            r.delay().toMillis());
        return Outcome.publish(
            topics.retry(settings.stage()), event.retry(a, r.at(), r.nextAttempt()));
      }
      if (v instanceof RetryDecision.Fail f && f.pastDeadline()) {
        warnIfCapped(event, f.askedDelay(), settings.backoff().maxMs());
        return new Outcome.Fail(
            f.exitClass(),
            f.reason(),
            "gave up after attempt "
                + event.attempt()
                + " ("
                + reason
                + ": "
                + message
                + "): the next retry would come after the job's deadline "
                + deadline);
      }
      if (v instanceof RetryDecision.Park p) {
        return new Outcome.Fail(p.exitClass(), p.reason(), message);
      }
      return new Outcome.Fail(se.exitClass(), se.reason(), reason, message);
    }
    String why =
        outside(e.toString())
            + " (on the record at "
            + rec.topic()
            + " partition "
            + rec.partition()
            + " offset "
            + rec.offset()
            + ")";
    log.warn(
        "job {}: unexpected error in {} stage: {}", event.jobId(), settings.stage().wire(), why);
    return new Outcome.Fail(ExitClass.OTHER, FailureReason.INTERNAL, why);
  }

  /**
   * One WARN line when the server asked for a longer delay than the stage's max backoff: the asked
   * and the applied delay, ms.
   */
  private void warnIfCapped(JobEvent event, @Nullable Duration asked, long appliedMs) {
    if (asked != null) {
      log.warn(
          "job {}: the server asked to retry after {} ms; applying {} ms (the {} stage's max backoff is {} ms)",
          event.jobId(),
          millis(asked),
          appliedMs,
          settings.stage().wire(),
          settings.backoff().maxMs());
    }
  }

  /** Every emit fitted to the record limits (so the accounting sees what is published). */
  private Outcome fitAll(Outcome outcome) {
    return new Outcome.Publish(
        ((Outcome.Publish) outcome).emits().stream().map(this::fit).toList());
  }

  /** A Fail outcome becomes a failed event on the failure topic. */
  private Outcome resolve(JobEvent event, Outcome outcome) {
    if (outcome instanceof Outcome.Fail f) {
      String prefix = "job " + event.jobId() + ": ";
      String message = outside(f.message());
      Failure failure =
          new Failure(
              f.exitClass(),
              f.reason(),
              message.startsWith(prefix) ? message : prefix + message,
              settings.stage(),
              event.attempt(),
              Redact.text(f.reasonText(), 100));
      return Outcome.publish(topics.failed(), event.failed(failure, clock.instant()));
    }
    return outcome;
  }

  // `in` is not read (yet): kept so that the call sites stay as they are
  private void account(
      @SuppressWarnings("UnusedVariable") JobEvent in, Outcome outcome, Duration took) {
    Stage stage = settings.stage();
    for (Outcome.Emit e : ((Outcome.Publish) outcome).emits()) {
      JobEvent out = e.event();
      FailureReason reason =
          out.type() == EventType.FAILED
              ? failureOf(out).reason()
              : e.topic().equals(topics.retry(stage))
                  ? out.history().get(out.history().size() - 1).reason()
                  : null;
      if (reason == FailureReason.HTTP_429) {
        metrics.throttled(stage);
      }
      if (out.type() == EventType.FAILED) {
        metrics.failed(stage, failureOf(out).exitClass().code());
        log.info(
            "job {} failed in {} (class {}, {}): {}",
            out.jobId(),
            stage.wire(),
            failureOf(out).exitClass().code(),
            outside(failureOf(out).reasonText()),
            outside(failureOf(out).message()));
        try {
          handler.failed(out);
        } catch (RuntimeException ex) {
          log.warn(
              "job {}: the {} stage's failure hook threw {}",
              out.jobId(),
              stage.wire(),
              outside(ex.toString()));
        }
      } else if (e.topic().equals(topics.retry(stage))) {
        metrics.retried(stage, out.history().get(out.history().size() - 1).exitClass().code());
      } else {
        String model = out.route() == null ? "unrouted" : out.route().modelId();
        metrics.succeeded(stage, model, took);
      }
    }
  }

  /**
   * Publishes every emit, each first {@link RecordLimits#fit fitted} to the record limits, retrying
   * broker failures with backoff until the stage closes: the record is acknowledged only after its
   * outcome is durable, and the handler is never re-run. A record Kafka refuses for good ({@link
   * EventPublisher#recordRefused}) is not retried: the job fails instead ({@link #refused}). The
   * {@code account} step sees the emits actually published.
   */
  private Mono<Void> publishDurably(JobEvent event, Outcome outcome) {
    return publishDurably(event, outcome, null);
  }

  /**
   * As {@link #publishDurably(JobEvent, Outcome)}, every record under the trace of the consumed
   * record's {@code traceparent} {@code trace} (a new span id each), or a new trace when it is
   * {@code null} or malformed.
   */
  // `event` is not read (yet): kept so that the call sites stay as they are
  private Mono<Void> publishDurably(
      @SuppressWarnings("UnusedVariable") JobEvent event, Outcome outcome, @Nullable String trace) {
    List<Outcome.Emit> emits = ((Outcome.Publish) outcome).emits();
    return Flux.fromIterable(emits).concatMap(e -> publishOne(fit(e), true, trace)).then();
  }

  /**
   * The emit to publish instead of {@code e}: itself, or its job's {@code failed} event when it
   * breaks a limit.
   */
  @SuppressWarnings("ReferenceEquality") // fit returns the very event when it changed nothing
  private Outcome.Emit fit(Outcome.Emit e) {
    JobEvent fitted = limits.fit(e.event(), settings.stage(), clock.instant());
    if (fitted == e.event()) {
      return e;
    }
    if (e.event().type() != EventType.FAILED) {
      log.warn(
          "job {}: its {} event for {} breaks the record limits; failing the job instead: {}",
          e.event().jobId(),
          e.event().type().wire(),
          e.topic(),
          failureOf(fitted).message());
    }
    return new Outcome.Emit(topics.failed(), fitted);
  }

  private Mono<Void> publishOne(Outcome.Emit e, boolean mayReplace, @Nullable String trace) {
    if (guard != null && terminal(e.event()) && guard.ended(e.event())) {
      return Mono.empty();
    }
    return Mono.defer(() -> publisher.publish(e.topic(), e.event(), trace))
        .doOnSuccess(
            md -> {
              if (guard != null) {
                guard.record(e.event());
              }
            })
        .then()
        .retryWhen(
            Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(500))
                .maxBackoff(Duration.ofSeconds(30))
                .filter(err -> !EventPublisher.recordRefused(err))
                .doBeforeRetry(
                    s ->
                        log.warn(
                            "job {}: publishing its outcome failed ({}); retrying",
                            e.event().jobId(),
                            outside(s.failure().toString()))))
        .onErrorResume(
            EventPublisher::recordRefused,
            err -> mayReplace ? refused(e, err, trace) : Mono.error(err));
  }

  /**
   * Kafka refused the record of {@code e} for good (too large, invalid): the job fails with class
   * 65 on the failure topic, shrunk to the smallest event; never retried as a broker failure.
   */
  private Mono<Void> refused(Outcome.Emit e, Throwable err, @Nullable String trace) {
    FailureReason reason =
        err instanceof org.apache.kafka.common.errors.RecordTooLargeException
            ? RecordLimits.REASON
            : FailureReason.RECORD_REFUSED;
    JobEvent ev = e.event();
    String was =
        ev.type() == EventType.FAILED && ev.failure() != null
            ? " (it had failed with class "
                + ev.failure().exitClass().code()
                + ", "
                + ev.failure().reasonText()
                + ")"
            : "";
    Failure f =
        new Failure(
            ExitClass.DATA,
            reason,
            "job "
                + ev.jobId()
                + ": Kafka refused its "
                + ev.type().wire()
                + " event on "
                + e.topic()
                + was
                + ": "
                + outside(err.toString()),
            settings.stage(),
            ev.attempt());
    JobEvent failed = limits.shrink(ev.failed(f, clock.instant()));
    log.warn("job {}: {}", ev.jobId(), f.message());
    return publishOne(new Outcome.Emit(topics.failed(), failed), false, trace);
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

  /**
   * The marker of a poison record's raw value in its failure message: always its last field,
   * followed by the standard base64 ({@link java.util.Base64#getDecoder()}) of the bytes kept, up
   * to the end of the message. See {@link #rawValueOf(String)}.
   */
  public static final String RAW_BASE64 = "raw_base64=";

  private static final java.util.regex.Pattern RAW_URL_QUERY =
      java.util.regex.Pattern.compile("(https?://[^\\s\"'?#]*)[?#][^\\s\"']*");
  private static final java.util.regex.Pattern RAW_BEARER =
      java.util.regex.Pattern.compile("(?i)(bearer\\s+)[A-Za-z0-9._~+/=-]+");

  /**
   * A record that is not a job event (a poison record): one {@code failed} event (class 65, reason
   * {@code undecodable}) on the failure topic, keyed by the record's key when it is a valid id,
   * else {@code record-<topic>-<partition>-<offset>}; counted ({@link PipelineMetrics#poison}); the
   * record is acknowledged once that event is durable, so its offset is committed past and a
   * restarted stage does not read it again, and the stage goes on.
   *
   * <p>The failure message, parseable by a consumer: {@code record at <topic> partition <p> offset
   * <o> is not a job event: <error> [raw value: kept <k> of <n> bytes] raw_base64=<b64>}. The error
   * is redacted, escaped and clipped; {@code <b64>} is the standard base64 of the first {@code k}
   * bytes of the record's value, clipped so the message keeps {@link
   * RecordLimits#maxMessageChars()} (and so the event stays far under {@link
   * RecordLimits#maxRecordBytes()}); it is the message's last field (read it with {@link
   * #rawValueOf(String)}). Before encoding, URL query strings and fragments (pre-signed URL
   * signatures) and bearer tokens in the value are replaced by {@code ?<redacted>} / {@code
   * <redacted>} (said as {@code , secrets redacted} inside the brackets), so no signature of a
   * router input reaches the failure topic; a tombstone gives {@code [raw value: none, a
   * tombstone]} and an empty base64.
   */
  private Mono<Void> poison(ReceivedRecord rec, @Nullable String why) {
    ConsumerRecord<String, byte[]> r = rec.record();
    String where = r.topic() + " partition " + r.partition() + " offset " + r.offset();
    String id =
        r.key() != null && r.key().matches("[A-Za-z0-9._-]{1,128}")
            ? r.key()
            : "record-" + r.topic() + "-" + r.partition() + "-" + r.offset();
    String safeWhy =
        Redact.clip(
            outside(why == null || why.isBlank() ? "unknown decode error" : why),
            Math.max(100, limits.maxMessageChars() / 4));
    String lead = "not a job event: ";
    String head =
        "record at "
            + where
            + " is not a job event: "
            + (safeWhy.startsWith(lead) ? safeWhy.substring(lead.length()) : safeWhy);
    String raw = rawValue(r.value(), limits.maxMessageChars() - head.length());
    Failure f =
        new Failure(ExitClass.DATA, FailureReason.UNDECODABLE, head + raw, settings.stage(), 1);
    Job placeholder = new Job(id, "", List.of(), null, null, null, Map.of(), null);
    JobEvent ev = JobEvent.requested(placeholder, clock.instant()).failed(f, clock.instant());
    metrics.poison(settings.stage());
    log.warn(
        "poison record at {}: {} {}",
        where,
        safeWhy,
        raw.substring(0, raw.indexOf(RAW_BASE64)).trim());
    return publishDurably(ev, Outcome.publish(topics.failed(), ev)).doOnSuccess(v -> rec.ack());
  }

  /**
   * {@code " [raw value: kept k of n bytes] raw_base64=..."} in at most {@code room} characters
   * (the label always).
   */
  private static String rawValue(byte[] value, int room) {
    if (value == null) {
      return " [raw value: none, a tombstone] " + RAW_BASE64;
    }
    byte[] safe = redactRaw(value);
    String note = java.util.Arrays.equals(safe, value) ? "" : ", secrets redacted";
    int labelMax =
        (" [raw value: kept "
                + safe.length
                + " of "
                + value.length
                + " bytes"
                + note
                + "] "
                + RAW_BASE64)
            .length();
    int keep = Math.max(0, Math.min(safe.length, (room - labelMax) / 4 * 3));
    byte[] kept = keep == safe.length ? safe : java.util.Arrays.copyOf(safe, keep);
    return " [raw value: kept "
        + keep
        + " of "
        + value.length
        + " bytes"
        + note
        + "] "
        + RAW_BASE64
        + java.util.Base64.getEncoder().encodeToString(kept);
  }

  /**
   * {@code value} with URL query strings and fragments and bearer tokens replaced (matched on its
   * ISO-8859-1 view, so every other byte is kept as it is).
   */
  private static byte[] redactRaw(byte[] value) {
    String latin = new String(value, java.nio.charset.StandardCharsets.ISO_8859_1);
    String s =
        RAW_URL_QUERY
            .matcher(latin)
            .replaceAll("$1?" + java.util.regex.Matcher.quoteReplacement(Redact.MARK));
    s =
        RAW_BEARER
            .matcher(s)
            .replaceAll("$1" + java.util.regex.Matcher.quoteReplacement(Redact.MARK));
    return s.equals(latin) ? value : s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  /**
   * The raw bytes kept in the failure message of a poison record ({@link #poison}): the base64
   * after the last {@value #RAW_BASE64}, decoded.
   *
   * @param failureMessage a {@code failed} event's failure message
   * @return the bytes kept (empty for a tombstone), or empty when the message carries none
   */
  public static Optional<byte[]> rawValueOf(String failureMessage) {
    int at = failureMessage == null ? -1 : failureMessage.lastIndexOf(RAW_BASE64);
    if (at < 0) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          java.util.Base64.getDecoder().decode(failureMessage.substring(at + RAW_BASE64.length())));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
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
      log.warn(
          "job {}: its retry is due at {}, past the stage's max backoff of {} ms; released after {} ms",
          event.jobId(),
          due,
          longest.toMillis(),
          longest.toMillis());
      wait = longest;
    }
    Mono<Long> hold = wait.isNegative() || wait.isZero() ? Mono.just(0L) : Mono.delay(wait, timer);
    String trace = EventPublisher.traceparentOf(rec.record());
    return hold.then(
            publishDurably(event, Outcome.publish(topics.input(settings.stage()), event), trace))
        .onErrorResume(e -> crashed(event, e, trace, rec.record()))
        .doOnSuccess(v -> rec.ack());
  }

  /** The failure of a {@code failed} event, which always carries one. */
  private static Failure failureOf(JobEvent failed) {
    return java.util.Objects.requireNonNull(failed.failure(), "failure");
  }

  /** Records in flight on the input topic (handed to the handler and not yet acknowledged). */
  public int inFlight() {
    return input == null ? 0 : input.inFlight();
  }

  /** Stops consuming, waits up to the shutdown grace for jobs in flight, commits and closes. */
  @Override
  public void close() {
    ReactiveKafkaConsumer d;
    ReactiveKafkaConsumer in;
    Disposable inFlow;
    Disposable dFlow;
    // the lock only to take the state: a consumer's thread ending its chain calls ended(), which
    // takes it too, and must not wait for this close to finish waiting for that very thread
    synchronized (this) {
      closed = true;
      d = delayed;
      in = input;
      inFlow = inputFlow;
      dFlow = delayFlow;
    }
    if (d != null) {
      d.close(Duration.ZERO);
    }
    if (in != null) {
      in.close(settings.shutdownGrace());
    }
    if (inFlow != null) {
      inFlow.dispose();
    }
    if (dFlow != null) {
      dFlow.dispose();
    }
  }
}
