package dev.editstream.router.submit;

import dev.editstream.core.event.JobEvent;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Mono;

/** A {@link Ledger} in memory, for tests without a broker. */
public final class InMemoryLedger implements Ledger {
  final Map<String, SubmissionLedger.Entry> entries = new ConcurrentHashMap<>();

  /** Forgets every entry. */
  public void clear() {
    entries.clear();
  }

  @Override
  public Optional<SubmissionLedger.Entry> lookup(JobEvent event) {
    return Optional.ofNullable(entries.get(event.jobId()))
        .filter(e -> e.replays() == event.replays());
  }

  @Override
  public Mono<Void> markSubmitting(JobEvent event, Instant now) {
    return Mono.fromRunnable(
        () ->
            entries.put(
                event.jobId(),
                new SubmissionLedger.Entry(
                    event.jobId(), SubmissionLedger.State.SUBMITTING, event.replays(), null, now)));
  }

  @Override
  public Mono<Void> markNotSubmitted(JobEvent event, Instant now) {
    return Mono.fromRunnable(
        () ->
            entries.put(
                event.jobId(),
                new SubmissionLedger.Entry(
                    event.jobId(),
                    SubmissionLedger.State.NOT_SUBMITTED,
                    event.replays(),
                    null,
                    now)));
  }

  @Override
  public Mono<Void> markPaused(JobEvent event, String reason, Instant now) {
    return Mono.fromRunnable(
        () ->
            entries.put(
                event.jobId(),
                new SubmissionLedger.Entry(
                    event.jobId(),
                    SubmissionLedger.State.PAUSED,
                    event.replays(),
                    null,
                    now,
                    reason)));
  }

  @Override
  public Mono<Void> markSubmitted(JobEvent event, String requestId, Instant now) {
    return Mono.fromRunnable(() -> recordSubmitted(event, requestId, now));
  }

  @Override
  public void recordSubmitted(JobEvent event, String requestId, Instant now) {
    entries.put(
        event.jobId(),
        new SubmissionLedger.Entry(
            event.jobId(), SubmissionLedger.State.SUBMITTED, event.replays(), requestId, now));
  }
}
