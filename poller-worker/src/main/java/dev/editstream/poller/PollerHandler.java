package dev.editstream.poller;

import dev.editstream.core.Redact;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.RemoteRun;
import dev.editstream.core.event.Topics;
import dev.editstream.pipeline.stage.Outcome;
import dev.editstream.pipeline.stage.StageHandler;
import dev.editstream.runcomfy.CancelOutcome;
import dev.editstream.runcomfy.OutputUrls;
import dev.editstream.runcomfy.RequestPhase;
import dev.editstream.runcomfy.RequestResult;
import dev.editstream.runcomfy.RunComfyClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * The poller-worker's logic for one {@code submitted} job: check the request's status at once, then
 * on the {@link PollSchedule}, until a terminal status; then GET the result once, with {@code
 * include_cost=true}, and decide from the result's own status (as RunComfy's CLI does). Status
 * words are read into a {@link RequestPhase} ({@code runcomfy-live-contract.md} §3).
 *
 * <ul>
 *   <li>Succeeded with output URLs → {@code completed} event carrying {@link RemoteRun#cost} (the
 *       result's {@code cost} in USD, or {@code null}); failed or cancelled → failure class 1
 *       ({@code remote_failed}, {@code remote_cancelled}); succeeded without URLs → class 1 {@code
 *       no_outputs}.
 *   <li>An unrecognised status (in a status or a result answer) is tolerated: the next check comes
 *       on the schedule; the {@value PollState#MAX_UNKNOWN_IN_A_ROW}rd such answer in a row fails
 *       the job with class 1 {@code unknown_status} ("stopping instead of polling forever"). A
 *       recognised answer resets the count.
 *   <li>A result that is not ready yet (today's 400 with {@code error_code} 400005, or the older
 *       200 carrying a queued/running status: the status said terminal a moment early) → polled
 *       again on the schedule.
 *   <li>Past its deadline (measured from submission) a request is cancelled ({@code POST
 *       .../cancel}). Outcome {@code cancelled} → class 75 {@code deadline}, not retried. Outcome
 *       {@code not_cancellable} (it is running: RunComfy will finish and bill it) → followed to its
 *       end without further cancels: a success is published as {@code completed} with {@link
 *       RemoteRun#pastDeadline()} set, so the outputs paid for are downloaded; a failure says it
 *       ran past its deadline. The follow-through ends at submission + 2 × deadline with class 75
 *       {@code deadline_not_cancellable} (RunComfy may still finish and bill it). A cancel call
 *       that fails → class 75 {@code deadline} naming the error.
 * </ul>
 *
 * <p>With the {@link SmartPollSchedule}, each request is tracked by its request_id while it runs; a
 * success teaches the model's latency (the result's {@code finished_at - created_at} when both
 * parse, else as seen here). Jobs that sleep while their model is unknown are woken as soon as it
 * becomes known and then wait what the schedule says. A job the router submitted while others
 * waited for an account slot ({@link dev.editstream.core.event.Submission#slotBound()}, carried in
 * the event), or while a later event showed the account's slots bound ({@link SlotBoundSignal}), is
 * checked densely once it may have ended: at the provider's cap the detection delay is throughput.
 * The router's permit of a request is released when the request's end reaches the topics (the
 * {@code completed} or {@code failed} event this stage publishes), in this process or another;
 * nothing is shared with the router in memory.
 *
 * <p>A status or result call that fails ends this attempt, marked as after progress once the
 * provider answered a check of it; the stage runner's {@link dev.editstream.core.RetryDecision}
 * retries a 69/75 through the delay topic and the next attempt resumes polling the same request_id
 * (never re-submitting). The deadline rules (check, cancel, follow, give up) are {@link
 * PollState}'s; this class only makes the calls and words the outcomes. The unknown-status count
 * and the follow-through are per attempt: an attempt that starts past the deadline sends the (free)
 * cancel again.
 */
public final class PollerHandler implements StageHandler {
  private static final Logger log = LoggerFactory.getLogger(PollerHandler.class);

  private final @Nullable RunComfyClient client;
  private final Topics topics;
  private final PollSchedule schedule;
  private final @Nullable Duration deadline;
  private final Clock clock;
  private final Scheduler timer;
  private final @Nullable SmartPollSchedule smart;
  private final Map<String, Sinks.Empty<Void>> knownSignals = new ConcurrentHashMap<>();
  private final @Nullable StatusCallGate gate;
  private final SlotBoundSignal slotBound =
      new SlotBoundSignal(dev.editstream.core.event.Submission.SLOT_BOUND_LINGER);

  /** Longest text from the server put in a failure message or log line, chars (after escaping). */
  static final int MAX_SERVER_TEXT = 2_000;

  private final java.util.function.Supplier<? extends java.util.Collection<String>> secrets;
  private final java.util.function.Consumer<String> onRunning;

  /**
   * @param deadline longest time from submission to a terminal status, positive; past it the
   *     request is cancelled, and one that is not cancellable is followed until twice this
   * @param timer scheduler for the waits between checks (virtual time in tests)
   */
  public PollerHandler(
      RunComfyClient client,
      Topics topics,
      PollSchedule schedule,
      Duration deadline,
      Clock clock,
      Scheduler timer) {
    this(
        builder()
            .client(client)
            .topics(topics)
            .schedule(schedule)
            .deadline(deadline)
            .clock(clock)
            .timer(timer));
  }

  private PollerHandler(Builder b) {
    this.smart = b.smart;
    this.client = b.client;
    this.topics = java.util.Objects.requireNonNull(b.topics, "topics");
    this.schedule = java.util.Objects.requireNonNull(b.schedule, "schedule");
    this.deadline = b.deadline;
    this.clock = java.util.Objects.requireNonNull(b.clock, "clock");
    this.timer = java.util.Objects.requireNonNull(b.timer, "timer");
    this.secrets = b.secrets;
    this.onRunning = b.onRunning;
    this.gate = b.statusCalls == null ? null : new StatusCallGate(b.statusCalls, this.timer);
  }

  /** A builder naming every part of the handler. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The parts of a {@link PollerHandler}. Required: {@link #topics}, {@link #schedule}, {@link
   * #clock}, {@link #timer}; the client is required to poll (tests of ended jobs pass none).
   * Optional: {@link #smart}, {@link #statusCalls}, {@link #secrets}, {@link #deadline}.
   */
  public static final class Builder {
    private @Nullable RunComfyClient client;
    private @Nullable Topics topics;
    private @Nullable PollSchedule schedule;
    private @Nullable SmartPollSchedule smart;
    private @Nullable Duration deadline;
    private @Nullable Clock clock;
    private @Nullable Scheduler timer;
    private StatusCallBudget.@Nullable Settings statusCalls;
    private java.util.function.Supplier<? extends java.util.Collection<String>> secrets =
        java.util.List::of;
    private java.util.function.Consumer<String> onRunning = requestId -> {};

    private Builder() {}

    /**
     * Told the request_id of every status answer that says queued or running, at once (the router's
     * flow control of the same process: {@link dev.editstream.pipeline.flow.FlowControl#running},
     * for its forecast of unseen ends). Must not block. Default: nobody.
     */
    public Builder onRunning(java.util.function.Consumer<String> listener) {
      this.onRunning = java.util.Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** The RunComfy client for status, result and cancel calls. */
    public Builder client(RunComfyClient c) {
      this.client = c;
      return this;
    }

    /** The topic names. */
    public Builder topics(Topics t) {
      this.topics = t;
      return this;
    }

    /** The fixed schedule of checks (used when no smart schedule is set). */
    public Builder schedule(PollSchedule s) {
      this.schedule = s;
      return this;
    }

    /** The latency-aware schedule (learns per model), or {@code null} to use {@link #schedule}. */
    public Builder smart(@Nullable SmartPollSchedule s) {
      this.smart = s;
      return this;
    }

    /**
     * Longest time from submission to a terminal status, positive; past it the request is
     * cancelled, and one that is not cancellable is followed until twice this.
     */
    public Builder deadline(Duration d) {
      this.deadline = d;
      return this;
    }

    /** The time source. */
    public Builder clock(Clock c) {
      this.clock = c;
      return this;
    }

    /** The scheduler for the waits between checks (virtual time in tests). */
    public Builder timer(Scheduler t) {
      this.timer = t;
      return this;
    }

    /**
     * The account's budget of status calls ({@link StatusCallBudget}: calls/s shared by every
     * request this handler follows, spent likelihood-first), or {@code null} for none: every check
     * is made when the schedule says.
     */
    public Builder statusCalls(StatusCallBudget.@Nullable Settings s) {
      this.statusCalls = s;
      return this;
    }

    /**
     * More secrets to remove from server text, besides the client's configured token (for example
     * the current token of a refresher, when it may have been replaced since start-up).
     *
     * @param more supplies the secrets, read at each use; blank ones are ignored
     */
    public Builder secrets(
        java.util.function.Supplier<? extends java.util.Collection<String>> more) {
      this.secrets = java.util.Objects.requireNonNull(more, "more");
      return this;
    }

    /**
     * The handler.
     *
     * @throws NullPointerException naming a required part that was not set
     */
    public PollerHandler build() {
      return new PollerHandler(this);
    }
  }

  /**
   * Text a server sent, made safe for the console, the log and the failed topic: every secret the
   * poller knows (the client's token, {@link Builder#secrets}) and bearer tokens and URL query
   * strings ({@link Redact#text}) replaced by {@code <redacted>}, control characters (C0, DEL, C1)
   * and the bidirectional overrides and isolates (U+202A..U+202E, U+2066..U+2069) and lone
   * surrogates escaped as <code>&#92;uXXXX</code>, clipped to {@value #MAX_SERVER_TEXT} chars with
   * {@code ...}.
   */
  @Nullable String fromServer(@Nullable String text) {
    if (text == null) {
      return null;
    }
    String t = text;
    java.util.List<String> known = new java.util.ArrayList<>();
    if (client != null) {
      known.add(client.config().token());
    }
    known.addAll(secrets.get());
    for (String secret : known) {
      if (secret != null && secret.strip().length() >= 4) {
        t = t.replace(secret.strip(), "<redacted>");
      }
    }
    return dev.editstream.runcomfy.SafeText.of(Redact.text(t), MAX_SERVER_TEXT);
  }

  @Override
  public Mono<Outcome> handle(JobEvent event) {
    if (event.submission() == null || event.submission().requestId() == null) {
      return Mono.just(
          new Outcome.Fail(
              ExitClass.DATA,
              FailureReason.NO_REQUEST_ID,
              "submitted event carries no request_id"));
    }
    Instant submittedAt =
        event.submission().submittedAt() == null
            ? clock.instant()
            : event.submission().submittedAt();
    slotBound.seen(
        event.submission().slotBound(), event.submission().submittedAt(), clock.instant());
    if (event.requests().size() > 1) {
      return pollParts(event, submittedAt);
    }
    String requestId = event.submission().requestId();
    return followed(poll(event, requestId, submittedAt, PollState.start()))
        .doOnNext(o -> ended(event, requestId, o instanceof Outcome.Publish));
  }

  /**
   * A split batch: every request is followed to its end; the job completes with every output in
   * request order and the parts' {@link RemoteRun}s combined ({@link RemoteRun#plus}: costs summed,
   * unknown if any part's is), or fails with the first part's failure.
   */
  private Mono<Outcome> pollParts(JobEvent event, Instant submittedAt) {
    return Flux.fromIterable(event.requests())
        .flatMapSequential(
            sub ->
                followed(poll(event, sub.requestId(), submittedAt, PollState.start()))
                    .doOnNext(o -> ended(event, sub.requestId(), o instanceof Outcome.Publish)))
        .collectList()
        .map(
            outcomes -> {
              List<String> urls = new java.util.ArrayList<>();
              RemoteRun run = null;
              for (Outcome o : outcomes) {
                if (!(o instanceof Outcome.Publish pub)) {
                  return o;
                }
                JobEvent part = pub.emits().get(0).event();
                urls.addAll(part.outputs());
                run = run == null ? part.remote() : run.plus(part.remote());
              }
              return Outcome.publish(
                  topics.completed(), event.completed(urls, run, clock.instant()));
            });
  }

  /**
   * One request followed: counted in the status-call budget's jobs in flight (the floor of its
   * rate) from subscription to its end, error or cancel.
   */
  private Mono<Outcome> followed(Mono<Outcome> polling) {
    StatusCallGate g = gate;
    if (g == null) {
      return polling;
    }
    return Mono.defer(
        () -> {
          g.jobStarted();
          return polling.doFinally(signal -> g.jobEnded());
        });
  }

  /**
   * Waits for the account's status-call budget to grant this check a call (at once without a
   * budget). Its worth ({@link SmartPollSchedule#likelihood}) is the expected time the request has
   * been ended unseen, from the model's learned latency (an even chance without a smart schedule or
   * a known model).
   *
   * @param lastCheck when the last check was made (its answer came), or the start of polling
   */
  private Mono<Void> budgeted(
      JobEvent event, Instant submittedAt, PollState state, Instant lastCheck) {
    StatusCallGate g = gate;
    if (g == null) {
      return Mono.empty();
    }
    Duration lastAge =
        state.checksDone() == 0 ? Duration.ZERO : Duration.between(submittedAt, lastCheck);
    Duration age = Duration.between(submittedAt, clock.instant());
    long now = g.now();
    String model = event.route() == null ? null : event.route().modelId();
    StatusCallBudget.Likelihood l =
        smart == null
            ? SmartPollSchedule.likelihood((double[]) null, lastAge.toMillis(), age.toMillis(), now)
            : smart.likelihood(model, lastAge, age, now);
    return g.acquire(l);
  }

  /**
   * A job failed for good after this stage took it (an error past its retries, a non-retryable
   * status error, a deadline): its requests' smart tracking ends. (The router's permits of its
   * requests are released by the {@code failed} event itself, read from the topic.)
   */
  @Override
  public void failed(JobEvent failed) {
    for (var request : failed.requests()) {
      if (request.requestId() != null) {
        ended(failed, request.requestId(), false);
      }
    }
  }

  /** Stops the smart schedule's tracking of a request that did not succeed. */
  private void ended(JobEvent event, String requestId, boolean ok) {
    if (smart != null && !ok && event.route() != null) {
      smart.forget(event.route().modelId(), requestId);
      wakeIfKnown(event.route().modelId());
    }
  }

  /**
   * Wakes the jobs of a model that slept while it was unknown, once it is known. Asked after every
   * end the schedule hears of: a success adds an end to the share of jobs seen to end, and a
   * failure takes a job out of those at risk, which can raise the share past the setting too.
   */
  private void wakeIfKnown(String model) {
    if (smart != null && smart.known(model)) {
      knownSignal(model).tryEmitEmpty();
    }
  }

  /**
   * Feeds the smart schedule a request's latency once its result is decided (a success teaches the
   * latency, anything else only ends the tracking), and wakes the jobs of the model that slept
   * while it was unknown.
   */
  private void learn(
      JobEvent event, String requestId, Instant submittedAt, RequestResult r, Outcome o) {
    if (smart == null || event.route() == null) {
      return;
    }
    String model = event.route().modelId();
    if (o instanceof Outcome.Publish) {
      smart.observe(model, requestId, latency(r, submittedAt));
    } else {
      smart.forget(model, requestId);
    }
    wakeIfKnown(model);
  }

  /**
   * The request's latency: the result's {@code finished_at - created_at} when both parse as
   * ISO-8601 instants (RunComfy lists both fields in the result but does not document their
   * format), else submission to now as seen here (which adds the detection delay).
   */
  Duration latency(RequestResult r, Instant submittedAt) {
    try {
      Duration d = Duration.between(Instant.parse(r.createdAt()), Instant.parse(r.finishedAt()));
      if (!d.isNegative()) {
        return d;
      }
    } catch (DateTimeParseException | NullPointerException e) {
      // format unknown or field missing: measured here instead
    }
    return Duration.between(submittedAt, clock.instant());
  }

  private Sinks.Empty<Void> knownSignal(String model) {
    return knownSignals.computeIfAbsent(model, m -> Sinks.empty());
  }

  /**
   * Wait between checks while other submissions wait for a slot this job holds, once the job may
   * have ended (see {@link #wait}).
   */
  static final Duration SLOT_BOUND_WAIT = Duration.ofMillis(100);

  /**
   * The wait before the next status check: a fixed schedule's as it is; with smart polling the
   * smart schedule's, except for a job submitted while other submissions waited for a slot (the
   * event's {@code slot_bound}), {@link SlotBoundWait}: every {@link #SLOT_BOUND_WAIT} from the
   * earliest time the job may end (the model's learned early latency quantile, {@link
   * SmartPollSchedule#earliestEnd}), and not before.
   */
  private Duration wait(
      JobEvent event,
      String requestId,
      Instant submittedAt,
      Instant checkedAt,
      int checksDone,
      @Nullable Integer queuePosition) {
    Duration elapsed = Duration.between(submittedAt, checkedAt);
    Duration d =
        smart == null || event.route() == null
            ? schedule.next(checksDone)
            : smart.next(event.route().modelId(), requestId, elapsed, queuePosition, checksDone);
    Duration earliest =
        smart == null || event.route() == null
            ? Duration.ZERO
            : smart.earliestEnd(event.route().modelId());
    if (smart == null) {
      return d; // a fixed schedule asked for (--poll-schedule, RunComfy's CLI for comparison) is
      // kept as is
    }
    return SlotBoundWait.next(
        d,
        elapsed,
        earliest,
        slotBound.boundAt(event.submission() != null && event.submission().slotBound(), checkedAt),
        queuePosition != null && queuePosition > 0,
        SLOT_BOUND_WAIT);
  }

  /**
   * The pause before the next check. While the job's model is not known to the smart schedule, a
   * job that is not a scout sleeps long; it is woken when the model becomes known and then waits
   * what the schedule says now, counted from its last check. A job that does not count as
   * slot-bound is woken the same way when a later event on the submitted topic shows the slots bind
   * ({@link SlotBoundSignal}).
   */
  private Mono<Long> pause(
      JobEvent event,
      String requestId,
      Instant submittedAt,
      int checksDone,
      @Nullable Integer queuePosition) {
    Instant checkedAt = clock.instant();
    Duration wait = wait(event, requestId, submittedAt, checkedAt, checksDone, queuePosition);
    if (wait.isZero()) {
      return Mono.just(0L);
    }
    if (smart == null || event.route() == null) {
      return Mono.delay(wait, timer);
    }
    // what may shorten this wait: the model becoming known, the account's slots turning bound
    Mono<Void> known =
        smart.known(event.route().modelId()) ? null : knownSignal(event.route().modelId()).asMono();
    Mono<Void> bound =
        slotBound.boundAt(event.submission() != null && event.submission().slotBound(), checkedAt)
            ? null
            : slotBound.turnsBound();
    Mono<Void> wake =
        known == null ? bound : bound == null ? known : Mono.firstWithSignal(known, bound);
    if (wake == null) {
      return Mono.delay(wait, timer);
    }
    return Mono.firstWithSignal(Mono.delay(wait, timer).thenReturn(false), wake.thenReturn(true))
        .flatMap(
            woken -> {
              if (!woken) {
                return Mono.just(0L);
              }
              Duration again =
                  wait(event, requestId, submittedAt, checkedAt, checksDone, queuePosition)
                      .minus(Duration.between(checkedAt, clock.instant()));
              return again.isNegative() || again.isZero()
                  ? Mono.just(0L)
                  : Mono.delay(again, timer);
            });
  }

  /**
   * Waits what the schedule says, then acts on the deadline or checks the request (once the
   * account's status-call budget grants the check a call).
   */
  private Mono<Outcome> poll(
      JobEvent event, String requestId, Instant submittedAt, PollState state) {
    Instant lastCheck = clock.instant();
    return pause(event, requestId, submittedAt, state.checksDone(), state.queuePosition())
        .then(
            Mono.defer(
                () ->
                    switch (state.deadlineStep(
                        clock.instant(),
                        submittedAt,
                        Objects.requireNonNull(deadline, "deadline"))) { // required to poll
                      case CANCEL -> cancelPastDeadline(event, requestId, submittedAt, state);
                      case GIVE_UP -> Mono.just(notCancellableTooLong(requestId, submittedAt));
                      case CHECK ->
                          budgeted(event, submittedAt, state, lastCheck)
                              .then(Mono.defer(() -> check(event, requestId, submittedAt, state)));
                    }));
  }

  /**
   * One status check, and the result once the status is terminal: decided, or polled again (not
   * finished yet, or an unrecognised status below the limit).
   */
  private Mono<Outcome> check(
      JobEvent event, String requestId, Instant submittedAt, PollState state) {
    RunComfyClient client = Objects.requireNonNull(this.client, "client"); // required to poll
    Duration deadline = Objects.requireNonNull(this.deadline, "deadline");
    return client
        .status(requestId)
        .onErrorMap(StageException.class, e -> progressed(e, state))
        .flatMap(
            st -> {
              RequestPhase phase = st.phase();
              if (phase == RequestPhase.UNKNOWN) {
                return unknown(event, requestId, submittedAt, state, "status", st.status());
              }
              if (!phase.terminal()) {
                onRunning.accept(requestId);
                return poll(event, requestId, submittedAt, state.afterKnown(st.queuePosition()));
              }
              return client
                  .result(requestId, true)
                  .onErrorMap(StageException.class, e -> e.afterProgress())
                  .flatMap(
                      r -> {
                        RequestPhase result = r.phase();
                        if (result == RequestPhase.UNKNOWN) {
                          return unknown(
                              event, requestId, submittedAt, state, "result", r.status());
                        }
                        if (result.pending()) {
                          return poll(event, requestId, submittedAt, state.afterKnown(null));
                        }
                        Outcome o =
                            decide(
                                event,
                                r,
                                state.followingPastDeadline()
                                    ? PollState.deadlineAt(submittedAt, deadline)
                                    : null);
                        learn(event, requestId, submittedAt, r, o);
                        return Mono.just(o);
                      });
            });
  }

  /** A failed call, marked as after progress when the provider answered this attempt before. */
  private static StageException progressed(StageException e, PollState state) {
    return state.answered() ? e.afterProgress() : e;
  }

  /** An answer with an unrecognised status: polled again on the schedule, up to the limit. */
  private Mono<Outcome> unknown(
      JobEvent event,
      String requestId,
      Instant submittedAt,
      PollState state,
      String what,
      @Nullable String word) {
    PollState next = state.afterUnknown();
    String said = word == null ? "no status" : "unknown status \"" + fromServer(word) + "\"";
    if (next.tooManyUnknown()) {
      return Mono.just(
          new Outcome.Fail(
              ExitClass.OTHER,
              FailureReason.UNKNOWN_STATUS,
              what
                  + " answer of request "
                  + requestId
                  + " has "
                  + said
                  + " ("
                  + next.unknownInARow()
                  + " answers in a row without a known status); stopping instead of polling forever"));
    }
    log.warn(
        "job {}: {} answer of request {} has {}; polling again ({} of {} tolerated in a row)",
        event.jobId(),
        what,
        requestId,
        said,
        next.unknownInARow(),
        PollState.MAX_UNKNOWN_IN_A_ROW - 1);
    return poll(event, requestId, submittedAt, next);
  }

  /**
   * Past the deadline: cancel. {@code cancelled} ends the job (75 {@code deadline}); {@code
   * not_cancellable} starts the follow-through with a check at once; a failed cancel call ends the
   * job (75 {@code deadline}, naming the error). Errors of the follow-through's own calls are not
   * turned into a deadline failure: they propagate as any status error does.
   */
  private Mono<Outcome> cancelPastDeadline(
      JobEvent event, String requestId, Instant submittedAt, PollState state) {
    RunComfyClient client = Objects.requireNonNull(this.client, "client"); // required to poll
    Duration deadline = Objects.requireNonNull(this.deadline, "deadline");
    Instant deadlineAt = PollState.deadlineAt(submittedAt, deadline);
    String msg =
        "request "
            + requestId
            + " not finished by its deadline "
            + deadlineAt
            + " ("
            + deadline.toSeconds()
            + " s after submission); cancel sent";
    return client
        .cancel(requestId)
        .materialize()
        .flatMap(
            signal -> {
              CancelOutcome c = signal.isOnError() ? null : signal.get();
              PollState.CancelStep step =
                  state.afterCancel(
                      c != null && c.notCancellable(), clock.instant(), submittedAt, deadline);
              if (step == PollState.CancelStep.FAIL) {
                String answer =
                    signal.isOnError()
                        ? ", cancel failed: "
                            + fromServer(
                                String.valueOf(
                                    Objects.requireNonNull(signal.getThrowable(), "error")
                                        .getMessage()))
                        : ", outcome " + (c == null ? "none" : fromServer(c.outcome()));
                return Mono.just(
                    new Outcome.Fail(ExitClass.TEMPFAIL, FailureReason.DEADLINE, msg + answer));
              }
              log.info(
                  "job {}: request {} is still running at its deadline {} and not cancellable: following it to its end (RunComfy bills it), until {}",
                  event.jobId(),
                  requestId,
                  deadlineAt,
                  PollState.followCapAt(submittedAt, deadline));
              return step == PollState.CancelStep.GIVE_UP
                  ? Mono.just(notCancellableTooLong(requestId, submittedAt))
                  : check(event, requestId, submittedAt, state.followPastDeadline());
            });
  }

  /** The follow-through of a not-cancellable request reached submission + 2 × deadline. */
  private Outcome notCancellableTooLong(String requestId, Instant submittedAt) {
    Duration deadline = Objects.requireNonNull(this.deadline, "deadline");
    return new Outcome.Fail(
        ExitClass.TEMPFAIL,
        FailureReason.DEADLINE_NOT_CANCELLABLE,
        "request "
            + requestId
            + " was still running at its deadline "
            + PollState.deadlineAt(submittedAt, deadline)
            + " and not cancellable; followed it until "
            + PollState.followCapAt(submittedAt, deadline)
            + " (submission + 2 x "
            + deadline.toSeconds()
            + " s) without seeing its end; no longer followed, but RunComfy may still finish and bill it");
  }

  /**
   * Decides a finished result.
   *
   * @param pastDeadline the deadline the request ran past (it was not cancellable), or {@code null}
   */
  private Outcome decide(JobEvent event, RequestResult r, @Nullable Instant pastDeadline) {
    String late =
        pastDeadline == null
            ? ""
            : " (it ran past its deadline " + pastDeadline + " and was not cancellable)";
    switch (r.phase()) {
      case SUCCEEDED -> {
        List<String> urls = OutputUrls.collect(r.output());
        if (urls.isEmpty()) {
          return new Outcome.Fail(
              ExitClass.OTHER,
              FailureReason.NO_OUTPUTS,
              "request " + r.requestId() + " completed without output URLs" + late);
        }
        RemoteRun run =
            pastDeadline == null
                ? RemoteRun.cost(r.cost())
                : new RemoteRun(
                    r.cost(),
                    true,
                    "ran past its deadline "
                        + pastDeadline
                        + "; not cancellable, so followed to its end (RunComfy bills it)");
        log.debug(
            "job {} completed with {} outputs, cost {} USD", event.jobId(), urls.size(), r.cost());
        // output URLs are often signed: the event keeps them without their query strings, and
        // the downloader asks RunComfy for the result again to get the full, fresh URLs
        return Outcome.publish(
            topics.completed(),
            event.completed(urls.stream().map(Redact::url).toList(), run, clock.instant()));
      }
      case FAILED -> {
        String why =
            r.error() == null || r.error().isNull()
                ? "no error given"
                : fromServer(r.error().toString());
        return new Outcome.Fail(
            ExitClass.OTHER,
            FailureReason.REMOTE_FAILED,
            "RunComfy request " + r.requestId() + " failed: " + why + late);
      }
      case CANCELLED -> {
        return new Outcome.Fail(
            ExitClass.OTHER,
            FailureReason.REMOTE_CANCELLED,
            "RunComfy request " + r.requestId() + " was cancelled" + late);
      }
      default -> {
        // queued, running and unknown results are handled before a decision
        return new Outcome.Fail(
            ExitClass.OTHER,
            FailureReason.UNKNOWN_STATUS,
            "result of request "
                + r.requestId()
                + " has status \""
                + fromServer(r.status())
                + "\"; stopping instead of polling forever");
      }
    }
  }
}
