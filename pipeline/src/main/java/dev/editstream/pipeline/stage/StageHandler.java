package dev.editstream.pipeline.stage;

import dev.editstream.core.event.JobEvent;
import reactor.core.publisher.Mono;

/**
 * The logic of one stage for one job, as a non-blocking function. Signal a {@link
 * dev.editstream.core.error.StageException} for a classified failure: the {@link StageRunner}
 * retries classes 69 and 75 through the stage's delay topic and fails the rest. The handler may be
 * called again for the same job after a crash (at-least-once delivery).
 */
@FunctionalInterface
public interface StageHandler {
  /** Handles one event of the stage's input topic. */
  Mono<Outcome> handle(JobEvent event);

  /**
   * Called once this stage has durably published {@code failed}, a job's final failure (never for a
   * retry), whether the handler returned it or the runner made it from an error or a spent retry
   * budget: the place to give back what the job held while this stage worked on it (a flow-control
   * permit, a tracking slot). Runs on the runner's thread; must not block. An exception is logged
   * and ignored.
   *
   * @param failed the published {@code failed} event
   */
  default void failed(JobEvent failed) {
    // nothing held by default
  }
}
