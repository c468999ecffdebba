package dev.editstream.poller;

import dev.editstream.core.Redact;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Topics;
import dev.editstream.pipeline.flow.FlowControl;
import dev.editstream.pipeline.stage.Outcome;
import dev.editstream.pipeline.stage.StageHandler;
import dev.editstream.runcomfy.OutputUrls;
import dev.editstream.runcomfy.RecentResults;
import dev.editstream.runcomfy.RequestResult;
import dev.editstream.runcomfy.RequestStatus;
import dev.editstream.runcomfy.RunComfyClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The poller-worker's logic for one {@code submitted} job: check the request's status at once,
 * then on the {@link PollSchedule}, until a terminal status; then GET the result once and decide
 * from the result's own status (as RunComfy's CLI does). {@code completed}/{@code succeeded} with
 * output URLs → {@code completed} event; {@code failed}, {@code cancelled} → failure class 1. A job
 * past its deadline (measured from submission) is cancelled ({@code POST .../cancel}) and failed
 * with class 75, not retried.
 *
 * <p>A status or result call that fails with class 69/75 ends this attempt; the stage runner
 * retries it through the delay topic and the next attempt resumes polling the same request_id
 * (never re-submitting).
 */
public final class PollerHandler implements StageHandler {
  private static final Logger log = LoggerFactory.getLogger(PollerHandler.class);

  private final RunComfyClient client;
  private final Topics topics;
  private final PollSchedule schedule;
  private final Duration deadline;
  private final Clock clock;
  private final Scheduler timer;
  private final SmartPollSchedule smart;
  private RecentResults recent;
  private final FlowControl flow;

  /**
   * @param deadline longest time from submission to a terminal status
   * @param timer scheduler for the waits between checks (virtual time in tests)
   */
  public PollerHandler(RunComfyClient client, Topics topics, PollSchedule schedule, Duration deadline, Clock clock, Scheduler timer) {
    this(client, topics, schedule, null, null, deadline, clock, timer);
  }

  /**
   * A handler with the smart schedule and flow control.
   *
   * @param smart the latency-aware schedule (learns per model), or {@code null} to use {@code schedule}
   * @param flow releases the submission's permit when the request ends (same process as the
   *     router), or {@code null}
   */
  public PollerHandler(RunComfyClient client, Topics topics, PollSchedule schedule, SmartPollSchedule smart, FlowControl flow,
      Duration deadline, Clock clock, Scheduler timer) {
    this.smart = smart;
    this.flow = flow;
    this.client = client;
    this.topics = topics;
    this.schedule = schedule;
    this.deadline = deadline;
    this.clock = clock;
    this.timer = timer;
  }

  @Override
  public Mono<Outcome> handle(JobEvent event) {
    if (event.submission() == null || event.submission().requestId() == null) {
      return Mono.just(new Outcome.Fail(ExitClass.DATA, "no_request_id", "submitted event carries no request_id"));
    }
    Instant submittedAt = event.submission().submittedAt() == null ? clock.instant() : event.submission().submittedAt();
    if (event.requests().size() > 1) {
      return pollParts(event, submittedAt);
    }
    return poll(event, event.submission().requestId(), submittedAt, submittedAt.plus(deadline), 0, null)
        .doOnNext(o -> ended(event, event.submission().requestId(), submittedAt, o));
  }

  /**
   * A split batch: every request is followed to its end; the job completes with every output in
   * request order, or fails with the first part's failure.
   */
  private Mono<Outcome> pollParts(JobEvent event, Instant submittedAt) {
    return Flux.fromIterable(event.requests())
        .flatMapSequential(sub -> poll(event, sub.requestId(), submittedAt, submittedAt.plus(deadline), 0, null)
            .doOnNext(o -> ended(event, sub.requestId(), submittedAt, o)))
        .collectList()
        .map(outcomes -> {
          List<String> urls = new java.util.ArrayList<>();
          for (Outcome o : outcomes) {
            if (!(o instanceof Outcome.Publish pub)) {
              return o;
            }
            urls.addAll(pub.emits().get(0).event().outputs());
          }
          return Outcome.publish(topics.completed(), event.completed(urls, clock.instant()));
        });
  }

  /**
   * Hands every completed request's full output URLs to {@code recent}, for a downloader in this
   * process (see {@link RecentResults}); call before the handler is used.
   *
   * @return this handler
   */
  public PollerHandler withRecentResults(RecentResults recent) {
    this.recent = recent;
    return this;
  }

  /** Feeds the smart schedule the observed latency and releases the flow-control permit. */
  private void ended(JobEvent event, String requestId, Instant submittedAt, Outcome o) {
    boolean ok = o instanceof Outcome.Publish;
    if (smart != null && ok && event.route() != null) {
      smart.observe(event.route().modelId(), Duration.between(submittedAt, clock.instant()));
    }
    if (flow != null) {
      flow.terminal(requestId, ok);
    }
  }

