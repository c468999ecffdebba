package dev.editstream.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The emulated queue: every job's state and the state machine {@code in_queue → in_progress →
 * completed | failed}, plus {@code in_queue → cancelled}. At most {@code concurrency} jobs are
 * {@code in_progress}; the others wait in FIFO order with a 1-based queue position, computed in
 * O(log n) ({@link AdmissionQueue}) so that 20,000 queued jobs can be polled. Each job belongs to
 * an account, and an account may be capped to a number of live (not terminal) jobs. Pure: no
 * scheduling, no I/O, time passed in. Thread-safe (every method is synchronized). Entries are kept
 * for the emulator's lifetime; a terminal entry drops its request body.
 *
 * <p>Source of the states: RunComfy's status endpoint ({@code
 * ../shared/docs/runcomfy-model-api.md}): {@code in_queue}, {@code in_progress}, {@code completed},
 * {@code cancelled}, and {@code failed}; how they are spelled on the wire is {@link StatusWords}'
 * choice.
 */
public final class JobBook {

  /** A job state with its wire name. */
  public enum State {
    /** waiting for a concurrency slot */
    IN_QUEUE("in_queue"),
    /** running */
    IN_PROGRESS("in_progress"),
    /** finished with outputs */
    COMPLETED("completed"),
    /** finished with an error */
    FAILED("failed"),
    /** cancelled while queued */
    CANCELLED("cancelled");

    private final String wire;

    State(String wire) {
      this.wire = wire;
    }

    /** The value of the JSON {@code status} field. */
    public String wire() {
      return wire;
    }

    /** Whether the job can no longer change. */
    public boolean terminal() {
      return this == COMPLETED || this == FAILED || this == CANCELLED;
    }
  }

  /**
   * One job, as a snapshot.
   *
   * @param requestId the request_id
   * @param account the account (one per accepted token) that submitted it
   * @param modelId the model_id it was submitted to
   * @param body the submitted body (do not mutate); {@code null} once terminal
   * @param draw its drawn fate (fails? latency)
   * @param state current state
   * @param createdAt when it was accepted
   * @param finishedAt when it reached a terminal state, else {@code null}
   * @param output the output object when completed, else {@code null}
   * @param error the error message when failed, else {@code null}
   * @param costUsd what the job cost when completed, USD ({@link Pricing}), else {@code null}
   */
  public record Entry(
      String requestId,
      String account,
      String modelId,
      @Nullable JsonNode body,
      FaultPlan.JobDraw draw,
      State state,
      Instant createdAt,
      @Nullable Instant finishedAt,
      @Nullable JsonNode output,
      @Nullable String error,
      @Nullable Double costUsd) {

    Entry to(
        State next,
        @Nullable Instant finished,
        @Nullable JsonNode out,
        @Nullable String err,
        @Nullable Double cost) {
      return new Entry(
          requestId,
          account,
          modelId,
          next.terminal() ? null : body,
          draw,
          next,
          createdAt,
          finished,
          out,
          err,
          cost);
    }
  }

  /**
   * The answer to a cancel.
   *
   * @param entry the job after the cancel
   * @param cancelled {@code true} when it was queued and is now cancelled, else "not_cancellable"
   */
  public record CancelResult(Entry entry, boolean cancelled) {}

  private final int concurrency;
  private final Map<String, Entry> entries = new HashMap<>();
  private final AdmissionQueue waiting = new AdmissionQueue();
  private final Map<String, Long> seqById = new HashMap<>();
  private final Map<Long, String> idBySeq = new HashMap<>();
  private final Map<String, Integer> liveByAccount = new HashMap<>();
  private int running;

