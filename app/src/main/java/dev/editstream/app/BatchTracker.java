package dev.editstream.app;

import dev.editstream.core.event.EventType;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Topics;
import dev.editstream.pipeline.EventCodec;
import dev.editstream.pipeline.EventHead;
import dev.editstream.pipeline.kafka.TopicView;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

/**
 * Follows the jobs of a batch on every job topic ({@code requested}, {@code submitted}, {@code
 * completed}, {@code done}, {@code failed}): reads their whole history from the earliest offset (no
 * consumer group), folds each job's events into a {@link JobFold} (its latest run), and keeps
 * tailing. The constructor returns once the history is read, so a resumed batch knows at once which
 * of its jobs ended, whenever they ended. Feeds the resume plan, the live progress line, the
 * summary, {@code editstream status} and the tests' checks.
 *
 * <p>With a state folder the folds live in a local store ({@link TopicView.Local}, one file per
 * topic prefix) and a restart reads only the records published since its last checkpoint; without
 * one they live in memory and every start reads the whole history. Either way the counts of the
 * expected jobs are kept as their folds change, so {@link #counts()} and {@link #allTerminal()}
 * walk nothing; memory grows with the expected jobs (an id and a state each), and without a store
 * also with the jobs on the topics.
 */
public final class BatchTracker implements AutoCloseable {
  /** How long the first read of the history may go without reading a record. */
  static final Duration CATCH_UP = Duration.ofMinutes(2);

  /** What is known of one job: a read-only face of its {@link JobFold}. */
  public static final class JobState {
    private final @Nullable JobFold fold;

    JobState(@Nullable JobFold fold) {
      this.fold = fold;
    }

    /** The model_id the router chose, or null before routing. */
    public @Nullable String model() {
      return fold == null ? null : fold.model();
    }

    /** The routing rule that fired, or null. */
    public @Nullable String rule() {
      return fold == null ? null : fold.rule();
    }

    /** Every {@code done} event of the job's latest run (exactly one when all went well). */
    public List<JobEvent> doneEvents() {
      return fold == null ? List.of() : fold.done();
    }

    /** Every {@code failed} event of the job's latest run. */
    public List<JobEvent> failedEvents() {
      return fold == null ? List.of() : fold.failed();
    }

    /** The furthest state of the latest run ({@code requested} when nothing was seen yet). */
    public EventType last() {
      return fold == null ? EventType.REQUESTED : fold.phase();
    }

    /** The fold behind this state, or null when no event of the job was seen. */
    public @Nullable JobFold fold() {
      return fold;
    }
  }

  /**
   * Counts over the expected jobs, one pass.
   *
   * @param total expected jobs
   * @param done ended done
   * @param failed ended failed
   * @param submitted submitted or further, not ended
   * @param queued seen or expected, not submitted yet
   * @param costUsd RunComfy's actual cost of the done jobs, USD
   */
  public record Counts(int total, int done, int failed, int submitted, int queued, double costUsd) {
    /** Jobs not ended. */
    public int inFlight() {
      return total - done - failed;
    }
  }

  /** The state of an expected job, as {@link Counts} counts it. */
  private static final byte QUEUED = 0;

  private static final byte SUBMITTED = 1;
  private static final byte DONE = 2;
  private static final byte FAILED = 3;

  /**
   * A fold's bytes in the local store: its JSON (snake_case, the kept done events whole). Its
   * {@code decode} throws {@link java.io.UncheckedIOException} when the bytes are not a fold.
   */
  static final TopicView.Codec<JobFold> CODEC = TopicView.Codec.json(JobFold.class);

  private final TopicView<JobFold> view;

  /** The expected jobs and the state each is counted in; guarded by {@code this} for writes. */
  private final Map<String, Byte> expected = new ConcurrentHashMap<>();

  private int done;
  private int failed;
  private int submitted;
  private double costUsd;

  /**
   * The run each re-run job is published with: a fold of an earlier run is not this run's state.
   */
  private final Map<String, Integer> runs = new ConcurrentHashMap<>();

