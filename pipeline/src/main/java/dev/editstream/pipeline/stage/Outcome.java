package dev.editstream.pipeline.stage;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.event.JobEvent;
import java.util.List;

/** What a stage decided for one job: events to publish, or a final failure. */
public sealed interface Outcome {

  /**
   * Publish these events (usually one: the next state of the job).
   *
   * @param emits topic and event pairs, published in order
   */
  record Publish(List<Emit> emits) implements Outcome {
    public Publish {
      emits = List.copyOf(emits);
    }
  }

  /**
   * End the job on the failure topic now, whatever the class (e.g. a deadline, class 75, must not
   * be retried).
   */
  record Fail(ExitClass exitClass, String reason, String message) implements Outcome {}

  /** One event for one topic. */
  record Emit(String topic, JobEvent event) {}

  /** Publish one event. */
  static Outcome publish(String topic, JobEvent event) {
    return new Publish(List.of(new Emit(topic, event)));
  }
}
