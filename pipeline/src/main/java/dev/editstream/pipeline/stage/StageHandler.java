package dev.editstream.pipeline.stage;

import dev.editstream.core.event.JobEvent;
import reactor.core.publisher.Mono;

/**
 * The logic of one stage for one job, as a non-blocking function. Signal a {@link
 * dev.editstream.core.error.StageException} for a classified failure: the {@link StageRunner}
 * retries classes 69 and 75 through the stage's delay topic and fails the rest. The handler may
 * be called again for the same job after a crash (at-least-once delivery).
 */
@FunctionalInterface
public interface StageHandler {
  /** Handles one event of the stage's input topic. */
  Mono<Outcome> handle(JobEvent event);
}
