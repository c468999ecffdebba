package dev.editstream.app;

import dev.editstream.core.event.EventType;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Topics;
import dev.editstream.pipeline.EventCodec;
import dev.editstream.pipeline.kafka.TopicView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The jobs whose latest outcome is {@code failed}: the failure topic (the DLQ) folded per job,
 * minus jobs whose latest run reached {@code done} (after a replay or a re-run).
 */
public final class FailedJobs {
  private FailedJobs() {}

  /**
   * Reads the failure and done topics to their end.
   *
   * @return the latest failed event of every job that is not done, oldest failure first
   */
  public static List<JobEvent> load(String bootstrapServers, Topics topics) {
    try (TopicView<JobEvent> view =
        TopicView.start(
            bootstrapServers,
            List.of(topics.failed(), topics.done()),
            r -> EventCodec.decode(r.value()),
            FailedJobs::latest,
            Duration.ofMinutes(2))) {
      List<JobEvent> out = new ArrayList<>();
      view.forEach(
          e -> {
            if (e.type() == EventType.FAILED) {
              out.add(e);
            }
          });
      out.sort(Comparator.comparing(JobEvent::at).thenComparing(JobEvent::jobId));
      return out;
    }
  }

  /**
   * Keeps the event of the latest run; within a run a done event over any failure, else the latest
   * failure.
   */
  static JobEvent latest(JobEvent a, JobEvent b) {
    if (a.replays() != b.replays()) {
      return a.replays() > b.replays() ? a : b;
    }
    if (a.type() == EventType.DONE || b.type() == EventType.DONE) {
      return a.type() == EventType.DONE ? a : b;
    }
    return b.at().isBefore(a.at()) ? a : b;
  }
}
