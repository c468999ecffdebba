package dev.editstream.router.submit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class AccountGateTest {

  @Test
  void shouldLetEveryCallerThroughWhileOpen() {
    AccountGate g = new AccountGate(Duration.ofSeconds(30), VirtualTimeScheduler.create(), null);
    StepVerifier.create(g.acquire()).verifyComplete();
    assertThat(g.isClosed()).isFalse();
  }

  @Test
  void shouldHoldCallersInOrderReleaseOneProbePerRecheckAndEveryoneWhenTheProbeSucceeds() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AccountGate g = new AccountGate(Duration.ofSeconds(30), vts, registry);
    g.tripped("HTTP 401: Unauthorized");
    g.tripped("HTTP 401 again");
    assertThat(g.pauses()).isEqualTo(1);
    assertThat(g.reason()).isEqualTo("HTTP 401: Unauthorized");
    assertThat(
            registry.find("editstream.account.paused").gauges().stream()
                .mapToDouble(io.micrometer.core.instrument.Gauge::value)
                .sum())
        .isEqualTo(1.0);

    List<String> passed = new CopyOnWriteArrayList<>();
    Flux.range(1, 3).flatMap(i -> g.acquire().doOnSuccess(v -> passed.add("job-" + i))).subscribe();
    assertThat(g.waiting()).isEqualTo(3);
    vts.advanceTimeBy(Duration.ofSeconds(29));
    assertThat(passed).isEmpty();
    vts.advanceTimeBy(Duration.ofSeconds(1));
    assertThat(passed).containsExactly("job-1");
    // the probe was refused again: it goes back to the head, and the next tick probes it first
    g.tripped("HTTP 401 still");
    g.acquire(true).doOnSuccess(v -> passed.add("job-1 again")).subscribe();
    vts.advanceTimeBy(Duration.ofSeconds(30));
    assertThat(passed).containsExactly("job-1", "job-1 again");
    g.succeeded();
    assertThat(passed).containsExactly("job-1", "job-1 again", "job-2", "job-3");
    assertThat(g.isClosed()).isFalse();
    assertThat(
            registry.find("editstream.account.paused").gauges().stream()
                .mapToDouble(io.micrometer.core.instrument.Gauge::value)
                .sum())
        .isEqualTo(0.0);
    assertThat(g.pauses()).isEqualTo(1);
  }

  @Test
  void shouldProbeTheFreeBalanceInsteadOfLettingAPaidSubmitThroughAndOpenWhenItShowsMoney() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    java.util.Deque<reactor.core.publisher.Mono<Boolean>> answers =
        new java.util.ArrayDeque<>(
            List.of(
                reactor.core.publisher.Mono.just(false),
                reactor.core.publisher.Mono.error(new IllegalStateException("HTTP 503")),
                reactor.core.publisher.Mono.just(true)));
    java.util.concurrent.atomic.AtomicInteger probes =
        new java.util.concurrent.atomic.AtomicInteger();
    AccountGate g =
        new AccountGate(Duration.ofSeconds(30), vts, null)
            .withBalanceProbe(
                () -> {
                  probes.incrementAndGet();
                  return answers.poll();
                });
    g.tripped("HTTP 402: no remaining balance");
    List<String> passed = new CopyOnWriteArrayList<>();
    Flux.range(1, 3).flatMap(i -> g.acquire().doOnSuccess(v -> passed.add("job-" + i))).subscribe();

    vts.advanceTimeBy(Duration.ofSeconds(60));
    assertThat(probes).hasValue(2);
    assertThat(passed).as("no job goes through as a paid probe").isEmpty();
    assertThat(g.isClosed()).isTrue();

    vts.advanceTimeBy(Duration.ofSeconds(30));
    assertThat(probes).hasValue(3);
    assertThat(passed).containsExactly("job-1", "job-2", "job-3");
    assertThat(g.isClosed()).isFalse();
    vts.advanceTimeBy(Duration.ofMinutes(5));
    assertThat(probes).as("no probe while open").hasValue(3);
  }

  @Test
  void shouldRefuseANonPositiveRecheckInterval() {
    assertThatThrownBy(() -> new AccountGate(Duration.ZERO, VirtualTimeScheduler.create(), null))
        .hasMessageContaining("recheck");
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({
    "http_401,auth",
    "http_403,auth",
    "http_401_401001,auth",
    "http_402,balance",
    "http_400_insufficient_balance,balance",
    "http_400,other",
    ",other"
  })
  void shouldTagAPauseByItsCause(String failureReason, String tag) {
    assertThat(AccountGate.category(failureReason)).isEqualTo(tag);
    assertThat(AccountGate.REASONS).contains(tag);
  }

  @Test
  void shouldTagAPauseByTheTypedReasonAndStatusOfTheFailure() {
    var noToken =
        new dev.editstream.core.error.StageException(
            dev.editstream.core.error.ExitClass.NOPERM,
            dev.editstream.core.event.FailureReason.NO_TOKEN,
            "no token");
    var refused =
        new dev.editstream.core.error.StageException(
            dev.editstream.core.error.ExitClass.NOPERM,
            "http_403_403001",
            "refused",
            null,
            403,
            403001);
    var broke =
        new dev.editstream.core.error.StageException(
            dev.editstream.core.error.ExitClass.NOPERM,
            dev.editstream.core.event.FailureReason.NO_BALANCE,
            "balance 0");
    var gateway =
        new dev.editstream.core.error.StageException(
            dev.editstream.core.error.ExitClass.UNAVAILABLE,
            "http_502",
            "bad gateway",
            null,
            502,
            null);
    assertThat(AccountGate.category(noToken)).isEqualTo("auth");
    assertThat(AccountGate.category(refused)).isEqualTo("auth");
    assertThat(AccountGate.category(broke)).isEqualTo("balance");
    assertThat(AccountGate.category(gateway)).isEqualTo("other");
  }
}
