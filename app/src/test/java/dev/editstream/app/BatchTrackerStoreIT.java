package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.editstream.core.event.EventType;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.RemoteRun;
import dev.editstream.core.event.Topics;
import dev.editstream.localkafka.EmbeddedKafka;
import dev.editstream.pipeline.kafka.EventPublisher;
import dev.editstream.pipeline.kafka.TopicAdmin;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BatchTracker} with a local store, on a real broker: a restart reads only what was
 * published since, a record read twice changes nothing, and the counts kept as folds change equal
 * those of a tracker that read the whole history in memory.
 */
class BatchTrackerStoreIT {
  private static EmbeddedKafka kafka;
  private static EventPublisher publisher;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    kafka = EmbeddedKafka.start(null);
    publisher = new EventPublisher(kafka.bootstrapServers(), "tracker-it", Map.of());
  }

  @AfterAll
  static void stop() {
    publisher.close();
    kafka.close();
  }

  /** A run's events with a cost of 0.25 USD on its done event. */
  private static List<JobEvent> run(String id, boolean done) {
    List<JobEvent> events = new ArrayList<>(JobFoldTest.run(JobFoldTest.job(id, "p"), 0, done, 0));
    JobEvent end = events.get(3);
    if (end.type() == EventType.DONE) {
      events.set(3, end.toBuilder().remote(RemoteRun.cost(0.25)).build());
    }
    return events;
  }

  private static void publish(Topics topics, List<JobEvent> events) {
    for (JobEvent e : events) {
      String topic =
          switch (e.type()) {
            case REQUESTED -> topics.requested();
            case SUBMITTED -> topics.submitted();
            case COMPLETED -> topics.completed();
            case DONE -> topics.done();
            case FAILED -> topics.failed();
          };
      publisher.publish(topic, e).block(Duration.ofSeconds(30));
    }
  }

  private static List<String> ids(int from, int to) {
    List<String> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add("j" + i);
    }
    return out;
  }

  @Test
  void shouldResumeFromItsStoreWithTheCountsOfAWholeRead() {
    Topics topics = new Topics("tracker-store");
    TopicAdmin.ensureTopics(kafka.bootstrapServers(), topics.all(), 2, (short) 1);
    List<JobEvent> later = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      List<JobEvent> events = run("j" + i, i < 10 || i >= 20);
      if (i < 20) {
        publish(topics, events); // j0-j9 done, j10-j19 failed
      } else if (i < 25) {
        publish(topics, events.subList(0, 2)); // j20-j24 submitted
        later.addAll(events.subList(2, 4));
      } else {
        publish(topics, events.subList(0, 1)); // j25-j29 requested
        later.addAll(events.subList(1, 4));
      }
    }
    List<String> batch = ids(0, 40); // j30-j39: expected, never seen
    try (BatchTracker t = new BatchTracker(kafka.bootstrapServers(), topics, null, dir)) {
      assertThat(t.storeFile()).isNotNull();
      assertThat(t.recordsReadAtStart()).isEqualTo(10 * 4 + 10 * 4 + 5 * 2 + 5);
      t.expect(batch);
      assertThat(t.counts()).isEqualTo(new BatchTracker.Counts(40, 10, 10, 5, 15, 2.5));
      publish(topics, later.subList(0, 10)); // j20-j24 end done while the tracker tails
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(t.counts())
                      .isEqualTo(new BatchTracker.Counts(40, 15, 10, 0, 15, 3.75)));
      assertThat(t.allTerminal()).isFalse();
    }
    // while no tracker runs: j25-j29 end done, and an event already read is published again
    publish(topics, later.subList(10, later.size()));
    publish(topics, List.of(run("j0", true).get(3)));
    try (BatchTracker t = new BatchTracker(kafka.bootstrapServers(), topics, null, dir);
        BatchTracker whole = new BatchTracker(kafka.bootstrapServers(), topics, null)) {
      assertThat(t.recordsReadAtStart()).as("only what was published since").isEqualTo(15 + 1);
      assertThat(whole.recordsReadAtStart()).isEqualTo(95 + 10 + 16);
      t.expect(batch);
      whole.expect(batch);
      BatchTracker.Counts c = new BatchTracker.Counts(40, 20, 10, 0, 10, 5.0);
      assertThat(t.counts()).isEqualTo(c);
      assertThat(whole.counts()).isEqualTo(c);
      assertThat(t.fold("j0")).isEqualTo(whole.fold("j0"));
      assertThat(t.fold("j0").done()).as("the done event read twice is kept once").hasSize(1);
      assertThat(t.expectedJobs().keySet()).isEqualTo(whole.expectedJobs().keySet());
      assertThat(t.allTerminal()).isFalse();
      t.expect(ids(0, 30), Map.of());
      assertThat(t.counts()).as("a job declared twice counts once").isEqualTo(c);
    }
  }

  @Test
  void shouldCountAReRunJobAsQueuedUntilAnEventOfItsRunArrives() {
    Topics topics = new Topics("tracker-rerun");
    TopicAdmin.ensureTopics(kafka.bootstrapServers(), topics.all(), 2, (short) 1);
    publish(topics, run("r1", true));
    try (BatchTracker t = new BatchTracker(kafka.bootstrapServers(), topics, null, dir)) {
      t.expect(List.of("r1"), Map.of("r1", 1));
      assertThat(t.counts()).isEqualTo(new BatchTracker.Counts(1, 0, 0, 0, 1, 0.0));
      List<JobEvent> second = JobFoldTest.run(JobFoldTest.job("r1", "p"), 1, false, 3);
      publish(topics, second.subList(0, 2));
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> assertThat(t.counts()).isEqualTo(new BatchTracker.Counts(1, 0, 0, 1, 0, 0.0)));
      publish(topics, second.subList(2, 4));
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> assertThat(t.counts()).isEqualTo(new BatchTracker.Counts(1, 0, 1, 0, 0, 0.0)));
      assertThat(t.allTerminal()).isTrue();
    }
  }
}
