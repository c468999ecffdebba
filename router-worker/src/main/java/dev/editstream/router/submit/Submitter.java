package dev.editstream.router.submit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Redact;
import dev.editstream.core.RetryDecision;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.event.JobEvent;
import dev.editstream.pipeline.flow.FlowControl;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.SubmitResponse;
import io.micrometer.core.instrument.Counter;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Submits a job to RunComfy at most once per run: checks the {@link SubmissionLedger}, waits at the
 * {@link AccountGate}, writes the {@code submitting} marker, POSTs, and reads a failure's evidence
 * with {@link SubmitPolicy}. Account faults never fail the job: it waits at the gate and tries
 * again when the gate opens. A POST that may have created a request is parked ({@link
 * RetryDecision#park}, never re-sent); any other failure is handed to the stage runner, whose
 * {@link RetryDecision} retries or fails it.
 */
public final class Submitter {
  private static final Logger log = LoggerFactory.getLogger(Submitter.class);

  /** What became of a submission. */
  public sealed interface Result {}

  /**
   * RunComfy accepted the POST now.
   *
   * @param slotBound whether other submissions waited for a flow-control slot (or did within {@link
   *     #SLOT_BOUND_LINGER}) when the answer came: carried in the {@code submitted} event for the
   *     poller ({@link dev.editstream.core.event.Submission#slotBound()})
   */
  public record Accepted(SubmitResponse response, Instant at, boolean slotBound) implements Result {
    /** Accepted with no submission waiting for a slot. */
    public Accepted(SubmitResponse response, Instant at) {
      this(response, at, false);
    }
  }

  /** {@link dev.editstream.core.event.Submission#SLOT_BOUND_LINGER}. */
  public static final java.time.Duration SLOT_BOUND_LINGER =
      dev.editstream.core.event.Submission.SLOT_BOUND_LINGER;

  /** An earlier attempt already submitted this job (its {@code submitted} event exists). */
  public record AlreadySubmitted(String requestId) implements Result {}

  /**
   * A POST was sent at {@code sentAt} and its answer was lost: not re-sent, the job is parked.
   *
   * @param park the class and reason the job ends with ({@link RetryDecision#UNCERTAIN_POST})
   */
  public record MayHaveBeenSubmitted(Instant sentAt, String why, RetryDecision.Park park)
      implements Result {}

  private final RunComfyClient client;
  private final Ledger ledger;
  private final AccountGate gate;
  private final Clock clock;
  private final Counter mayHaveBeenSubmitted;
  private @Nullable FlowControl flow;

  /**
   * @param mayHaveBeenSubmitted counter of jobs failed by the "may have been submitted" policy
   */
  public Submitter(
      RunComfyClient client,
      Ledger ledger,
      AccountGate gate,
      Clock clock,
      Counter mayHaveBeenSubmitted) {
    this.client = client;
    this.ledger = ledger;
    this.gate = gate;
    this.clock = clock;
    this.mayHaveBeenSubmitted = mayHaveBeenSubmitted;
  }

  /**
   * Limits submissions with {@code flow} (per model and account in-flight limits, adaptive to 429s,
   * requests per second). A 429 to a POST made on a {@linkplain FlowControl.Permit#speculative()
   * speculative} permit is not a failure of the job: nothing was created, the {@code submitting}
   * marker is replaced by {@code not_submitted}, and the job waits again, first in line, for a slot
   * seen free ({@link FlowControl#acquireFirm}); it goes round no delay topic. The permit of an
   * accepted request stays taken, parked under its request_id ({@link
   * FlowControl#holdUntilTerminal}), until the request's end is read from the topics ({@link
   * dev.editstream.pipeline.flow.RequestEnds}, whichever process polled it) or the gate's max hold
   * passes: the account limit means requests in flight at the provider, in one process as in many.
   *
   * @return this submitter
   */
  public Submitter withFlowControl(@Nullable FlowControl flow) {
    this.flow = flow;
    return this;
  }

  /**
   * What an earlier attempt left, before any work: an existing submission or an unanswered POST.
   *
   * @return a result to act on without submitting, or empty when the job must be submitted
   */
  public Optional<Result> earlier(JobEvent event) {
    return ledger
        .lookup(event)
        .flatMap(
            e ->
                switch (e.state()) {
                  case SUBMITTED ->
                      // a submitted entry always names its request
                      Optional.<Result>of(
                          new AlreadySubmitted(Objects.requireNonNull(e.requestId(), "requestId")));
                  case SUBMITTING -> {
                    // the POST was sent and no answer recorded: it may have been paid for
                    mayHaveBeenSubmitted.increment();
                    yield Optional.<Result>of(
                        new MayHaveBeenSubmitted(
                            e.at(),
                            "an earlier attempt sent the POST and crashed before recording the answer",
                            RetryDecision.UNCERTAIN_POST));
                  }
                  case NOT_SUBMITTED, PAUSED -> Optional.<Result>empty();
                });
  }

  /**
   * Submits one request of a split batch at most once: {@code part} is the job's event under its
   * part id ({@link JobEvent#asPart}); the accepted request_id is recorded durably, since no {@code
   * submitted} event of its own will carry it.
   *
   * <p>A part after the first takes its flow-control permit at once ({@link
   * FlowControl#acquireNow}) instead of waiting at the gate: the job's earlier parts hold permits
   * until their requests end, and they are polled only once every part is submitted, so waiting
   * would deadlock whenever the limit is no more than what the job holds.
   *
   * @param later whether an earlier part of the same job was submitted before this one
   */
  public Mono<Result> submitPart(JobEvent part, String modelId, JsonNode body, boolean later) {
    Optional<Result> e = earlier(part);
    if (e.isPresent()) {
      return Mono.just(e.get());
    }
    return submit(part, modelId, body, false, later, false)
        .flatMap(
            r ->
                r instanceof Accepted a
                    ? ledger
                        .markSubmitted(part, a.response().requestId(), clock.instant())
                        .thenReturn(r)
                    : Mono.just(r));
  }

  /**
   * Submits the body once (after {@link #earlier} found nothing).
   *
   * @return the result; errors are {@link StageException}s the stage runner retries (429, 5xx,
   *     connection refused) or fails (other 4xx)
   */
  public Mono<Result> submit(JobEvent event, String modelId, JsonNode body) {
    return submit(event, modelId, body, false, false, false);
  }

  /**
   * @param firm the job's speculative permit was refused with a 429 ({@link
   *     FlowControl.Permit#speculative()}): it waits first in line for a slot seen free
   */
  private Mono<Result> submit(
      JobEvent event,
      String modelId,
      JsonNode body,
      boolean returning,
      boolean overdraft,
      boolean firm) {
    return gate.acquire(returning)
        .then(permit(modelId, overdraft, firm))
        .flatMap(
            permit -> {
              Instant sentAt = clock.instant();
              return ledger
                  .markSubmitting(event, sentAt)
                  .then(client.submit(modelId, body))
                  .map(
                      r -> {
                        gate.succeeded();
                        // a permit comes from flow
                        permit.ifPresent(
                            p ->
                                Objects.requireNonNull(flow, "flow")
                                    .holdUntilTerminal(r.requestId(), p));
                        ledger.recordSubmitted(event, r.requestId(), clock.instant());
                        return (Result)
                            new Accepted(
                                r,
                                clock.instant(),
                                flow != null && flow.saturatedWithin(SLOT_BOUND_LINGER));
                      })
                  .doOnError(
                      e ->
                          permit.ifPresent(
                              p -> {
                                if (is429(e)) {
                                  p.rejected(((StageException) e).retryAfter().orElse(null));
                                } else {
                                  p.release();
                                }
                              }))
                  .doOnCancel(() -> permit.ifPresent(FlowControl.Permit::release))
                  .onErrorResume(
                      e -> refusedGuess(permit, e),
                      e ->
                          // nothing was created: the same job waits again, for a slot seen free
                          // (a guess is never an overdraft: acquireNow grants no speculative
                          // permit)
                          ledger
                              .markNotSubmitted(event, clock.instant())
                              .then(
                                  Mono.defer(
                                      () -> submit(event, modelId, body, false, false, true))))
                  .onErrorResume(
                      StageException.class,
                      e -> onFailure(event, modelId, body, e, sentAt, overdraft));
            });
  }

  /** Whether {@code e} is the 429 of a speculative permit (a slot guessed free was not). */
  private static boolean refusedGuess(Optional<FlowControl.Permit> permit, Throwable e) {
    return permit.isPresent() && permit.get().speculative() && is429(e);
  }

  /** Whether {@code e} is RunComfy's 429 to the POST, as the client words it. */
  private static boolean is429(Throwable e) {
    return e instanceof StageException se && se.reason() == FailureReason.HTTP_429;
  }

  private Mono<Optional<FlowControl.Permit>> permit(
      String modelId, boolean overdraft, boolean firm) {
    FlowControl f = flow;
    if (f == null) {
      return Mono.just(Optional.empty());
    }
    if (overdraft) {
      return Mono.fromSupplier(() -> Optional.of(f.acquireNow(modelId)));
    }
    return (firm ? f.acquireFirm(modelId) : f.acquire(modelId)).map(Optional::of);
  }

  private Mono<Result> onFailure(
      JobEvent event,
      String modelId,
      JsonNode body,
      StageException e,
      Instant sentAt,
      boolean overdraft) {
    SubmitPolicy.Verdict verdict = SubmitPolicy.classify(e);
    if (verdict == SubmitPolicy.Verdict.ACCOUNT) {
      gate.tripped(Redact.text(e.getMessage()), AccountGate.category(e));
      return ledger
          .markPaused(event, "submission paused: " + Redact.text(e.getMessage()), clock.instant())
          .then(Mono.defer(() -> submit(event, modelId, body, true, overdraft, false)));
    }
    Optional<RetryDecision.Park> park =
        RetryDecision.park(
            RetryDecision.Failed.of(event.attempt(), e.exitClass(), e.reason())
                .withMayHaveBeenPaid(verdict.mayHaveBeenPaid()));
    if (park.isEmpty()) {
      // nothing was created: the stage runner's RetryDecision retries or fails the job
      return ledger.markNotSubmitted(event, clock.instant()).then(Mono.error(e));
    }
    mayHaveBeenSubmitted.increment();
    log.warn(
        "job {}: POST to {} sent at {} got no certain answer ({}); not re-sent",
        event.jobId(),
        modelId,
        sentAt,
        e.reasonText());
    return Mono.just(
        new MayHaveBeenSubmitted(
            sentAt,
            "the POST got no certain answer ("
                + e.reasonText()
                + ": "
                + Redact.text(e.getMessage())
                + ")",
            park.get()));
  }
}
