package dev.editstream.poller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link StatusCallBudget}: the pure token bucket and its order, on explicit nanos. */
class StatusCallBudgetTest {
  static final long MS = 1_000_000L;
  static final long S = 1_000_000_000L;

  /** 10 calls/s, no floor per job, burst 2, max deferral 1 s. */
  static StatusCallBudget.Settings tenPerSecond() {
    return new StatusCallBudget.Settings(10, 0, 2, Duration.ofSeconds(1));
  }

  static StatusCallBudget.Likelihood worth(double v) {
    return now -> v;
  }

  @Test
  void shouldStartFullAndRefillAtItsRateUpToTheBurst() {
    StatusCallBudget<String> b = new StatusCallBudget<>(tenPerSecond(), 0);
    assertThat(b.tokens(0)).isEqualTo(2.0);
    b.offer("a", worth(0), 0);
    b.offer("b", worth(0), 0);
    b.offer("c", worth(0), 0);
    assertThat(b.grant(0)).containsExactly("a", "b");
    assertThat(b.tokens(0)).isZero();
    assertThat(b.grant(99 * MS)).isEmpty(); // 0.99 of a call
    assertThat(b.grant(100 * MS)).containsExactly("c");
    assertThat(b.tokens(100 * MS)).isCloseTo(0.0, within(1e-9));
    assertThat(b.tokens(10 * S)).isEqualTo(2.0); // never above the burst
  }

  @Test
  void shouldAddNothingWhenTheClockGoesBack() {
    StatusCallBudget<String> b = new StatusCallBudget<>(tenPerSecond(), 5 * S);
    b.offer("a", worth(0), 5 * S);
    b.offer("b", worth(0), 5 * S);
    assertThat(b.grant(5 * S)).hasSize(2);
    assertThat(b.tokens(4 * S)).isZero();
    assertThat(b.tokens(5 * S + 50 * MS)).isCloseTo(0.5, within(1e-9));
  }

  @Test
  void shouldRaiseItsRateToTheFloorPerJobInFlight() {
    StatusCallBudget<String> b =
        new StatusCallBudget<>(tenPerSecond().withPerJobCallsPerSecond(0.5), 0);
    assertThat(b.rate()).isEqualTo(10.0);
    for (int i = 0; i < 30; i++) {
      b.jobStarted(0);
    }
    assertThat(b.jobs()).isEqualTo(30);
    assertThat(b.rate()).isEqualTo(15.0);
    for (int i = 0; i < 40; i++) {
      b.jobEnded(0);
    }
    assertThat(b.jobs()).isZero();
    assertThat(b.rate()).isEqualTo(10.0);
  }

  @Test
  void shouldRefillAtTheRateInForceBeforeAJobChangesIt() {
    StatusCallBudget<String> b =
        new StatusCallBudget<>(new StatusCallBudget.Settings(1, 1, 100, Duration.ofSeconds(1)), 0);
    for (int i = 0; i < 100; i++) {
      b.offer("x" + i, worth(0), 0);
    }
    assertThat(b.grant(0)).hasSize(100);
    for (int i = 0; i < 9; i++) {
      b.jobStarted(0); // 9 calls/s from 0; the floor 1 call/s before it is below
    }
    assertThat(b.tokens(S)).isCloseTo(9.0, within(1e-9));
    b.jobStarted(S); // 10 calls/s from 1 s
    assertThat(b.tokens(2 * S)).isCloseTo(19.0, within(1e-9));
  }

  @Test
  void shouldSpendScarceCallsOnTheLikeliestChecksFirst() {
    StatusCallBudget<String> b = new StatusCallBudget<>(tenPerSecond(), 0);
    b.offer("x", worth(0), 0);
    b.offer("y", worth(0), 0);
    b.grant(0); // empty bucket
    b.offer("just-started", worth(0.0), 0);
    b.offer("past-its-run-time", worth(0.8), 10 * MS);
    b.offer("body", worth(0.3), 20 * MS);
    assertThat(b.grant(100 * MS)).containsExactly("past-its-run-time");
    assertThat(b.grant(200 * MS)).containsExactly("body");
    assertThat(b.grant(300 * MS)).containsExactly("just-started");
  }

  @Test
  void shouldAskTheLikelihoodAtTheTimeOfTheDecision() {
    StatusCallBudget<String> b = new StatusCallBudget<>(tenPerSecond().withBurst(1), 0);
    b.offer("x", worth(0), 0);
    b.grant(0);
    b.offer("grows", now -> now / (double) S, 0); // 0.1 at 100 ms
    b.offer("flat", worth(0.05), 0);
    assertThat(b.grant(100 * MS)).containsExactly("grows");
  }

