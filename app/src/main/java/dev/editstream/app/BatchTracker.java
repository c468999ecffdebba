package dev.editstream.app;

import dev.editstream.core.event.EventType;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Topics;
import dev.editstream.pipeline.EventCodec;
import dev.editstream.pipeline.EventHead;
import dev.editstream.pipeline.kafka.ConsumerSettings;
import dev.editstream.pipeline.kafka.ReactiveKafkaConsumer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.Disposable;

/**
 * Follows the events of one batch on every job topic (its own consumer group, from the earliest
 * offset, events older than the batch's start ignored) and keeps, per job, its state, model and
 * every terminal event seen. Feeds the live progress line, the summary and the tests' checks.
 */
public final class BatchTracker implements AutoCloseable {
  /** What is known of one job. */
  public static final class JobState {
    volatile EventType last = EventType.REQUESTED;
    volatile String model;
    volatile String rule;
    final List<JobEvent> done = new ArrayList<>();
    final List<JobEvent> failed = new ArrayList<>();

    /** The model_id the router chose, or null before routing. */
    public String model() {
      return model;
    }

    /** The routing rule that fired, or null. */
    public String rule() {
      return rule;
    }

    /** Every {@code done} event of the job (exactly one when all went well). */
    public synchronized List<JobEvent> doneEvents() {
      return List.copyOf(done);
    }

    /** Every {@code failed} event of the job. */
    public synchronized List<JobEvent> failedEvents() {
      return List.copyOf(failed);
    }

    /** The latest state. */
    public EventType last() {
      return last;
    }
  }

  private final Map<String, JobState> jobs = new ConcurrentHashMap<>();
  private final Set<String> expected = ConcurrentHashMap.newKeySet();
  private final Instant since;
  private final Set<String> submitted = ConcurrentHashMap.newKeySet();
  private final Set<String> completed = ConcurrentHashMap.newKeySet();
  /** Expected jobs with a done event, and with failed events only: kept as events arrive (guarded by this). */
  private int doneCount;
  private int failedCount;
  private final ReactiveKafkaConsumer consumer;
  private final Disposable flow;

  /**
   * Starts following.
   *
   * @param since events made before this instant are ignored (earlier runs on the same topics)
   */
  public BatchTracker(String bootstrapServers, Topics topics, Instant since) {
    this.since = since;
    this.consumer = new ReactiveKafkaConsumer(ConsumerSettings.of(bootstrapServers, "editstream-tracker-" + UUID.randomUUID(),
        List.of(topics.submitted(), topics.completed(), topics.done(), topics.failed()), 100_000));
    this.flow = consumer.receive().subscribe(r -> {
      try {
        String topic = r.record().topic();
        if (topic.equals(topics.done()) || topic.equals(topics.failed())) {
          on(EventCodec.decode(r.record().value()));
        } else {
          // submitted and completed events: only their head is needed (progress and model)
          on(EventHead.read(r.record().value()));
        }
      } catch (IllegalArgumentException e) {
        // poison records are reported on the failure topic by the stage that met them
      }
      r.ack();
    });
  }

  /** Declares the jobs of the batch (valid jobs and refused lines alike). */
  public void expect(Collection<String> jobIds) {
    for (String id : jobIds) {
      JobState s = jobs.computeIfAbsent(id, k -> new JobState());
      synchronized (this) {
        if (expected.add(id)) {
          synchronized (s) {
            if (!s.done.isEmpty()) {
              doneCount++;
            } else if (!s.failed.isEmpty()) {
              failedCount++;
            }
          }
        }
      }
    }
  }

  private void on(EventHead e) {
    on(e.type(), e.jobId(), e.at(), e.modelId(), e.rule(), null);
  }

  private void on(JobEvent e) {
    on(e.type(), e.jobId(), e.at(), e.route() == null ? null : e.route().modelId(), e.route() == null ? null : e.route().rule(), e);
  }

  /** Every job seen or expected, by id. */
  public Map<String, JobState> jobs() {
    return Map.copyOf(jobs);
  }

  /** One event of a job; {@code full} is the whole event for terminal ones (kept for the summary). */
  private void on(EventType type, String jobId, Instant at, String modelId, String rule, JobEvent full) {
    if (at != null && at.isBefore(since)) {
      return;
    }
    JobState s = jobs.computeIfAbsent(jobId, k -> new JobState());
    synchronized (this) {
      synchronized (s) {
        boolean wasDone = !s.done.isEmpty();
        boolean wasFailed = !wasDone && !s.failed.isEmpty();
        apply(s, type, jobId, modelId, rule, full);
        if (expected.contains(jobId)) {
          boolean isDone = !s.done.isEmpty();
          boolean isFailed = !isDone && !s.failed.isEmpty();
          doneCount += (isDone ? 1 : 0) - (wasDone ? 1 : 0);
          failedCount += (isFailed ? 1 : 0) - (wasFailed ? 1 : 0);
        }
      }
    }
  }

  /** Applies one event to a job's state (the caller holds both locks). */
  private void apply(JobState s, EventType type, String jobId, String modelId, String rule, JobEvent full) {
    if (modelId != null) {
      s.model = modelId;
      s.rule = rule;
    }
    switch (type) {
      case SUBMITTED -> submitted.add(jobId);
      case COMPLETED -> completed.add(jobId);
      case DONE -> {
        if (full != null) {
          s.done.add(full);
        }
      }
      case FAILED -> {
        if (full != null) {
          s.failed.add(full);
        }
      }
      default -> { }
    }
    if (s.last != EventType.DONE && s.last != EventType.FAILED) {
      s.last = type;
    }
  }

  /** Whether every expected job reached a terminal state. O(1): counts kept as events arrive. */
  public synchronized boolean allTerminal() {
    return doneCount + failedCount == expected.size();
  }

  /** One line of progress: counts of the expected jobs per state. O(1), as {@link #allTerminal}. */
  public String progressLine(Duration elapsed) {
    int done;
    int failed;
    synchronized (this) {
      done = doneCount;
      failed = failedCount;
    }
    return String.format("[%6.1fs] jobs %d | submitted %d | completed %d | done %d | failed %d | in flight %d",
        elapsed.toMillis() / 1000.0, expected.size(), submitted.size(), completed.size(), done, failed, expected.size() - done - failed);
  }

  @Override
  public void close() {
    flow.dispose();
    consumer.close(Duration.ZERO);
  }
}
