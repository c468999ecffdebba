package dev.editstream.router;

import dev.editstream.core.Json;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Submission;
import dev.editstream.core.event.Topics;
import dev.editstream.core.job.Job;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.pipeline.stage.Outcome;
import dev.editstream.pipeline.stage.StageHandler;
import dev.editstream.router.JobPreparer.Prepared;
import dev.editstream.router.submit.Budget;
import dev.editstream.router.submit.Submitter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The router-worker's logic for one {@code requested} job: prepare it with a {@link JobPreparer}
 * (route, prompt lint, mask check, body built with staged inputs and checked against the model's
 * schema before paying for a call, class 65 naming the field), submit it ({@code POST
 * {base}/models/{model_id}}) and publish {@code submitted} with the decision (rule, cues, lint
 * warnings), the body and the request_id. Submission goes through the {@link Submitter}: at most
 * one POST per job and run, paused (never failed) on account faults. Preparation of a job with a
 * local input file reads it, so it runs off the Netty event loops: on as many threads as cores
 * ({@link #LOCAL_PREPARE}), or on {@code Schedulers.boundedElastic()} when staging uploads the file
 * ({@link JobPreparer#uploads()}); a job whose inputs are all URLs is prepared on the calling
 * thread (CPU work only, {@link JobPreparer#readsFiles}).
 */
public final class RouterHandler implements StageHandler {
  private static final Logger log = LoggerFactory.getLogger(RouterHandler.class);

  /**
   * Where jobs with local inputs are prepared when staging them waits on nothing but the CPU and
   * the local disk: as many threads as cores (at least 2). Preparing is CPU work (the prompt's
   * language and cues, a mask's decode), so more threads only share the cores: with the demo's 20
   * jobs prepared at once on 2 cores, the first was ready about when all were, 0.3 s after the
   * router's group joined (2026-12-08, issue 19: command to first POST); here the first goes to
   * RunComfy after its own work. Uploads to object storage wait on the network and keep {@code
   * Schedulers.boundedElastic()} (ten threads per core).
   */
  static final Scheduler LOCAL_PREPARE =
      Schedulers.newBoundedElastic(
          Math.max(2, Runtime.getRuntime().availableProcessors()),
          Integer.MAX_VALUE,
          "editstream-router-prepare",
          60,
          true);

  private volatile JobPreparer preparer;
  private final Submitter submitter;
  private @Nullable Budget budget;
  private final Topics topics;
  private final Clock clock;

  /**
   * A handler with the built-in prompt lint.
   *
   * @param router picks the model
   * @param catalog the models' fields and schemas
   * @param stager turns local inputs into URLs
   * @param submitter submits at most once per job and run, pausing on account faults
   * @param topics the topic the submitted event goes to
   * @param clock stamps the events
   */
  public RouterHandler(
      Router router,
      ModelCatalog catalog,
      InputStager stager,
      Submitter submitter,
      Topics topics,
      Clock clock) {
    this(
        new JobPreparer(router, catalog, PromptLint.of(router.lexicon()), stager),
        submitter,
        topics,
        clock);
  }

  /**
   * @param preparer routes, lints, checks and builds the body
   * @param submitter submits at most once per job and run, pausing on account faults
   * @param topics the topic the submitted event goes to
   * @param clock stamps the events
   */
  public RouterHandler(JobPreparer preparer, Submitter submitter, Topics topics, Clock clock) {
    this.preparer = preparer;
    this.submitter = submitter;
    this.topics = topics;
    this.clock = clock;
  }

  /**
   * Stops submitting at the first job whose estimate would take spent plus in-flight estimates past
   * the budget ({@link Budget}); that job and every later one fail with class 75, reason {@code
   * budget}, and nothing is POSTed for them. Call before the handler is used.
   *
   * @return this handler
   */
  public RouterHandler withBudget(@Nullable Budget b) {
    this.budget = b;
    return this;
  }

  /**
   * Routes from now on over {@code next} (a refreshed live catalog): the routing targets are
   * resolved again; jobs being prepared finish with the catalog they started with.
   *
   * @return the routing targets {@code next} does not have (report them)
   */
  public List<String> useCatalog(ModelCatalog next) {
    JobPreparer p = preparer.withCatalog(next);
    preparer = p;
    return p.router().missingTargets();
  }

  /** The routing targets the current catalog does not have. */
  public List<String> missingTargets() {
    return preparer.router().missingTargets();
  }

  /**
   * Routes and builds the body without any HTTP call; blocking (reads local mask files).
   *
   * @throws dev.editstream.core.error.StageException as {@link JobPreparer#prepare} throws
   */
  Prepared prepare(JobEvent event) {
    return preparer.prepare(jobOf(event));
  }

  /**
   * Checks what an earlier attempt left (an existing submission is not POSTed again; an unanswered
   * POST fails as "may have been submitted"), then prepares and submits.
   */
  @Override
  public Mono<Outcome> handle(JobEvent event) {
    Optional<Submitter.Result> earlier = submitter.earlier(event);
    if (earlier.isPresent()) {
      return Mono.just(outcome(event, null, earlier.get()));
    }
    Mono<Prepared> prepared =
        JobPreparer.readsFiles(jobOf(event))
            ? Mono.fromCallable(() -> prepare(event))
                .subscribeOn(preparer.uploads() ? Schedulers.boundedElastic() : LOCAL_PREPARE)
            // URL inputs only: routing and checks are CPU work of about 50 µs, cheaper than a
            // thread hop
            : Mono.fromCallable(() -> prepare(event));
    return prepared.flatMap(
        p -> {
          Optional<Outcome> refused = overBudget(event, p);
          if (refused.isPresent()) {
            return Mono.just(refused.get());
          }
          Mono<Outcome> submitted =
              p.parts().size() == 1
                  ? submitter
                      .submit(event, p.route().modelId(), p.body())
                      .map(r -> outcome(event, p, r))
                  : submitParts(event, p);
          // an error means RunComfy created nothing (or the POST was never sent): the reservation
          // goes back
          Budget b = budget;
          return b == null ? submitted : submitted.doOnError(e -> b.release(event.jobId()));
        });
  }

  /**
   * The budget's refusal of a prepared job, if a budget is set and the job's estimate does not fit.
   */
  private Optional<Outcome> overBudget(JobEvent event, Prepared p) {
    if (budget == null) {
      return Optional.empty();
    }
    double estimate = p.route().estimate() == null ? 0 : p.route().estimate().usd();
    if (budget.reserve(event.jobId(), estimate) instanceof Budget.Refused r) {
      if (event.jobId().equals(budget.stoppedAt())) {
        log.error("ALERT: budget reached: {}", r.message());
      }
      return Optional.of(
          new Outcome.Fail(
              ExitClass.TEMPFAIL,
              FailureReason.BUDGET,
              "job " + event.jobId() + ": " + r.message()));
    }
    return Optional.empty();
  }

  /**
   * A split batch: every part submitted at most once, in order; one {@code submitted} event lists
   * them all. A part whose POST got no certain answer ends the job parked, and the parts after it
   * are not POSTed: the job will not complete as submitted, so paying for them would be waste (a
   * later {@code replay --resubmit-uncertain} submits them; the ledger keeps the parts already
   * accepted).
   */
  private Mono<Outcome> submitParts(JobEvent event, Prepared p) {
    return Flux.range(0, p.parts().size())
        .concatMap(
            k ->
                submitter.submitPart(
                    event.asPart(k + 1), p.route().modelId(), p.parts().get(k), k > 0))
        .takeUntil(r -> r instanceof Submitter.MayHaveBeenSubmitted)
        .collectList()
        .map(
            results -> {
              List<Submission> subs = new ArrayList<>();
              for (Submitter.Result r : results) {
                if (r instanceof Submitter.MayHaveBeenSubmitted) {
                  return outcome(event, p, r);
                }
                subs.add(
                    r instanceof Submitter.Accepted a
                        ? new Submission(
                            a.response().requestId(),
                            a.response().statusUrl(),
                            a.response().resultUrl(),
                            a.response().cancelUrl(),
                            a.at(),
                            a.slotBound())
                        : new Submission(
                            ((Submitter.AlreadySubmitted) r).requestId(),
                            null,
                            null,
                            null,
                            clock.instant()));
              }
              @SuppressWarnings("unchecked")
              Map<String, Object> sent = Json.mapper().convertValue(p.body(), Map.class);
              return Outcome.publish(
                  topics.submitted(),
                  event.submitted(p.route(), sent, subs.get(0), clock.instant()).withParts(subs));
            });
  }

  /** The job of a requested event, which always carries one ({@code EventCodec} checks). */
  private static Job jobOf(JobEvent event) {
    return Objects.requireNonNull(event.job(), "job");
  }

  /**
   * @param p the prepared job; {@code null} for an earlier submission's result, which is never
   *     {@link Submitter.Accepted}
   */
  private Outcome outcome(JobEvent event, @Nullable Prepared p, Submitter.Result r) {
    if (r instanceof Submitter.Accepted a) {
      Objects.requireNonNull(p, "prepared");
      @SuppressWarnings("unchecked")
      Map<String, Object> sent = Json.mapper().convertValue(p.body(), Map.class);
      var sr = a.response();
      Submission s =
          new Submission(
              sr.requestId(),
              sr.statusUrl(),
              sr.resultUrl(),
              sr.cancelUrl(),
              a.at(),
              a.slotBound());
      return Outcome.publish(
          topics.submitted(), event.submitted(p.route(), sent, s, clock.instant()));
    }
    if (r instanceof Submitter.AlreadySubmitted already) {
      log.info(
          "job {} was already submitted as request {}; not POSTed again",
          event.jobId(),
          already.requestId());
      return new Outcome.Publish(List.of());
    }
    Submitter.MayHaveBeenSubmitted m = (Submitter.MayHaveBeenSubmitted) r;
    return new Outcome.Fail(
        m.park().exitClass(),
        m.park().reason(),
        "may have been submitted: a POST was sent at "
            + m.sentAt()
            + " and "
            + m.why()
            + "; not re-sent, since RunComfy has no idempotency key (check your RunComfy requests, then `editstream replay --id "
            + event.jobId()
            + " --resubmit-uncertain` if it did not run)");
  }
}
