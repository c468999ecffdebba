package dev.editstream.pipeline.stage;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.event.FailureReason;
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
  record Fail(ExitClass exitClass, FailureReason reason, String reasonText, String message)
      implements Outcome {
    /**
     * {@code reasonText} {@code null} means {@code reason.wire()}; {@code reason} {@code null}
     * means {@code fromWire(reasonText)}.
     */
    public Fail {
      java.util.Objects.requireNonNull(exitClass, "exitClass");
      if (reason == null) {
        reason = FailureReason.fromWire(java.util.Objects.requireNonNull(reasonText, "reason"));
      }
      if (reasonText == null) {
        reasonText = reason.wire();
      }
    }

    /** A failure whose wire text is the reason's own. */
    public Fail(ExitClass exitClass, FailureReason reason, String message) {
      this(exitClass, reason, java.util.Objects.requireNonNull(reason, "reason").wire(), message);
    }
  }

  /** One event for one topic. */
  record Emit(String topic, JobEvent event) {}

  /** Publish one event. */
  static Outcome publish(String topic, JobEvent event) {
    return new Publish(List.of(new Emit(topic, event)));
  }
}
