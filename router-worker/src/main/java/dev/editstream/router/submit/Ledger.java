package dev.editstream.router.submit;

import dev.editstream.core.event.JobEvent;
import java.time.Instant;
import java.util.Optional;
import reactor.core.publisher.Mono;

/**
 * Where submission markers are kept ({@link SubmissionLedger} on Kafka; an in-memory one in tests).
 */
public interface Ledger {
  /** The state of {@code event}'s job for its run, if any was recorded. */
  Optional<SubmissionLedger.Entry> lookup(JobEvent event);

  /** Records, durably, that a POST for this job is about to be sent. */
  Mono<Void> markSubmitting(JobEvent event, Instant now);

  /** Records, durably, that RunComfy refused the POST (no request was created). */
  Mono<Void> markNotSubmitted(JobEvent event, Instant now);

  /** Records, durably, that the job waits at the account gate, and why (no request was created). */
  Mono<Void> markPaused(JobEvent event, String reason, Instant now);

  /**
   * Records, durably, the request_id RunComfy gave (for a request with no {@code submitted} event
   * of its own: a batch part).
   */
  Mono<Void> markSubmitted(JobEvent event, String requestId, Instant now);

  /** Notes that RunComfy accepted the POST (the {@code submitted} event follows). */
  void recordSubmitted(JobEvent event, String requestId, Instant now);
}