  @Test
  void shouldBreakTiesByTheLongestWaitingAndCountNanAsNothing() {
    StatusCallBudget<String> b = new StatusCallBudget<>(tenPerSecond().withBurst(1), 0);
    b.offer("x", worth(0), 0);
    b.grant(0);
    b.offer("second", worth(0.5), 20 * MS);
    b.offer("first", worth(0.5), 10 * MS);
    b.offer("nan", worth(Double.NaN), 0);
    b.offer("negative", worth(-1), 0);
    assertThat(b.grant(100 * MS)).containsExactly("first");
    assertThat(b.grant(200 * MS)).containsExactly("second");
    assertThat(b.grant(300 * MS)).containsExactly("nan");
    assertThat(b.grant(400 * MS)).containsExactly("negative");
  }

  @Test
  void shouldPutAChecksWaitedTheMaxDeferralBeforeLikelierOnesOldestFirst() {
    StatusCallBudget<String> b = new StatusCallBudget<>(tenPerSecond().withBurst(1), 0);
    b.offer("x", worth(0), 0);
    b.grant(0);
    b.offer("old-unlikely", worth(0), 50 * MS);
    b.offer("older-unlikely", worth(0), 0);
    b.offer("likely", worth(1), 900 * MS);
    assertThat(b.grant(999 * MS)).containsExactly("likely"); // the old ones waited < 1 s
    b.offer("likely-again", worth(1), 999 * MS);
    assertThat(b.grant(1_100 * MS)).containsExactly("older-unlikely");
    assertThat(b.grant(1_200 * MS)).containsExactly("old-unlikely");
    assertThat(b.grant(1_300 * MS)).containsExactly("likely-again");
  }

  @Test
  void shouldKeepARefusedCheckWaitingUntilGrantedOrWithdrawn() {
    StatusCallBudget<String> b = new StatusCallBudget<>(tenPerSecond().withBurst(1), 0);
    String kept = "kept";
    String gone = "gone";
    b.offer("x", worth(0), 0);
    b.grant(0);
    b.offer(kept, worth(0.1), 0);
    b.offer(gone, worth(0.9), 0);
    assertThat(b.grant(50 * MS)).isEmpty();
    assertThat(b.waiting()).isEqualTo(2);
    assertThat(b.withdraw(gone)).isTrue();
    assertThat(b.withdraw(gone)).isFalse();
    assertThat(b.grant(100 * MS)).containsExactly(kept);
    assertThat(b.waiting()).isZero();
  }

  @Test
  void shouldTellWhenTheNextCallCanBeGranted() {
    StatusCallBudget<String> b = new StatusCallBudget<>(tenPerSecond(), 0);
    assertThat(b.nextGrantNanos(0)).isEqualTo(Long.MAX_VALUE); // nothing waits
    b.offer("a", worth(0), 0);
    assertThat(b.nextGrantNanos(0)).isZero(); // a call is there
    b.offer("b", worth(0), 0);
    b.offer("c", worth(0), 0);
    b.grant(0);
    assertThat(b.nextGrantNanos(30 * MS)).isEqualTo(100 * MS);
    assertThat(b.grant(b.nextGrantNanos(30 * MS))).containsExactly("c");
  }

