package dev.editstream.poller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SmartPollScheduleTest {

  /**
   * Calls per job and p95 completion-detection delay (ms) of one schedule over a seeded workload.
   */
  record Outcome(double callsPerJob, long p95DelayMs) {}

  interface Schedule {
    Duration next(Duration sinceSubmit, Integer queuePosition, int checksDone);
  }

  /**
   * Each job: latency L drawn lognormal (median, sigma); optional time in queue Q before it runs.
   * Checks happen at 0 and then after each wait; a check at t >= Q + L sees it done.
   */
  static Outcome simulate(
      Schedule schedule,
      SmartPollSchedule learner,
      double medianMs,
      double sigma,
      long queueMsPerPosition,
      int jobs,
      long seed) {
    Random rnd = new Random(seed);
    long calls = 0;
    long[] delays = new long[jobs];
    for (int j = 0; j < jobs; j++) {
      long run = Math.max(1, Math.round(medianMs * Math.exp(sigma * rnd.nextGaussian())));
      int position = queueMsPerPosition > 0 ? rnd.nextInt(20) : 0;
      long queued = position * queueMsPerPosition;
      long end = queued + run;
      long t = 0;
      int checks = 0;
      while (true) {
        t +=
            schedule
                .next(
                    Duration.ofMillis(t),
                    t < queued
                        ? (int) Math.max(1, (queued - t) / Math.max(1, queueMsPerPosition) + 1)
                        : null,
                    checks)
                .toMillis();
        checks++;
        calls++;
        if (t >= end) {
          break;
        }
      }
      delays[j] = t - end;
      if (learner != null) {
        learner.observe("m", Duration.ofMillis(end));
      }
    }
    Arrays.sort(delays);
    return new Outcome((double) calls / jobs, delays[(int) Math.ceil(0.95 * jobs) - 1]);
  }

  /**
   * A cold batch: {@code jobs} jobs submitted evenly over {@code rampMs}, polled by one schedule
   * that has learnt nothing yet (or, with {@code smart} null, the fixed 2 s schedule). Jobs are
   * tracked by request id; a job's end is observed at its exact latency (as the poller does from
   * the result's {@code finished_at - created_at}); jobs sleeping while the model is unknown are
   * woken, as {@link PollerHandler} does, when it becomes known and wait what the schedule then
   * says from their last check. Event-driven in virtual ms.
   */
  static Outcome batch(
      SmartPollSchedule smart, double medianMs, double sigma, int jobs, long rampMs, long seed) {
    Random rnd = new Random(seed);
    long[] submit = new long[jobs];
    long[] end = new long[jobs];
    long[] lastCheck = new long[jobs];
    int[] checks = new int[jobs];
    long[] token = new long[jobs];
    boolean[] sleeping = new boolean[jobs];
    // entries: {time, job, token}; ties broken by job
    java.util.PriorityQueue<long[]> due =
        new java.util.PriorityQueue<>(
            (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    for (int j = 0; j < jobs; j++) {
      submit[j] = rampMs * j / jobs;
      end[j] = submit[j] + Math.max(1, Math.round(medianMs * Math.exp(sigma * rnd.nextGaussian())));
      due.add(new long[] {submit[j], j, 0});
    }
    long calls = 0;
    long[] delays = new long[jobs];
    boolean known = smart != null && smart.known("m");
    while (!due.isEmpty()) {
      long[] e = due.poll();
      long t = e[0];
      int j = (int) e[1];
      if (e[2] != token[j]) {
        continue;
      }
      calls++;
      checks[j]++;
      sleeping[j] = false;
      if (t >= end[j]) {
        delays[j] = t - end[j];
        if (smart != null) {
          smart.observe("m", "r" + j, Duration.ofMillis(end[j] - submit[j]));
          if (!known && smart.known("m")) {
            known = true;
            for (int k = 0; k < jobs; k++) {
              if (sleeping[k]) {
                sleeping[k] = false;
                token[k]++;
                long w =
                    smart
                        .next(
                            "m",
                            "r" + k,
                            Duration.ofMillis(lastCheck[k] - submit[k]),
                            null,
                            checks[k])
                        .toMillis();
                due.add(new long[] {Math.max(t, lastCheck[k] + w), k, token[k]});
              }
            }
          }
        }
        continue;
      }
      lastCheck[j] = t;
      long w =
          smart == null
              ? FIXED.next(checks[j]).toMillis()
              : smart
                  .next("m", "r" + j, Duration.ofMillis(t - submit[j]), null, checks[j])
                  .toMillis();
      sleeping[j] = smart != null && !known;
      due.add(new long[] {t + w, j, token[j]});
    }
    Arrays.sort(delays);
    return new Outcome((double) calls / jobs, delays[(int) Math.ceil(0.95 * jobs) - 1]);
  }

  static SmartPollSchedule trained(double medianMs, double sigma, long seed) {
    SmartPollSchedule s = SmartPollSchedule.defaults();
    Random rnd = new Random(seed);
    for (int i = 0; i < 500; i++) {
      s.observe(
          "m",
          Duration.ofMillis(
              Math.max(1, Math.round(medianMs * Math.exp(sigma * rnd.nextGaussian())))));
    }
    return s;
  }

  private static final PollSchedule FIXED = PollSchedule.fixed(Duration.ofSeconds(2));

  private static Outcome fixed(double median, double sigma, long queueMs) {
    return simulate((s, q, c) -> FIXED.next(c), null, median, sigma, queueMs, 20_000, 11);
  }

  private static Outcome smart(double median, double sigma, long queueMs) {
    SmartPollSchedule smart = trained(median, sigma, 5);
    return simulate(
        (s, q, c) -> smart.next("m", s, q, c), smart, median, sigma, queueMs, 20_000, 11);
  }

  @ParameterizedTest(name = "warm: median {0} ms, sigma {1}, {2} ms per queue position")
  @CsvSource({
    "20000, 0.3, 0",
    "30000, 0.4, 0",
    "45000, 0.4, 0",
    "60000, 0.3, 0",
    "90000, 0.3, 0",
    "300000, 0.2, 0",
    "60000, 0.3, 2000"
  })
  void shouldHalveStatusCallsOfTheFixedTwoSecondScheduleAtAP95DelayAtMostOneSecondWorse(
      double median, double sigma, long queueMs) {
    Outcome f = fixed(median, sigma, queueMs);
    Outcome s = smart(median, sigma, queueMs);
    assertThat(s.callsPerJob())
        .as("smart calls vs fixed %.2f", f.callsPerJob())
        .isLessThanOrEqualTo(0.5 * f.callsPerJob());
    assertThat(s.p95DelayMs())
        .as("smart p95 delay vs fixed %d ms", f.p95DelayMs())
        .isLessThanOrEqualTo(f.p95DelayMs() + 1000);
  }

  /**
   * The bench's case: 1,000 jobs sent within 3 s to a model the schedule has never seen, so it
   * learns while they run (scouts, censored latencies, sleepers woken). The scouts' early polling
   * costs about one call per job more than the warm case: at sigma 0.3 a median of 60 s needs 0.50
   * of the fixed schedule's calls, 45 s and 90 s 0.46; wider spreads need more than half.
   */
  @ParameterizedTest(name = "cold batch: median {0} ms, sigma {1}")
  @CsvSource({"45000, 0.3", "90000, 0.3", "300000, 0.2"})
  void shouldHalveStatusCallsOnAColdBatchAtAP95DelayAtMostOneSecondWorse(
      double median, double sigma) {
    Outcome f = batch(null, median, sigma, 1000, 3000, 11);
    SmartPollSchedule smart = SmartPollSchedule.defaults();
    Outcome s = batch(smart, median, sigma, 1000, 3000, 11);
    assertThat(s.callsPerJob())
        .as("smart calls vs fixed %.2f", f.callsPerJob())
        .isLessThanOrEqualTo(0.5 * f.callsPerJob());
    assertThat(s.p95DelayMs())
        .as("smart p95 delay vs fixed %d ms", f.p95DelayMs())
        .isLessThanOrEqualTo(f.p95DelayMs() + 1000);
    assertThat(smart.tracked("m")).as("every ended job is no longer tracked").isZero();
    assertThat(smart.samples("m")).isEqualTo(1000L);
  }

  /**
   * The bench's cold case over 100 seeds instead of one: whether a batch holds the bar depends on
   * its scouts' luck (docs/benchmarks.md, "p's cold start"). Until the model is known, the jobs
   * that are not scouts sleep 30 s: a model known too late leaves more of the batch ending unseen
   * (p95 breaks), one known too early starts every job's checks early (calls break). With the model
   * known from its first end among 47 scouts, 88 of seeds 1-100 held it; known once 1.5% of 139
   * scouts ended (3 ends), 97 do.
   */
  @Test
  void shouldHoldTheBarOnMostColdBatchesWhateverTheirScoutsLuck() {
    int held = 0;
    double worstRatio = 0;
    for (long seed = 1; seed <= 100; seed++) {
      Outcome f = batch(null, 45000, 0.3, 1000, 3000, seed);
      Outcome s = batch(SmartPollSchedule.defaults(), 45000, 0.3, 1000, 3000, seed);
      double ratio = s.callsPerJob() / f.callsPerJob();
      worstRatio = Math.max(worstRatio, ratio);
      if (ratio <= 0.5 && s.p95DelayMs() <= f.p95DelayMs() + 1000) {
        held++;
      }
    }
    assertThat(held).as("seeds of 100 holding the bar").isGreaterThanOrEqualTo(95);
    assertThat(worstRatio)
        .as("the worst seed's share of the fixed schedule's calls")
        .isLessThan(0.55);
  }

  /**
   * Ten times the bench's batch, sent within 3 s: at one scout in 8, 1,266 jobs would poll while
   * the model is unknown; at most 256 do. Seeds 1-30 held the bar either way, at a mean of 0.43 of
   * the fixed schedule's calls with the cap and 0.47 without it.
   */
  @Test
  void shouldHoldTheBarOnAColdBatchOfTenThousandJobsWithAtMost256ScoutsAtOnce() {
    double ratios = 0;
    for (long seed = 1; seed <= 5; seed++) {
      Outcome f = batch(null, 45000, 0.3, 10_000, 3000, seed);
      Outcome s = batch(SmartPollSchedule.defaults(), 45000, 0.3, 10_000, 3000, seed);
      double ratio = s.callsPerJob() / f.callsPerJob();
      assertThat(ratio).as("seed %d's share of the fixed schedule's calls", seed).isLessThan(0.5);
      assertThat(s.p95DelayMs())
          .as("seed %d's p95", seed)
          .isLessThanOrEqualTo(f.p95DelayMs() + 1000);
      ratios += ratio;
    }
    assertThat(ratios / 5).as("mean share of the fixed schedule's calls").isLessThan(0.45);
  }

  /**
   * With a median of 2 s and the status check at once counted on both sides, no schedule can halve
   * the fixed 2 s schedule's calls: every job needs the check at once plus one that sees it done (2
   * calls), while the fixed schedule makes about 2.6. This pins how close the smart one gets.
   */
  @ParameterizedTest(name = "median 2 s, sigma {0}")
  @CsvSource({"0.25", "0.5", "1.0", "1.5"})
  void shouldSaveCallsAtAP95DelayAtMostOneSecondWorseForTwoSecondJobs(double sigma) {
    Outcome f = fixed(2000, sigma, 0);
    Outcome s = smart(2000, sigma, 0);
    assertThat(s.callsPerJob()).isLessThanOrEqualTo(0.85 * f.callsPerJob());
    assertThat(s.p95DelayMs()).isLessThanOrEqualTo(f.p95DelayMs() + 1000);
    assertThat(s.callsPerJob()).isGreaterThanOrEqualTo(2.0);
  }

  @Test
  void shouldCheckAtOnceAndLetScoutsFollowTheCappedFallbackWhileTheModelIsUnknown() {
    SmartPollSchedule s = SmartPollSchedule.defaults();
    assertThat(s.next("m", Duration.ZERO, null, 0)).isZero();
    for (int c = 1; c < 8; c++) {
      long fallback = PollSchedule.defaults().next(c).toMillis();
      assertThat(s.next("m", Duration.ofSeconds(c), null, c))
          .isEqualTo(Duration.ofMillis(Math.min(SmartPollSchedule.DEFAULT_BUDGET_MS, fallback)));
    }
    assertThat(s.known("m")).isFalse();
    s.observe("m", Duration.ofSeconds(10));
    assertThat(s.known("m")).isTrue();
    assertThat(s.samples("m")).isEqualTo(1L);
    assertThat(s.next("m", Duration.ZERO, null, 1))
        .isEqualTo(
            Duration.ofMillis(
                SmartPollSchedule.LatencySketch.upper(
                        SmartPollSchedule.LatencySketch.bucket(10_000) - 1)
                    + SmartPollSchedule.DEFAULT_BUDGET_MS));
    assertThat(s.next("other", Duration.ofSeconds(1), null, 1))
        .isEqualTo(PollSchedule.defaults().next(1));
  }

  @Test
  void shouldMakeTheFirstSixteenJobsAndOneInEightAfterScoutsAndLetTheOthersSleepTheMaximum() {
    SmartPollSchedule s = SmartPollSchedule.defaults();
    int scouts = 0;
    for (int j = 0; j < 3200; j++) {
      assertThat(s.next("m", "r" + j, Duration.ZERO, null, 0)).isZero();
      Duration w = s.next("m", "r" + j, Duration.ofMillis(100), null, 1);
      if (j < 16) {
        assertThat(w).isEqualTo(PollSchedule.defaults().next(1));
      }
      if (w.equals(PollSchedule.defaults().next(1))) {
        scouts++;
      } else {
        assertThat(w).isEqualTo(Duration.ofSeconds(30));
      }
    }
    assertThat(s.tracked("m")).isEqualTo(3200);
    assertThat(scouts).isBetween(16 + 3184 / 8 / 2, 16 + 3184 / 8 * 2);
    s.observe("m", "r0", Duration.ofSeconds(10));
    s.forget("m", "r1");
    assertThat(s.tracked("m")).isEqualTo(3198);
    assertThat(s.samples("m")).isEqualTo(1L);
  }

  /**
   * 200 scouts of one batch, each last seen running 16.5-19.5 s after submission (checked every 2.9
   * s, so at different ages), and ends at 19.0 and 19.2 s. Counted out from the age each was last
   * seen at, only the scouts seen in or past an end's 5% bucket would be at risk there (89 at the
   * first, 28 at the second), and the two ends would read as 4.7% of the batch. Counted at risk
   * until their next check is due, they read as 1%: not yet the 1.5% that makes the model known;
   * four ends (2%) are.
   */
  @Test
  void shouldCallAModelKnownOnceTheShareOfItsJobsSeenToEndReachesTheSettingNotAtItsFirstEnd() {
    SmartPollSchedule s =
        new SmartPollSchedule(SmartPollSchedule.Settings.defaults().withScouting(200, 1, 256));
    for (int j = 0; j < 200; j++) {
      s.next("m", "r" + j, Duration.ZERO, null, 0);
      s.next("m", "r" + j, Duration.ofMillis(16_500 + j * 15L), null, 1);
    }
    s.observe("m", "r0", Duration.ofSeconds(19));
    assertThat(s.known("m")).as("one end among 200 scouts").isFalse();
    assertThat(s.next("m", "r1", Duration.ofMillis(19_600), null, 2))
        .as("a scout still follows the capped fallback")
        .isLessThanOrEqualTo(Duration.ofMillis(SmartPollSchedule.DEFAULT_BUDGET_MS));
    s.observe("m", "r1", Duration.ofMillis(19_200));
    assertThat(s.known("m")).as("two ends among 200 scouts: 1%").isFalse();
    s.observe("m", "r2", Duration.ofMillis(19_300));
    s.observe("m", "r3", Duration.ofMillis(19_400));
    assertThat(s.known("m")).as("four ends among 200 scouts: 2%").isTrue();
    s.next("m", "late", Duration.ofSeconds(1), null, 1);
    assertThat(s.known("m")).as("known stays known").isTrue();
  }

  /**
   * A failed job leaves the jobs at risk without an end of its own, so the share of jobs seen to
   * end can pass the setting at a failure, not only at a success ({@link PollerHandler} wakes the
   * sleepers after either).
   */
  @Test
  void shouldCallAModelKnownWhenAFailureLeavesFewerJobsAtRisk() {
    SmartPollSchedule s =
        new SmartPollSchedule(
            SmartPollSchedule.Settings.defaults()
                .withScouting(3, Integer.MAX_VALUE, 256)
                .withKnownFrom(1, 0.5));
    for (int j = 0; j < 3; j++) {
      s.next("m", "r" + j, Duration.ZERO, null, 0);
      s.next("m", "r" + j, Duration.ofSeconds(10), null, 1);
    }
    s.observe("m", "r0", Duration.ofSeconds(5));
    assertThat(s.known("m")).as("one end among three at risk").isFalse();
    s.forget("m", "r1");
    assertThat(s.known("m")).as("one end among two at risk").isTrue();
  }

  @Test
  void shouldKeepAtMostMaxScoutsTrackedAtOnceAndTakeANewOneWhenOneEnds() {
    SmartPollSchedule s =
        new SmartPollSchedule(SmartPollSchedule.Settings.defaults().withScouting(16, 1, 20));
    Duration scoutWait = PollSchedule.defaults().next(1);
    int scouts = 0;
    for (int j = 0; j < 100; j++) {
      s.next("m", "r" + j, Duration.ZERO, null, 0);
      if (s.next("m", "r" + j, Duration.ofMillis(100), null, 1).equals(scoutWait)) {
        scouts++;
      }
    }
    assertThat(scouts).as("one in 1 would make all 100 scouts").isEqualTo(20);
    assertThat(s.next("m", "r99", Duration.ofSeconds(1), null, 2))
        .as("a job past the cap sleeps")
        .isEqualTo(Duration.ofSeconds(30));
    s.forget("m", "r0");
    s.next("m", "new", Duration.ZERO, null, 0);
    assertThat(s.next("m", "new", Duration.ofMillis(100), null, 1))
        .as("a scout that ended frees its place")
        .isEqualTo(scoutWait);
  }

  @Test
  void shouldWaitForTheLeastNumberOfEndsWhateverTheShare() {
    SmartPollSchedule s =
        new SmartPollSchedule(SmartPollSchedule.Settings.defaults().withKnownFrom(3, 0));
    s.observe("m", Duration.ofSeconds(10));
    s.observe("m", Duration.ofSeconds(11));
    assertThat(s.known("m")).isFalse();
    assertThat(s.earliestEnd("m")).isZero();
    s.observe("m", Duration.ofSeconds(12));
    assertThat(s.known("m")).isTrue();
    assertThat(s.earliestEnd("m")).isPositive();
  }

  @Test
  void shouldNotTakeTheFirstCompletionsOfABatchForItsTail() {
    // 100 jobs started together; 10 ended at 20 s, 90 still run at 25 s
    SmartPollSchedule s = SmartPollSchedule.defaults();
    for (int j = 0; j < 100; j++) {
      s.next("m", "r" + j, Duration.ZERO, null, 0);
    }
    for (int j = 10; j < 100; j++) {
      s.next("m", "r" + j, Duration.ofSeconds(25), null, 3);
    }
    for (int j = 0; j < 10; j++) {
      s.observe("m", "r" + j, Duration.ofSeconds(20));
    }
    // naive quantiles would put the whole distribution at 20 s and stretch the intervals past it;
    // the Kaplan-Meier estimate knows 90% of the jobs last more than 25 s: poll every budget
    for (int t = 30; t < 120; t += 10) {
      assertThat(s.next("m", "r50", Duration.ofSeconds(t), null, 4))
          .isEqualTo(Duration.ofMillis(SmartPollSchedule.DEFAULT_BUDGET_MS));
    }
    SmartPollSchedule.LatencySketch naive = new SmartPollSchedule.LatencySketch();
    for (int j = 0; j < 10; j++) {
      naive.add(20_000);
    }
    assertThat(naive.quantile(0.995)).isLessThan(21_000);
  }

  @Test
  void shouldWaitUntilTheEarliestCompletionPlusTheBudgetThenPollEveryBudget() {
    SmartPollSchedule s = SmartPollSchedule.defaults();
    for (int i = 0; i < 100; i++) {
      s.observe("m", Duration.ofMillis(20_000 + i * 100));
    }
    // q(3%): the 3rd of 100 latencies, taken at the lower edge of its bucket
    long q0 =
        SmartPollSchedule.LatencySketch.upper(SmartPollSchedule.LatencySketch.bucket(20_200) - 1);
    Duration first = s.next("m", Duration.ZERO, null, 1);
    assertThat(first.toMillis()).isEqualTo(q0 + SmartPollSchedule.DEFAULT_BUDGET_MS);
    assertThat(s.next("m", Duration.ofMillis(1000), null, 1)).isEqualTo(first.minusMillis(1000));
    Duration second = s.next("m", first, null, 2);
    assertThat(second).isEqualTo(Duration.ofMillis(SmartPollSchedule.DEFAULT_BUDGET_MS));
    assertThat(s.next("m", first.plusMillis(1000), null, 3))
        .isEqualTo(Duration.ofMillis(SmartPollSchedule.DEFAULT_BUDGET_MS));
  }

  @Test
  void shouldStretchIntervalsInTheTailUpToTheMaximum() {
    SmartPollSchedule s = SmartPollSchedule.defaults();
    for (int i = 0; i < 100; i++) {
      s.observe("m", Duration.ofMillis(2000));
    }
    long t = s.next("m", Duration.ZERO, null, 1).toMillis();
    long previous = 0;
    java.util.List<Long> waits = new java.util.ArrayList<>();
    for (int c = 2; c < 40; c++) {
      long w = s.next("m", Duration.ofMillis(t), null, c).toMillis();
      assertThat(w).isGreaterThanOrEqualTo(previous);
      waits.add(w);
      previous = w;
      t += w;
    }
    assertThat(waits.get(0)).isEqualTo(SmartPollSchedule.DEFAULT_BUDGET_MS);
    assertThat(waits.get(1))
        .isEqualTo((long) (SmartPollSchedule.DEFAULT_BUDGET_MS * 1.5)); // tailGrowth 1.5
    assertThat(waits.get(waits.size() - 1)).isEqualTo(30_000);
  }

  @Test
  void shouldNotPollAQueuedJobBeforeItsEarliestPossibleEnd() {
    SmartPollSchedule s = SmartPollSchedule.defaults();
    for (int i = 0; i < 100; i++) {
      s.observe("m", Duration.ofMillis(20_000));
    }
    long q0 =
        SmartPollSchedule.LatencySketch.upper(SmartPollSchedule.LatencySketch.bucket(20_000) - 1);
    Duration t = Duration.ofMillis(q0 + SmartPollSchedule.DEFAULT_BUDGET_MS);
    assertThat(s.next("m", t, null, 2))
        .isEqualTo(Duration.ofMillis(SmartPollSchedule.DEFAULT_BUDGET_MS));
    assertThat(s.next("m", t, 3, 2)).isEqualTo(Duration.ofMillis(q0));
  }

  @Test
  void shouldKeepQuantilesWithinFivePercent() {
    SmartPollSchedule.LatencySketch sk = new SmartPollSchedule.LatencySketch();
    for (int i = 1; i <= 1000; i++) {
      sk.add(i * 10L);
    }
    assertThat(sk.quantile(0.5)).isBetween(5000L, 5250L);
    assertThat(sk.quantile(0.95)).isBetween(9500L, 9975L);
    assertThat(sk.quantile(0.0)).isBetween(10L, 11L);
  }

  @Test
  void shouldHalveOldCountsSoRecentLatenciesWeighMore() {
    SmartPollSchedule.LatencySketch sk = new SmartPollSchedule.LatencySketch();
    for (int i = 0; i < 99_999; i++) {
      sk.add(1000);
    }
    assertThat(sk.count()).isEqualTo(99_999);
    sk.add(1000);
    assertThat(sk.count()).isEqualTo(50_000);
  }

  @Test
  void shouldIgnoreNegativeLatenciesAndRefuseBadSettings() {
    SmartPollSchedule s = SmartPollSchedule.defaults();
    s.observe("m", Duration.ofMillis(-1));
    assertThat(s.samples("m")).isZero();
    Duration b = Duration.ofSeconds(2);
    SmartPollSchedule.Settings ok =
        SmartPollSchedule.Settings.defaults()
            .withBudget(b)
            .withIntervals(Duration.ZERO, b)
            .withShape(0.02, 0.05, 1.5)
            .withKnownFrom(1, 0.02);
    assertThat(new SmartPollSchedule(ok).samples("m")).isZero();
    assertThatThrownBy(() -> new SmartPollSchedule(ok.withBudget(Duration.ZERO)))
        .hasMessageContaining("budget");
    assertThatThrownBy(() -> new SmartPollSchedule(ok.withIntervals(Duration.ofSeconds(3), b)))
        .hasMessageContaining("minInterval");
    assertThatThrownBy(
            () -> new SmartPollSchedule(ok.withIntervals(Duration.ZERO, Duration.ofSeconds(1))))
        .hasMessageContaining("maxInterval");
    assertThatThrownBy(() -> new SmartPollSchedule(ok.withShape(0.6, 0.05, 1.5)))
        .hasMessageContaining("early");
    assertThatThrownBy(() -> new SmartPollSchedule(ok.withShape(0.02, 0.05, 0.5)))
        .hasMessageContaining("tailGrowth");
    assertThatThrownBy(() -> new SmartPollSchedule(ok.withKnownFrom(0, 0.02)))
        .hasMessageContaining("known.minSamples");
    assertThatThrownBy(() -> new SmartPollSchedule(ok.withScouting(0, 32, 256)))
        .hasMessageContaining("scouting.first");
    assertThatThrownBy(() -> new SmartPollSchedule(ok.withScouting(16, 0, 256)))
        .hasMessageContaining("scouting.every");
    assertThatThrownBy(() -> new SmartPollSchedule(ok.withScouting(16, 8, 0)))
        .hasMessageContaining("scouting.max");
    assertThatThrownBy(() -> new SmartPollSchedule(ok.withKnownFrom(1, 0.6)))
        .hasMessageContaining("known.share");
  }

  @Test
  void shouldGiveTheEarliestEndOnlyOnceTheModelsLatencyIsKnown() {
    SmartPollSchedule s = SmartPollSchedule.defaults();
    assertThat(s.earliestEnd("m")).isEqualTo(Duration.ZERO);
    java.util.Random rnd = new java.util.Random(3);
    s.observe("m", Duration.ofMillis(1500));
    assertThat(s.earliestEnd("m"))
        .as("known after the first success")
        .isPositive()
        .isLessThanOrEqualTo(Duration.ofMillis(1500));
    for (int i = 0; i < 2000; i++) {
      s.observe("m", Duration.ofMillis(1000 + rnd.nextInt(2000)));
    }
    // latencies uniform in 1-3 s: the 2% quantile's low edge lies just above 1 s, within one 5%
    // bucket
    assertThat(s.earliestEnd("m")).isBetween(Duration.ofMillis(950), Duration.ofMillis(1100));
    assertThat(s.earliestEnd("other")).isEqualTo(Duration.ZERO);
  }
}
