package dev.editstream.app;

import dev.editstream.core.event.JobEvent;
import dev.editstream.pipeline.stage.Outcome;
import dev.editstream.pipeline.stage.StageHandler;
import java.util.concurrent.CompletableFuture;
import reactor.core.publisher.Mono;

/**
 * A stage handler that is still being built, so that a stage's consumer group can join while its
 * handler's parts load (the router's: the ledger's view, the catalog, the lexicons). Each record
 * waits for the handler without blocking a thread. If the handler cannot be built, the records wait
 * for ever: {@link Pipeline#start} then closes the pipeline, and the records, never acknowledged,
 * are read again by the next run.
 */
final class DeferredHandler implements StageHandler {
  private final Mono<StageHandler> handler;
  private final CompletableFuture<? extends StageHandler> future;

  /**
   * @param future completes with the handler, or exceptionally when it cannot be built
   */
  DeferredHandler(CompletableFuture<? extends StageHandler> future) {
    this.future = future;
    this.handler =
        Mono.<StageHandler>fromFuture(future, true).onErrorResume(e -> Mono.never()).cache();
  }

  @Override
  public Mono<Outcome> handle(JobEvent event) {
    return handler.flatMap(h -> h.handle(event));
  }

  /**
   * Passes a job's final failure to the handler once it is built; before that, the handler held
   * nothing for the job (the runner failed a record it never handed over: undecodable, or its retry
   * budget spent).
   */
  @Override
  public void failed(JobEvent failed) {
    StageHandler h = future.isDone() && !future.isCompletedExceptionally() ? future.join() : null;
    if (h != null) {
      h.failed(failed);
    }
  }
}
