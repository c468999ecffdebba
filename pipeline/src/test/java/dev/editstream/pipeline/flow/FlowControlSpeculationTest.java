package dev.editstream.pipeline.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Permits above a fixed limit on the forecast of unseen ends (FlowControl's speculation). */
class FlowControlSpeculationTest {
  private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();

  /** Records 50 run times of model m: 10, 20, ..., 500 ms. */
  private void learnRunTimes(FlowControl fc) {
    for (int i = 1; i <= 50; i++) {
      FlowControl.Permit p = fc.acquire("m").block();
      fc.holdUntilTerminal("learn-" + i, p);
      vts.advanceTimeBy(Duration.ofMillis(10L * i));
      assertThat(fc.terminal("learn-" + i, true)).isTrue();
    }
  }

  /**
   * Takes the one slot for request r1 at the gate's time now, and queues one acquisition.
   *
   * @return the waiter's permits (empty while it waits)
   */
  private static List<FlowControl.Permit> heldR1AndAWaiter(FlowControl fc) {
    FlowControl.Permit held = fc.acquire("m").block();
    fc.holdUntilTerminal("r1", held);
    List<FlowControl.Permit> got = new ArrayList<>();
    fc.acquire("m").subscribe(got::add);
    return got;
  }

  private static FlowControl.Settings oneSlot() {
    return FlowControl.Settings.fixed(1, 1).withSpeculation(0.9);
  }

  @Test
  void shouldGrantAboveTheLimitOnceAHeldJobHasLikelyEnded() {
    FlowControl fc = new FlowControl(oneSlot(), vts);
    learnRunTimes(fc);
    List<FlowControl.Permit> got = heldR1AndAWaiter(fc);

    vts.advanceTimeBy(Duration.ofMillis(250));
    assertThat(got).as("F(250 ms) = 0.5 < 0.9").isEmpty();
    vts.advanceTimeBy(Duration.ofMillis(200));
    assertThat(got).as("F(450 ms) = 0.9").hasSize(1);
    assertThat(got.get(0).speculative()).isTrue();
    assertThat(fc.inFlight()).isEqualTo(2);
    assertThat(fc.speculativeGrants()).isEqualTo(1);
  }

  @Test
  void shouldCountOnlyTheTimeSinceTheLastCheckThatFoundTheJobRunning() {
    FlowControl fc = new FlowControl(oneSlot(), vts);
    learnRunTimes(fc);
    List<FlowControl.Permit> got = heldR1AndAWaiter(fc);

    vts.advanceTimeBy(Duration.ofMillis(400));
    fc.running("r1");
    vts.advanceTimeBy(Duration.ofMillis(60));
    assertThat(got).as("(F(460) - F(400)) / (1 - F(400)) = 0.6").isEmpty();
    vts.advanceTimeBy(Duration.ofMillis(40));
    assertThat(got).as("(F(500) - F(400)) / (1 - F(400)) = 1").hasSize(1);
  }

  @Test
  void shouldNotSpeculateBeforeFiftyRunTimesOfTheModelAreKnown() {
    FlowControl fc = new FlowControl(oneSlot(), vts);
    List<FlowControl.Permit> got = heldR1AndAWaiter(fc);

    vts.advanceTimeBy(Duration.ofMinutes(5));

    assertThat(got).isEmpty();
    assertThat(fc.terminal("r1", true)).isTrue();
    assertThat(got).hasSize(1);
    assertThat(got.get(0).speculative()).isFalse();
  }

  @Test
  void shouldPauseOnlyTheGuessingWhenASpeculativePermitIsRefused() {
    FlowControl fc = new FlowControl(oneSlot(), vts);
    learnRunTimes(fc);
    List<FlowControl.Permit> got = heldR1AndAWaiter(fc);
    fc.acquire("m").subscribe(got::add);
    vts.advanceTimeBy(Duration.ofMillis(450));
    assertThat(got).hasSize(1);

    // the provider still runs r1: 429 with a Retry-After of 1 s; the job waits again, firm
    got.get(0).rejected(Duration.ofSeconds(1));
    List<FlowControl.Permit> firm = new ArrayList<>();
    fc.acquireFirm("m").subscribe(firm::add);

    assertThat(fc.speculativeRejects()).isEqualTo(1);
    assertThat(fc.accountLimit()).as("a refused guess is no cap signal").isEqualTo(1);
    vts.advanceTimeBy(Duration.ofMillis(20));
    assertThat(got).as("guessing paused for 25 ms").hasSize(1);
    vts.advanceTimeBy(Duration.ofMillis(10));
    assertThat(got).as("the other waiter's guess; the firm one never guesses").hasSize(2);
    assertThat(firm).isEmpty();
    got.get(1).release(); // that job went away (cancelled before its POST)
    assertThat(firm).isEmpty();
    assertThat(fc.terminal("r1", true)).isTrue();
    assertThat(firm).as("first in line once a slot is seen free, no Retry-After pause").hasSize(1);
    assertThat(firm.get(0).speculative()).isFalse();
  }

  @Test
  void shouldRefuseAConfidenceOutsideZeroToOne() {
    assertThat(FlowControl.Settings.adaptive(50).withSpeculation(0.9).speculation()).isEqualTo(0.9);
    assertThatThrownBy(() -> FlowControl.Settings.fixed(5, 5).withSpeculation(1.0))
        .hasMessageContaining("speculation");
    assertThatThrownBy(() -> FlowControl.Settings.fixed(5, 5).withSpeculation(-0.1))
        .hasMessageContaining("speculation");
    assertThat(FlowControl.Settings.fixed(5, 5).withSpeculation(0).speculation()).isZero();
  }

  /** What one run of the model below measured. */
  private record Run(double seconds, long posts, long refused, long checks) {}

  /**
   * Scenario (a) or (c) in virtual time: 2,000 jobs of uniform 1-3 s at a provider cap enforced
   * with 429s (Retry-After 1 s); each job checked 1 s after its POST and then every 500 ms. A firm
   * permit's 429 (an adaptive limit probing above the cap) is sent again after the Retry-After.
   */
  private Run runScenario(FlowControl.Settings settings, int cap) {
    VirtualTimeScheduler clock = VirtualTimeScheduler.create();
    FlowControl fc = new FlowControl(settings, clock);
    int jobs = 2000;
    AtomicInteger active = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    AtomicLong posts = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    AtomicLong checks = new AtomicLong();
    SplittableRandom rnd = new SplittableRandom(5);
    Flux.range(0, jobs)
        .flatMap(
            i ->
                submit(
                    fc, clock, "r" + i, false, cap, settings, active, posts, refused, checks, rnd),
            jobs)
        .doOnNext(x -> done.incrementAndGet())
        .subscribe();
    long ms = 0;
    while (done.get() < jobs && ms < 600_000) {
      clock.advanceTimeBy(Duration.ofMillis(10));
      ms += 10;
    }
    assertThat(done.get()).isEqualTo(jobs);
    return new Run(ms / 1000.0, posts.get(), refused.get(), checks.get());
  }

  private Mono<Integer> submit(
      FlowControl fc,
      VirtualTimeScheduler clock,
      String id,
      boolean firm,
      int cap,
      FlowControl.Settings settings,
      AtomicInteger active,
      AtomicLong posts,
      AtomicLong refused,
      AtomicLong checks,
      SplittableRandom rnd) {
    return (firm ? fc.acquireFirm("m") : fc.acquire("m"))
        .flatMap(
            p -> {
              posts.incrementAndGet();
              if (active.get() >= cap) {
                refused.incrementAndGet();
                p.rejected(Duration.ofSeconds(1));
                if (p.speculative()) {
                  return submit(
                      fc, clock, id, true, cap, settings, active, posts, refused, checks, rnd);
                }
                assertThat(settings.adaptive())
                    .as("a fixed limit at the cap is never refused")
                    .isTrue();
                return Mono.delay(Duration.ofSeconds(1), clock)
                    .then(
                        Mono.defer(
                            () ->
                                submit(
                                    fc, clock, id, false, cap, settings, active, posts, refused,
                                    checks, rnd)));
              }
              active.incrementAndGet();
              fc.holdUntilTerminal(id, p);
              boolean[] ended = new boolean[1];
              long runMs = 1000 + rnd.nextInt(2001);
              clock.schedule(
                  () -> {
                    ended[0] = true;
                    active.decrementAndGet();
                  },
                  runMs,
                  java.util.concurrent.TimeUnit.MILLISECONDS);
              // checks are not in step across jobs: as in a poller, each has its own phase
              return check(
                  fc, clock, id, ended, Duration.ofMillis(1000 + rnd.nextInt(100)), checks, rnd);
            });
  }

  private Mono<Integer> check(
      FlowControl fc,
      VirtualTimeScheduler clock,
      String id,
      boolean[] ended,
      Duration wait,
      AtomicLong checks,
      SplittableRandom rnd) {
    return Mono.delay(wait, clock)
        .flatMap(
            x -> {
              checks.incrementAndGet();
              if (ended[0]) {
                fc.terminal(id, true);
                return Mono.just(1);
              }
              fc.running(id);
              return check(
                  fc, clock, id, ended, Duration.ofMillis(450 + rnd.nextInt(101)), checks, rnd);
            });
  }

  @Test
  void shouldFinishScenarioAFasterWithFewRefusalsWhenSpeculating() {
    Run firm = runScenario(FlowControl.Settings.fixed(50, 50), 50);
    Run speculating = runScenario(FlowControl.Settings.fixed(50, 50).withSpeculation(0.9), 50);
    double ideal = 2000 / 50 * 2.0;

    assertThat(firm.refused()).isZero();
    assertThat(firm.seconds() / ideal).as("no speculation: %s", firm).isGreaterThan(1.12);
    assertThat(speculating.seconds() / ideal)
        .as("speculating: %s against %s", speculating, firm)
        .isLessThan(firm.seconds() / ideal - 0.04);
    double refusedShare =
        (double) speculating.refused() / (speculating.posts() + speculating.checks() + 2L * 2000);
    assertThat(refusedShare).as("429s among all calls").isLessThan(0.03);
    assertThat(speculating.refused()).isPositive();
  }

  @Test
  void shouldKeepAHiddenCapBusierWhenTheAdaptiveLimitGuesses() {
    Run plain = runScenario(FlowControl.Settings.adaptive(1000), 40);
    Run guessing = runScenario(FlowControl.Settings.adaptive(1000).withSpeculation(0.9), 40);
    double ideal = 2000 / 40 * 2.0;
    System.out.printf(
        "scenario (c) in virtual time: plain %.3f of ideal (%s), guessing %.3f (%s)%n",
        plain.seconds() / ideal, plain, guessing.seconds() / ideal, guessing);

    assertThat(guessing.seconds() / ideal)
        .as("guessing: %s against %s", guessing, plain)
        .isLessThan(plain.seconds() / ideal - 0.03);
    double refusedShare =
        (double) guessing.refused() / (guessing.posts() + guessing.checks() + 2L * 2000);
    assertThat(refusedShare).as("429s among all calls").isLessThan(0.05);
  }
}