  /**
   * The provider counts a request against its cap until its status is terminal: release the
   * submission's permit at once, before the result call, so the next job can go.
   */
  private Mono<Void> freeSlot(String requestId, RequestStatus st) {
    if (flow != null) {
      flow.terminal(requestId, "completed".equalsIgnoreCase(st.status()) || "succeeded".equalsIgnoreCase(st.status()));
    }
    return Mono.empty();
  }

  /**
   * Wait between checks while other submissions wait for a slot this job holds, once the job may
   * have ended (see {@link #wait}).
   */
  static final Duration SLOT_BOUND_WAIT = Duration.ofMillis(100);

  /**
   * The wait before the next status check. Normally the schedule's (smart or fixed). While other
   * submissions wait for a flow-control slot, {@link SlotBoundWait}: every {@link #SLOT_BOUND_WAIT}
   * from the earliest time the job may end (the model's learned early latency quantile, {@link
   * SmartPollSchedule#earliestEnd}), and not before.
   */
  private Duration wait(JobEvent event, Instant submittedAt, int checksDone, Integer queuePosition) {
    Duration elapsed = Duration.between(submittedAt, clock.instant());
    Duration d = smart == null || event.route() == null
        ? schedule.next(checksDone)
        : smart.next(event.route().modelId(), elapsed, queuePosition, checksDone);
    Duration earliest = smart == null || event.route() == null ? Duration.ZERO : smart.earliestEnd(event.route().modelId());
    return SlotBoundWait.next(d, elapsed, earliest, flow != null && flow.waiting() > 0, queuePosition != null && queuePosition > 0,
        SLOT_BOUND_WAIT);
  }

  private Mono<Outcome> poll(JobEvent event, String requestId, Instant submittedAt, Instant deadlineAt, int checksDone, Integer queuePosition) {
    Duration wait = wait(event, submittedAt, checksDone, queuePosition);
    Mono<Long> pause = wait.isZero() ? Mono.just(0L) : Mono.delay(wait, timer);
    return pause.then(Mono.defer(() -> {
      if (clock.instant().isAfter(deadlineAt)) {
        return cancelPastDeadline(requestId, deadlineAt);
      }
      return client.status(requestId).flatMap(st -> st.terminal()
          ? freeSlot(requestId, st).then(client.result(requestId)).flatMap(r -> pending(r.status())
              ? poll(event, requestId, submittedAt, deadlineAt, checksDone + 1, null)
              : Mono.just(decide(event, r)))
          : poll(event, requestId, submittedAt, deadlineAt, checksDone + 1, st.queuePosition()));
    }));
  }

  private Mono<Outcome> cancelPastDeadline(String requestId, Instant deadlineAt) {
    String msg = "request " + requestId + " not finished by its deadline " + deadlineAt + " (" + deadline.toSeconds() + " s after submission); cancel sent";
    return client.cancel(requestId)
        .map(c -> (Outcome) new Outcome.Fail(ExitClass.TEMPFAIL, "deadline", msg + ", outcome " + c.outcome()))
        .onErrorResume(e -> Mono.just(new Outcome.Fail(ExitClass.TEMPFAIL, "deadline", msg + ", cancel failed: " + Redact.text(e.getMessage()))));
  }

  /** A result still queued or running (the status said terminal a moment early): keep polling. */
  private static boolean pending(String status) {
    return "in_queue".equalsIgnoreCase(status) || "in_progress".equalsIgnoreCase(status);
  }

  private Outcome decide(JobEvent event, RequestResult r) {
    String status = r.status() == null ? "" : r.status().toLowerCase(Locale.ROOT);
    switch (status) {
      case "completed", "succeeded" -> {
        List<String> urls = OutputUrls.collect(r.output());
        if (urls.isEmpty()) {
          return new Outcome.Fail(ExitClass.OTHER, "no_outputs", "request " + r.requestId() + " completed without output URLs");
        }
        if (recent != null) {
          recent.put(r.requestId(), urls);
        }
        log.debug("job {} completed with {} outputs", event.jobId(), urls.size());
        // output URLs are often signed: the event keeps them without their query strings, and
        // the downloader asks RunComfy for the result again to get the full, fresh URLs
        return Outcome.publish(topics.completed(), event.completed(urls.stream().map(Redact::url).toList(), clock.instant()));
      }
      case "failed" -> {
        String why = r.error() == null || r.error().isNull() ? "no error given" : Redact.text(r.error().toString());
        return new Outcome.Fail(ExitClass.OTHER, "remote_failed", "RunComfy request " + r.requestId() + " failed: " + why);
      }
      case "cancelled", "canceled" -> {
        return new Outcome.Fail(ExitClass.OTHER, "remote_cancelled", "RunComfy request " + r.requestId() + " was cancelled");
      }
      default -> {
        return new Outcome.Fail(ExitClass.OTHER, "unknown_status",
            "result of request " + r.requestId() + " has status \"" + status + "\"; stopping instead of polling forever");
      }
    }
  }
}
