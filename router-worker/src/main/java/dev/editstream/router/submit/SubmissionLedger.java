package dev.editstream.router.submit;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.editstream.core.Json;
import dev.editstream.core.event.EventType;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Topics;
import dev.editstream.pipeline.EventHead;
import dev.editstream.pipeline.kafka.EventPublisher;
import dev.editstream.pipeline.kafka.TopicView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * The durable record of every submission, so a job is never POSTed twice: a marker on the compacted
 * job-state topic is written (acks=all) before each POST, and the {@code submitted} topic holds the
 * request_id once RunComfy answered. Both are read back at start-up ({@link TopicView}) so a
 * restarted router knows what it did before it crashed.
 *
 * <p>State per job and run (replay count): {@code submitting} (POST about to be sent, or sent and
 * unanswered), {@code not_submitted} (RunComfy answered with an error: nothing was created), {@code
 * submitted} (request_id known), {@code paused} (waiting because the account is at fault, with the
 * reason: the job state an operator sees for every held job).
 */
public final class SubmissionLedger implements Ledger, AutoCloseable {
  /** States of a submission. */
  public enum State {
    NOT_SUBMITTED,
    SUBMITTING,
    SUBMITTED,
    /** Waiting at the account gate (token refused, balance exhausted); nothing was created. */
    PAUSED
  }

  /**
   * One job's submission state.
   *
   * @param jobId job id
   * @param state the state
   * @param replays the run it belongs to
   * @param requestId RunComfy's request_id when submitted
   * @param at when the state was recorded
   * @param note why, for {@code paused} (secrets removed); else {@code null}
   */
  public record Entry(
      String jobId,
      State state,
      int replays,
      @Nullable String requestId,
      Instant at,
      @Nullable String note) {
    /** An entry without a note. */
    public Entry(String jobId, State state, int replays, @Nullable String requestId, Instant at) {
      this(jobId, state, replays, requestId, at, null);
    }

    static Entry merge(Entry a, Entry b) {
      if (a.replays != b.replays) {
        return a.replays > b.replays ? a : b;
      }
      if (a.state == State.SUBMITTED || b.state == State.SUBMITTED) {
        return a.state == State.SUBMITTED ? a : b;
      }
      return b.at.isBefore(a.at) ? a : b;
    }
  }

  private final TopicView<Entry> view;
  private final EventPublisher publisher;
  private final Topics topics;

  private SubmissionLedger(TopicView<Entry> view, EventPublisher publisher, Topics topics) {
    this.view = view;
    this.publisher = publisher;
    this.topics = topics;
  }

  /**
   * Loads the ledger from the state and submitted topics (waits until caught up, at most 2 min).
   *
   * @throws IllegalStateException if the topics cannot be read
   */
  public static SubmissionLedger start(
      String bootstrapServers, Topics topics, EventPublisher publisher) {
    TopicView<Entry> v =
        TopicView.start(
            bootstrapServers,
            List.of(topics.state(), topics.submitted()),
            r -> decode(r, topics),
            Entry::merge,
            Duration.ofMinutes(2));
    return new SubmissionLedger(v, publisher, topics);
  }

  private static @Nullable Entry decode(ConsumerRecord<String, byte[]> r, Topics topics) {
    if (r.value() == null) {
      return null;
    }
    if (r.topic().equals(topics.submitted())) {
      EventHead e = EventHead.read(r.value());
      return e.type() == EventType.SUBMITTED && e.requestId() != null
          ? new Entry(
              e.jobId(),
              State.SUBMITTED,
              e.replays(),
              e.requestId(),
              // a submitted record without a time still counts: the state decides a merge first
              e.at() == null ? Instant.EPOCH : e.at())
          : null;
    }
    try {
      return Json.mapper().readValue(r.value(), Entry.class);
    } catch (IOException e) {
      return null;
    }
  }

  /** The state of {@code event}'s job for its run, if any was recorded. */
  @Override
  public Optional<Entry> lookup(JobEvent event) {
    return view.get(event.jobId()).filter(e -> e.replays() == event.replays());
  }

  /** Records, durably, that a POST for this job is about to be sent. */
  @Override
  public Mono<Void> markSubmitting(JobEvent event, Instant now) {
    return write(new Entry(event.jobId(), State.SUBMITTING, event.replays(), null, now));
  }

  /** Records, durably, that RunComfy refused the POST (no request was created). */
  @Override
  public Mono<Void> markNotSubmitted(JobEvent event, Instant now) {
    return write(new Entry(event.jobId(), State.NOT_SUBMITTED, event.replays(), null, now));
  }

  @Override
  public Mono<Void> markPaused(JobEvent event, String reason, Instant now) {
    return write(new Entry(event.jobId(), State.PAUSED, event.replays(), null, now, reason));
  }

  @Override
  public Mono<Void> markSubmitted(JobEvent event, String requestId, Instant now) {
    return write(new Entry(event.jobId(), State.SUBMITTED, event.replays(), requestId, now));
  }

  /** Notes in memory that RunComfy accepted the POST (the {@code submitted} event follows). */
  @Override
  public void recordSubmitted(JobEvent event, String requestId, Instant now) {
    view.put(
        event.jobId(), new Entry(event.jobId(), State.SUBMITTED, event.replays(), requestId, now));
  }

  private Mono<Void> write(Entry e) {
    byte[] bytes;
    try {
      bytes = Json.mapper().writeValueAsBytes(e);
    } catch (JsonProcessingException ex) {
      throw new UncheckedIOException(ex);
    }
    return publisher
        .send(topics.state(), e.jobId(), bytes)
        .doOnSuccess(md -> view.put(e.jobId(), e))
        .then();
  }

  @Override
  public void close() {
    view.close();
  }
}
