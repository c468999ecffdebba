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

    /**
     * The entry kept of two: the later run; within a run a {@code submitted} one (the earliest, if
     * both are), else the latest. Ties on every one of those are broken by state, request_id and
     * note, so the merge is the maximum of a total order: associative, commutative and idempotent,
     * which a view kept in a local store needs (a record folded again after a crash changes
     * nothing).
     */
    static Entry merge(Entry a, Entry b) {
      return ORDER.compare(a, b) >= 0 ? a : b;
    }

    private static final java.util.Comparator<@Nullable String> TEXT =
        java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder());

    private static final java.util.Comparator<Entry> ORDER =
        java.util.Comparator.comparingInt(Entry::replays)
            .thenComparing(e -> e.state == State.SUBMITTED)
            .thenComparing(
                (x, y) -> x.state == State.SUBMITTED ? y.at.compareTo(x.at) : x.at.compareTo(y.at))
            .thenComparing(Entry::state)
            .thenComparing(Entry::requestId, TEXT)
            .thenComparing(Entry::note, TEXT);
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
    return start(bootstrapServers, topics, publisher, null);
  }

  /**
   * As {@link #start(String, Topics, EventPublisher)}, the ledger kept in a local store in {@code
   * stateDir} (file {@code <topic prefix>.ledger.mv.db}) when it is given, so a restart reads only
   * what was published since the last checkpoint. Entries are stored as their JSON, as on the state
   * topic; {@link Entry#merge} is idempotent, as a store needs.
   *
   * @param stateDir the views' state folder, or {@code null} to keep the ledger in memory
   * @throws IllegalStateException if the topics cannot be read
   */
  public static SubmissionLedger start(
      String bootstrapServers,
      Topics topics,
      EventPublisher publisher,
      java.nio.file.@Nullable Path stateDir) {
    TopicView<Entry> v =
        TopicView.start(
            bootstrapServers,
            List.of(topics.state(), topics.submitted()),
            r -> decode(r, topics),
            Entry::merge,
            Duration.ofMinutes(2),
            stateDir == null
                ? null
                : new TopicView.Local<>(stateDir, topics.prefix() + ".ledger", CODEC));
    return new SubmissionLedger(v, publisher, topics);
  }

  /** An entry's bytes: its JSON, as the state topic carries it. */
  public static final TopicView.Codec<Entry> CODEC = TopicView.Codec.json(Entry.class);

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

  /**
   * Records read before the view first caught up: the topics' whole history in memory, those
   * published since the last checkpoint with a local store.
   */
  public long recordsReadAtStart() {
    return view.recordsReadAtStart();
  }

  /** Jobs the view knows. */
  public int size() {
    return view.size();
  }

  @Override
  public void close() {
    view.close();
  }
}