  /**
   * Reads the history and starts tailing, the folds in memory.
   *
   * @param since events made before this instant are ignored (earlier runs on shared topics), or
   *     null to read every event (a resumed batch)
   * @throws IllegalStateException if the topics cannot be read within {@link #CATCH_UP}
   */
  public BatchTracker(String bootstrapServers, Topics topics, @Nullable Instant since) {
    this(bootstrapServers, topics, since, null);
  }

  /**
   * Reads the history (with a store: only what was published since its last checkpoint) and starts
   * tailing.
   *
   * @param since events made before this instant are ignored (earlier runs on shared topics), or
   *     null to read every event (a resumed batch); with {@code since} the folds stay in memory
   * @param stateDir the folder of the local store ({@code --state-dir}), or null for memory
   * @throws IllegalStateException if the topics cannot be read within {@link #CATCH_UP}
   */
  public BatchTracker(
      String bootstrapServers, Topics topics, @Nullable Instant since, @Nullable Path stateDir) {
    this.view =
        TopicView.start(
            bootstrapServers,
            List.of(
                topics.requested(),
                topics.submitted(),
                topics.completed(),
                topics.done(),
                topics.failed()),
            r -> decode(r, topics, since),
            JobFold::merge,
            CATCH_UP,
            stateDir == null || since != null
                ? null
                : new TopicView.Local<>(stateDir, topics.prefix() + ".jobs", CODEC),
            this::changed);
  }

  private static @Nullable JobFold decode(
      ConsumerRecord<String, byte[]> r, Topics topics, @Nullable Instant since) {
    String topic = r.topic();
    if (topic.equals(topics.submitted()) || topic.equals(topics.completed())) {
      // only their head is needed (phase, model, request_id)
      EventHead h = EventHead.read(r.value());
      if (since != null && h.at() != null && h.at().isBefore(since)) {
        return null;
      }
      return JobFold.of(
          h.type(), h.replays(), shared(h.modelId()), shared(h.rule()), h.requestId(), h.at());
    }
    JobEvent e = EventCodec.decode(r.value());
    if (since != null && e.at() != null && e.at().isBefore(since)) {
      return null;
    }
    return kept(JobFold.of(e));
  }

  /**
   * What the tracker keeps of a job's fold: the model, rule and batch label as one shared string
   * each (a batch has few distinct ones), and of a {@code done} event what its readers use (time,
   * submission, files, RunComfy's run and cost, history), without the job line, the request body
   * and the output URLs, which the files repeat. A million done jobs took 2.35 KB of heap each
   * before (scenario (v) in docs/benchmarks.md).
   */
  static JobFold kept(JobFold f) {
    return new JobFold(
        f.replays(),
        f.phase(),
        f.fingerprint(),
        shared(f.model()),
        shared(f.rule()),
        f.requestId(),
        shared(f.batch()),
        f.done().stream()
            .map(d -> d.toBuilder().job(null).body(null).outputs(null).build())
            .toList(),
        f.failed(),
        f.lastAt());
  }

  /** The one shared instance of a repeated string (JVM string table; unused ones are collected). */
  private static @Nullable String shared(@Nullable String s) {
    return s == null ? null : s.intern();
  }

  /** Declares the jobs of the batch (valid jobs and refused lines alike). */
  public void expect(Collection<String> jobIds) {
    expect(jobIds, Map.of());
  }

  /**
   * Declares the jobs of the batch and the run each re-run job is published with: until an event of
   * that run is read, such a job reads as queued, not as the earlier run's end (else a re-run of a
   * done job would count as done before it started).
   *
   * @param jobIds the batch's job ids
   * @param runs per job id, the replay count it is published with (ids absent: any run)
   */
  public synchronized void expect(Collection<String> jobIds, Map<String, Integer> runs) {
    this.runs.putAll(runs);
    for (String id : jobIds) {
      if (!expected.containsKey(id)) {
        JobFold f = fold(id);
        byte state = stateOf(f);
        expected.put(id, state);
        count(state, f, +1);
      }
    }
  }

