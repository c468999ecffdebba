package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.event.JobEvent;
import dev.editstream.core.job.Job;
import dev.editstream.pipeline.stage.Outcome;
import dev.editstream.pipeline.stage.StageHandler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class DeferredHandlerTest {
  private static final JobEvent EVENT =
      JobEvent.requested(
          new Job(
              "j1",
              "warmer",
              List.of("https://cdn.example.com/a.png"),
              null,
              null,
              null,
              null,
              null),
          Instant.EPOCH);

  /** A handler that answers every event with an empty publish and records failures. */
  private static final class Recording implements StageHandler {
    final List<String> handled = new CopyOnWriteArrayList<>();
    final List<String> failed = new CopyOnWriteArrayList<>();

    @Override
    public Mono<Outcome> handle(JobEvent event) {
      handled.add(event.jobId());
      return Mono.just(new Outcome.Publish(List.of()));
    }

    @Override
    public void failed(JobEvent e) {
      failed.add(e.jobId());
    }
  }

  @Test
  void shouldHoldRecordsUntilTheHandlerIsBuiltAndThenPassThem() {
    CompletableFuture<StageHandler> future = new CompletableFuture<>();
    DeferredHandler deferred = new DeferredHandler(future);
    Recording real = new Recording();

    StepVerifier.create(deferred.handle(EVENT))
        .expectSubscription()
        .expectNoEvent(Duration.ofMillis(50))
        .then(() -> future.complete(real))
        .expectNextMatches(o -> o instanceof Outcome.Publish)
        .verifyComplete();
    assertThat(real.handled).containsExactly("j1");

    StepVerifier.create(deferred.handle(EVENT)).expectNextCount(1).verifyComplete();
    assertThat(real.handled).containsExactly("j1", "j1");
  }

  @Test
  void shouldLeaveRecordsWaitingWhenTheHandlerCannotBeBuilt() {
    CompletableFuture<StageHandler> future = new CompletableFuture<>();
    DeferredHandler deferred = new DeferredHandler(future);
    future.completeExceptionally(new IllegalStateException("ledger view failed"));

    StepVerifier.create(deferred.handle(EVENT))
        .expectSubscription()
        .expectNoEvent(Duration.ofMillis(100))
        .thenCancel()
        .verify();
    deferred.failed(EVENT); // nothing to tell, and no exception
  }

  @Test
  void shouldPassFinalFailuresOnlyOnceTheHandlerIsBuilt() {
    CompletableFuture<StageHandler> future = new CompletableFuture<>();
    DeferredHandler deferred = new DeferredHandler(future);
    Recording real = new Recording();

    deferred.failed(EVENT);
    future.complete(real);
    assertThat(real.failed).as("held nothing before it existed").isEmpty();
    deferred.failed(EVENT);
    assertThat(real.failed).containsExactly("j1");
  }
}