  /**
   * A book running at most {@code concurrency} jobs at once.
   *
   * @throws IllegalArgumentException if {@code concurrency < 1}
   */
  public JobBook(int concurrency) {
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be >= 1, was " + concurrency);
    }
    this.concurrency = concurrency;
  }

  /**
   * Accepts a job of the anonymous account {@code ""}, uncapped: it enters {@code in_queue} at the
   * back of the queue. Call {@link #startReady()} next.
   *
   * @throws IllegalArgumentException if the request_id is already known
   */
  public Entry submit(
      String requestId, String modelId, JsonNode body, FaultPlan.JobDraw draw, Instant now) {
    return admit(requestId, "", modelId, body, () -> draw, 0, now).orElseThrow();
  }

  /**
   * Accepts a job unless its account already has {@code cap} live jobs ({@code in_queue} or {@code
   * in_progress}): it enters {@code in_queue} at the back of the queue. Call {@link #startReady()}
   * next.
   *
   * @param draw called once, only when the job is accepted
   * @param cap most live jobs of the account, {@code 0} = no cap
   * @return the accepted job; empty when the account is at its cap
   * @throws IllegalArgumentException if the request_id is already known
   */
  public synchronized Optional<Entry> admit(
      String requestId,
      String account,
      String modelId,
      JsonNode body,
      Supplier<FaultPlan.JobDraw> draw,
      int cap,
      Instant now) {
    if (entries.containsKey(requestId)) {
      throw new IllegalArgumentException("duplicate request_id " + requestId);
    }
    int live = liveByAccount.getOrDefault(account, 0);
    if (cap > 0 && live >= cap) {
      return Optional.empty();
    }
    Entry e =
        new Entry(
            requestId,
            account,
            modelId,
            body,
            draw.get(),
            State.IN_QUEUE,
            now,
            null,
            null,
            null,
            null);
    entries.put(requestId, e);
    long seq = waiting.admit();
    seqById.put(requestId, seq);
    idBySeq.put(seq, requestId);
    liveByAccount.put(account, live + 1);
    return Optional.of(e);
  }

  /**
   * Moves queued jobs to {@code in_progress} while slots are free; returns those started, in order.
   */
  public synchronized List<Entry> startReady() {
    List<Entry> started = new ArrayList<>();
    while (running < concurrency && waiting.size() > 0) {
      String id = idBySeq.remove(waiting.pollFirst());
      seqById.remove(id);
      // every waiting sequence number names a known job
      Entry e =
          Objects.requireNonNull(entries.get(id), "entry")
              .to(State.IN_PROGRESS, null, null, null, null);
      entries.put(id, e);
      running++;
      started.add(e);
    }
    return started;
  }

  /** The job, if known. */
  public synchronized Optional<Entry> find(String requestId) {
    return Optional.ofNullable(entries.get(requestId));
  }

  /** The 1-based position of a queued job, in O(log n); empty when it is not waiting. */
  public synchronized OptionalInt queuePosition(String requestId) {
    Long seq = seqById.get(requestId);
    return seq == null ? OptionalInt.empty() : OptionalInt.of(waiting.position(seq));
  }

  /** How many jobs wait {@code in_queue}. */
  public synchronized int queued() {
    return waiting.size();
  }

  /** How many jobs of {@code account} are live ({@code in_queue} or {@code in_progress}). */
  public synchronized int live(String account) {
    return liveByAccount.getOrDefault(account, 0);
  }

  /**
   * Cancels a job if it is still queued.
   *
   * @return empty when the request_id is unknown
   */
  public synchronized Optional<CancelResult> cancel(String requestId, Instant now) {
    Entry e = entries.get(requestId);
    if (e == null) {
      return Optional.empty();
    }
    if (e.state() != State.IN_QUEUE) {
      return Optional.of(new CancelResult(e, false));
    }
    Long seq = Objects.requireNonNull(seqById.remove(requestId), "seq"); // a queued job has one
    idBySeq.remove(seq);
    waiting.remove(seq);
    Entry c = e.to(State.CANCELLED, now, null, null, null);
    entries.put(requestId, c);
    release(e.account());
    return Optional.of(new CancelResult(c, true));
  }

  /**
   * Ends a running job with outputs, at no cost, and frees its slot.
   *
   * @throws IllegalStateException if the job is not {@code in_progress}
   */
  public synchronized Entry complete(String requestId, JsonNode output, Instant now) {
    return complete(requestId, output, 0.0, now);
  }

  /**
   * Ends a running job with outputs and frees its slot.
   *
   * @param costUsd what it cost, USD (shown by {@code result?include_cost=true})
   * @throws IllegalStateException if the job is not {@code in_progress}
   */
  public synchronized Entry complete(
      String requestId, JsonNode output, double costUsd, Instant now) {
    return finish(requestId, State.COMPLETED, output, null, costUsd, now);
  }

  /**
   * Ends a running job with an error message and frees its slot.
   *
   * @throws IllegalStateException if the job is not {@code in_progress}
   */
  public synchronized Entry fail(String requestId, @Nullable String message, Instant now) {
    return finish(requestId, State.FAILED, null, message, null, now);
  }

  /** How many jobs are {@code in_progress}. */
  public synchronized int running() {
    return running;
  }

  private Entry finish(
      String requestId,
      State state,
      @Nullable JsonNode output,
      @Nullable String error,
      @Nullable Double cost,
      Instant now) {
    Entry e = entries.get(requestId);
    if (e == null || e.state() != State.IN_PROGRESS) {
      throw new IllegalStateException("job " + requestId + " is not in_progress");
    }
    Entry done = e.to(state, now, output, error, cost);
    entries.put(requestId, done);
    running--;
    release(e.account());
    return done;
  }

  private void release(String account) {
    liveByAccount.merge(account, -1, (a, b) -> a + b == 0 ? null : a + b);
  }
}