  /** A fold changed (the view's thread): moves an expected job from one count to another. */
  private synchronized void changed(String jobId, @Nullable JobFold before, JobFold after) {
    Byte was = expected.get(jobId);
    if (was == null) {
      return;
    }
    JobFold now = visible(jobId, after);
    byte state = stateOf(now);
    if (state != was) {
      count(was, visible(jobId, before), -1);
      count(state, now, +1);
      expected.put(jobId, state);
    }
  }

  private void count(byte state, @Nullable JobFold f, int sign) {
    switch (state) {
      case DONE -> {
        done += sign;
        Double cost = f == null ? null : f.costUsd();
        costUsd += cost == null ? 0 : sign * cost;
      }
      case FAILED -> failed += sign;
      case SUBMITTED -> submitted += sign;
      default -> {}
    }
  }

  /** The state {@link Counts} counts a job's visible fold in. */
  static byte stateOf(@Nullable JobFold f) {
    if (f == null) {
      return QUEUED;
    }
    if (f.isDone()) {
      return DONE;
    }
    if (f.isFailed()) {
      return FAILED;
    }
    return f.phase() == EventType.REQUESTED ? QUEUED : SUBMITTED;
  }

  /**
   * The fold of one job's latest run, or null when no event of it was read (or, for a job declared
   * with a run by {@link #expect(Collection, Map)}, no event of that run or a later one).
   */
  public @Nullable JobFold fold(String jobId) {
    return visible(jobId, view.get(jobId).orElse(null));
  }

  /** {@code f} if it is of the run the job is expected with (or a later one), else null. */
  private @Nullable JobFold visible(String jobId, @Nullable JobFold f) {
    Integer run = runs.get(jobId);
    return f == null || run == null || f.replays() >= run ? f : null;
  }

  /**
   * Visits the fold of every job seen on the topics, one at a time (from the store, in key order,
   * when the view has one): for a caller that aggregates, without holding every fold at once as
   * {@link #jobs()} does.
   */
  public void forEachFold(java.util.function.BiConsumer<String, JobFold> action) {
    view.forEachEntry(action);
  }

  /** Every job expected or seen, by id (a snapshot). */
  public Map<String, JobState> jobs() {
    Map<String, JobState> out = new HashMap<>();
    view.forEachEntry((id, f) -> out.put(id, new JobState(f)));
    for (String id : expected.keySet()) {
      out.putIfAbsent(id, new JobState(null));
    }
    return out;
  }

  /** The expected jobs only, by id (a snapshot; a job with no event yet has an empty state). */
  public Map<String, JobState> expectedJobs() {
    Map<String, JobState> out = new HashMap<>();
    for (String id : expected.keySet()) {
      out.put(id, new JobState(fold(id)));
    }
    return out;
  }

  /** Counts over the expected jobs (kept as their folds change: nothing is walked). */
  public synchronized Counts counts() {
    int total = expected.size();
    return new Counts(total, done, failed, submitted, total - done - failed - submitted, costUsd);
  }

  /** Whether every expected job reached a terminal state. */
  public synchronized boolean allTerminal() {
    return done + failed == expected.size();
  }

  /** One line of progress: counts of the expected jobs per state. */
  public String progressLine(Duration elapsed) {
    Counts c = counts();
    return String.format(
        "[%6.1fs] jobs %d | submitted %d | done %d | failed %d | in flight %d",
        elapsed.toMillis() / 1000.0, c.total(), c.submitted(), c.done(), c.failed(), c.inFlight());
  }

  /**
   * Records read before the tracker first caught up: the five topics' whole history in memory,
   * those since the last checkpoint with a store.
   */
  public long recordsReadAtStart() {
    return view.recordsReadAtStart();
  }

  /** The local store's file, or null when the folds are in memory. */
  public @Nullable Path storeFile() {
    return view.storeFile();
  }

  /** Jobs seen on the topics. */
  public int size() {
    return view.size();
  }

  @Override
  public void close() {
    view.close();
  }
}
