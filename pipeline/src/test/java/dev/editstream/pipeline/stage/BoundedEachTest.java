package dev.editstream.pipeline.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

/**
 * {@link BoundedEach}: bounded concurrency, completion, errors and cancellation, in virtual time.
 */
class BoundedEachTest {

  /** Work that takes {@code ms} of (virtual) time and counts how many run at once. */
  static final class Meter {
    final AtomicInteger now = new AtomicInteger();
    final AtomicInteger peak = new AtomicInteger();
    final List<Integer> done = Collections.synchronizedList(new ArrayList<>());

    Mono<Void> work(int i, long ms) {
      return Mono.defer(
          () -> {
            peak.accumulateAndGet(now.incrementAndGet(), Math::max);
            // counted down before the piece's completion travels on (a doFinally would run after
            // the next piece had started)
            return Mono.delay(Duration.ofMillis(ms))
                .doOnNext(
                    t -> {
                      done.add(i);
                      now.decrementAndGet();
                    })
                .then();
          });
    }
  }

  @Test
  void shouldRunEveryElementWithAtMostTheConcurrencyAtOnceAndCompleteAfterTheLast() {
    Meter m = new Meter();
    StepVerifier.withVirtualTime(
            () -> BoundedEach.of(Flux.range(0, 100), i -> m.work(i, 10 + (i % 7)), 8))
        .expectSubscription()
        .thenAwait(Duration.ofMillis(50))
        .then(() -> assertThat(m.peak.get()).isEqualTo(8))
        .thenAwait(Duration.ofSeconds(1))
        .verifyComplete();
    assertThat(m.done).hasSize(100).doesNotHaveDuplicates();
    assertThat(m.peak.get()).isEqualTo(8);
    assertThat(m.now.get()).isZero();
  }

  @Test
  void shouldWaitForRunningWorkAfterTheSourceCompletes() {
    Meter m = new Meter();
    StepVerifier.withVirtualTime(() -> BoundedEach.of(Flux.range(0, 3), i -> m.work(i, 100), 10))
        .expectSubscription()
        .thenAwait(Duration.ofMillis(99))
        .then(() -> assertThat(m.done).isEmpty())
        .thenAwait(Duration.ofMillis(1))
        .verifyComplete();
    assertThat(m.done).containsExactlyInAnyOrder(0, 1, 2);
  }

  @Test
  void shouldAskTheSourceForOneMoreElementPerEndedPiece() {
    TestPublisher<Integer> source = TestPublisher.create();
    Sinks.Empty<Void> gate = Sinks.empty();
    StepVerifier.create(BoundedEach.of(source.flux(), i -> gate.asMono(), 3))
        .then(() -> source.assertMinRequested(3).assertMaxRequested(3))
        .then(() -> source.next(1, 2, 3))
        .then(() -> source.assertMaxRequested(0))
        .then(gate::tryEmitEmpty)
        .then(() -> source.assertMinRequested(3).assertMaxRequested(3))
        .then(source::complete)
        .verifyComplete();
  }

  @Test
  void shouldIgnoreTheValuesOfWorkThatEmitsAndCompleteOnAnEmptySource() {
    StepVerifier.create(BoundedEach.of(Flux.range(0, 5), i -> Mono.just("v" + i), 2))
        .verifyComplete();
    StepVerifier.create(BoundedEach.of(Flux.<Integer>empty(), i -> Mono.empty(), 2))
        .verifyComplete();
  }

  @Test
  void shouldFailWithTheFirstErrorAndCancelTheSourceAndTheRunningWork() {
    TestPublisher<Integer> source = TestPublisher.create();
    AtomicBoolean otherCancelled = new AtomicBoolean();
    StepVerifier.withVirtualTime(
            () ->
                BoundedEach.of(
                    source.flux(),
                    i ->
                        i == 2
                            ? Mono.delay(Duration.ofMillis(5))
                                .then(Mono.error(new IllegalStateException("boom 2")))
                            : Mono.never().doOnCancel(() -> otherCancelled.set(true)),
                    4))
        .expectSubscription()
        .then(() -> source.next(1, 2))
        .thenAwait(Duration.ofMillis(5))
        .expectErrorMessage("boom 2")
        .verify();
    source.assertCancelled();
    assertThat(otherCancelled).isTrue();
  }

  @Test
  void shouldFailWhenTheWorkFunctionThrowsOrReturnsNull() {
    StepVerifier.create(
            BoundedEach.of(
                Flux.range(0, 3),
                i -> {
                  throw new IllegalArgumentException("bad element " + i);
                },
                2))
        .expectErrorMessage("bad element 0")
        .verify();
    StepVerifier.create(BoundedEach.of(Flux.range(0, 3), i -> null, 2))
        .expectErrorMessage("work returned null")
        .verify();
  }

  @Test
  void shouldPassOnTheSourcesError() {
    StepVerifier.create(
            BoundedEach.of(
                Flux.concat(Flux.range(0, 2), Flux.error(new IllegalStateException("source"))),
                i -> Mono.empty(),
                2))
        .expectErrorMessage("source")
        .verify();
  }

  @Test
  void shouldCancelTheSourceAndEveryRunningPieceWhenCancelled() {
    TestPublisher<Integer> source = TestPublisher.create();
    AtomicInteger cancelled = new AtomicInteger();
    StepVerifier.create(
            BoundedEach.of(
                source.flux(), i -> Mono.never().doOnCancel(cancelled::incrementAndGet), 5))
        .then(() -> source.next(1, 2, 3))
        .thenCancel()
        .verify();
    source.assertCancelled();
    assertThat(cancelled.get()).isEqualTo(3);
  }

  @Test
  void shouldRefuseAConcurrencyBelowOne() {
    assertThatThrownBy(() -> BoundedEach.of(Flux.just(1), i -> Mono.empty(), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("concurrency must be >= 1, was 0");
  }

  @Test
  void shouldNotGrowTheStackWhenEveryPieceEndsAtOnce() {
    // synchronous work on a synchronous source: each end asks for the next element from inside
    // the source's own delivery; a recursion per element would overflow long before a million
    AtomicInteger count = new AtomicInteger();
    StepVerifier.create(
            BoundedEach.of(
                Flux.range(0, 1_000_000), i -> Mono.fromRunnable(count::incrementAndGet), 4))
        .verifyComplete();
    assertThat(count.get()).isEqualTo(1_000_000);
  }
}