  /**
   * Over random offers and decisions (seeded): no window of time sees more grants than {@code burst
   * + rate × its length}; every offer is granted in the end; none waits longer than the max
   * deferral plus the time the checks offered before it take at the rate; and while calls are
   * scarce, no check is granted before a likelier one that waits with it (unless it waited the max
   * deferral).
   */
  @ParameterizedTest
  @CsvSource({"1,10,1,0.2", "2,50,5,1", "3,90,10,5", "4,5,1,2", "5,200,20,0.05"})
  void shouldHoldItsRateItsFairnessAndItsOrderOverRandomDemand(
      long seed, double rate, int burst, double maxDeferralS) {
    Random r = new Random(seed);
    StatusCallBudget.Settings s =
        new StatusCallBudget.Settings(rate, 0, burst, Duration.ofNanos((long) (maxDeferralS * S)));
    StatusCallBudget<Integer> b = new StatusCallBudget<>(s, 0);
    Map<Integer, Long> offeredAt = new HashMap<>();
    Map<Integer, Integer> olderAtOffer = new HashMap<>();
    Map<Integer, Double> worthOf = new HashMap<>();
    List<long[]> grants = new ArrayList<>(); // {time, id}
    long now = 0;
    int next = 0;
    long maxDeferral = s.maxDeferral().toNanos();
    long nextOffer = 0;
    for (int step = 0; step < 40_000; step++) {
      // the next event: an offer, or the next call the bucket can hand out (as the gate does)
      boolean offering = nextOffer <= b.nextGrantNanos(now) && next < 20_000;
      now = offering ? nextOffer : Math.max(now, b.nextGrantNanos(now));
      if (offering) {
        nextOffer = now + (long) (r.nextDouble() * 3e9 / rate);
      }
      int offers = offering ? r.nextInt(4) : 0;
      for (int i = 0; i < offers; i++) {
        int id = next++;
        double w = r.nextDouble();
        olderAtOffer.put(id, offeredAt.size());
        offeredAt.put(id, now);
        worthOf.put(id, w);
        b.offer(id, worth(w), now);
      }
      List<Integer> waitingBefore = new ArrayList<>(offeredAt.keySet());
      List<Integer> got = b.grant(now);
      for (int id : got) {
        grants.add(new long[] {now, id});
        long waited = now - offeredAt.get(id);
        assertThat(waited)
            .as("wait of check %d", id)
            .isLessThanOrEqualTo(maxDeferral + (long) ((olderAtOffer.get(id) + 4) * 1e9 / rate));
        if (waited < maxDeferral) {
          for (int other : waitingBefore) {
            boolean otherGranted = got.contains(other);
            boolean otherLate = now - offeredAt.get(other) >= maxDeferral;
            if (!otherGranted && !otherLate) {
              assertThat(worthOf.get(id)).isGreaterThanOrEqualTo(worthOf.get(other));
            }
          }
        }
      }
      for (int id : got) {
        offeredAt.remove(id);
      }
    }
    for (int i = 0; i < 100_000 && b.waiting() > 0; i++) {
      now = Math.max(now + 1, b.nextGrantNanos(now));
      for (int id : b.grant(now)) {
        grants.add(new long[] {now, id});
        offeredAt.remove(id);
      }
    }
    assertThat(b.waiting()).isZero();
    assertThat(offeredAt).isEmpty();
    assertThat(grants).hasSize(next);
    // the bucket's bound over every window starting at a grant
    for (int i = 0; i < grants.size(); i += 97) {
      long from = grants.get(i)[0];
      for (int j = i; j < grants.size(); j++) {
        long len = grants.get(j)[0] - from;
        assertThat(j - i + 1.0).isLessThanOrEqualTo(burst + rate * len / 1e9 + 1e-6);
      }
    }
  }

  @ParameterizedTest
  @CsvSource({
    "0,0.5,1,1,--status-calls-per-second must be > 0",
    "-1,0.5,1,1,--status-calls-per-second must be > 0",
    "NaN,0.5,1,1,--status-calls-per-second must be > 0",
    "Infinity,0.5,1,1,--status-calls-per-second must be > 0",
    "10,-0.5,1,1,status calls per job and second must be >= 0",
    "10,NaN,1,1,status calls per job and second must be >= 0",
    "10,0.5,0,1,status call burst must be >= 1",
    "10,0.5,1,0,status call max deferral must be > 0",
    "10,0.5,1,-1,status call max deferral must be > 0"
  })
  void shouldRefuseBadSettingsNamingThem(
      double rate, double perJob, int burst, long deferralMs, String message) {
    assertThatThrownBy(
            () -> new StatusCallBudget.Settings(rate, perJob, burst, Duration.ofMillis(deferralMs)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(message);
  }

  @Test
  void shouldRefuseAMissingDeferralAndMissingParts() {
    assertThatThrownBy(() -> new StatusCallBudget.Settings(10, 0.5, 1, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("max deferral");
    StatusCallBudget<String> b = new StatusCallBudget<>(tenPerSecond(), 0);
    assertThatThrownBy(() -> b.offer(null, worth(0), 0)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> b.offer("a", null, 0)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void shouldDefaultToEightyFiveCallsASecondAtLeastOneEveryTwoSecondsPerJob() {
    StatusCallBudget.Settings d = StatusCallBudget.Settings.defaults();
    assertThat(d.callsPerSecond()).isEqualTo(85.0);
    assertThat(d.perJobCallsPerSecond()).isEqualTo(0.5);
    assertThat(d.burst()).isEqualTo(10);
    assertThat(d.maxDeferral()).isEqualTo(Duration.ofSeconds(5));
    assertThat(d.withCallsPerSecond(3).callsPerSecond()).isEqualTo(3.0);
    assertThat(d.withMaxDeferral(Duration.ofSeconds(2)).maxDeferral())
        .isEqualTo(Duration.ofSeconds(2));
  }
}
