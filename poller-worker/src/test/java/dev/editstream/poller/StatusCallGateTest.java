package dev.editstream.poller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * {@link StatusCallGate}, the Reactor side of the budget, on virtual time ({@link
 * StepVerifier#withVirtualTime}): nothing sleeps.
 */
class StatusCallGateTest {
  /** 10 calls/s, no floor per job, burst 1, max deferral 1 s. */
  static final StatusCallBudget.Settings TEN =
      new StatusCallBudget.Settings(10, 0, 1, Duration.ofSeconds(1));

  static StatusCallBudget.Likelihood worth(double v) {
    return now -> v;
  }

  @Test
  void shouldLetTheFirstCheckGoAtOnceAndDeferTheOthersLikeliestFirst() {
    List<String> order = new CopyOnWriteArrayList<>();
    List<Long> at = new CopyOnWriteArrayList<>();
    StepVerifier.withVirtualTime(
            () -> {
              VirtualTimeScheduler vts = VirtualTimeScheduler.get();
              StatusCallGate gate = new StatusCallGate(TEN, vts);
              return Flux.merge(
                  check(gate, "first", 0.0, order, at, vts),
                  check(gate, "unlikely", 0.1, order, at, vts),
                  check(gate, "likely", 0.9, order, at, vts),
                  check(gate, "middle", 0.5, order, at, vts));
            })
        .expectSubscription()
        .expectNoEvent(Duration.ofMillis(99))
        .thenAwait(Duration.ofMillis(1))
        .thenAwait(Duration.ofMillis(200))
        .expectNextCount(4)
        .verifyComplete();
    assertThat(order).containsExactly("first", "likely", "middle", "unlikely");
    assertThat(at).containsExactly(0L, 100L, 200L, 300L);
  }

  static Mono<String> check(
      StatusCallGate gate,
      String name,
      double w,
      List<String> order,
      List<Long> at,
      VirtualTimeScheduler vts) {
    return gate.acquire(worth(w))
        .then(
            Mono.fromCallable(
                () -> {
                  order.add(name);
                  at.add(vts.now(TimeUnit.MILLISECONDS));
                  return name;
                }));
  }

  @Test
  void shouldLetADeferredCheckGoWithinTheMaxDeferralUnderAStreamOfLikelierOnes() {
    List<String> order = new CopyOnWriteArrayList<>();
    List<Long> at = new CopyOnWriteArrayList<>();
    StepVerifier.withVirtualTime(
            () -> {
              VirtualTimeScheduler vts = VirtualTimeScheduler.get();
              StatusCallGate gate = new StatusCallGate(TEN, vts);
              Mono<String> patient = check(gate, "patient", 0.0, order, at, vts);
              // two likelier checks every 100 ms for 3 s: more than the 10 calls/s there are
              Flux<String> likely =
                  Flux.interval(Duration.ofMillis(50), Duration.ofMillis(100), vts)
                      .take(30)
                      .flatMap(
                          i ->
                              Flux.merge(
                                  check(gate, "likely", 1.0, order, at, vts),
                                  check(gate, "likely", 1.0, order, at, vts)));
              return Flux.merge(check(gate, "first", 0, order, at, vts), patient, likely);
            })
        .thenAwait(Duration.ofSeconds(10))
        .expectNextCount(62)
        .verifyComplete();
    int i = order.indexOf("patient");
    assertThat(at.get(i)).isBetween(1_000L, 1_100L);
  }

  @Test
  void shouldWithdrawACancelledCheckWithoutSpendingACall() {
    StepVerifier.withVirtualTime(
            () -> {
              VirtualTimeScheduler vts = VirtualTimeScheduler.get();
              StatusCallGate gate = new StatusCallGate(TEN, vts);
              gate.acquire(worth(0)).subscribe(); // spends the burst
              Disposable cancelled = gate.acquire(worth(1)).subscribe();
              assertThat(gate.budget().waiting()).isEqualTo(1);
              cancelled.dispose();
              assertThat(gate.budget().waiting()).isZero();
              return Mono.delay(Duration.ofMillis(100), vts)
                  .then(gate.acquire(worth(0)))
                  .thenReturn(vts.now(TimeUnit.MILLISECONDS));
            })
        .thenAwait(Duration.ofMillis(100))
        .expectNext(0L) // the value was computed at assembly; the check went at 100 ms
        .verifyComplete();
  }

  @Test
  void shouldCountJobsInFlightForTheFloorOfTheRate() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    try {
      StatusCallGate gate = new StatusCallGate(TEN.withPerJobCallsPerSecond(0.5), vts);
      for (int i = 0; i < 40; i++) {
        gate.jobStarted();
      }
      assertThat(gate.budget().rate()).isCloseTo(20.0, within(1e-9));
      for (int i = 0; i < 40; i++) {
        gate.jobEnded();
      }
      assertThat(gate.budget().rate()).isCloseTo(10.0, within(1e-9));
    } finally {
      vts.dispose();
    }
  }
}
