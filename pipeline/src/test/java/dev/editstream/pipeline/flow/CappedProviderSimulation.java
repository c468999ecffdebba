package dev.editstream.pipeline.flow;

import java.time.Duration;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * A deterministic discrete-time simulation of a client driving an {@link AdaptiveLimit} against a
 * provider with a hidden concurrency cap: a submit over the cap is answered 429 with a Retry-After;
 * an accepted job holds a slot for a random latency, and its acceptance is told to the limit. The
 * client has an endless backlog and submits whenever the limit and any pause allow.
 */
final class CappedProviderSimulation {
  record Result(double meanInFlight, long requests, long rejected, int finalLimit) {
    double rejectedShare() {
      return requests == 0 ? 0 : (double) rejected / requests;
    }
  }

  private CappedProviderSimulation() {}

  /**
   * @param cap the provider's hidden cap
   * @param meanLatencyMs mean job time, ms; each job draws uniformly within ±spread of it
   * @param spread relative half-width of the latency, 0..1
   * @param retryAfter the provider's Retry-After on a 429
   * @param seconds simulated time; in-flight is averaged over the second half
   */
  static Result run(
      AdaptiveLimit limit,
      int cap,
      long meanLatencyMs,
      double spread,
      Duration retryAfter,
      int seconds,
      long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    PriorityQueue<long[]> running =
        new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0])); // {endNs, startNs}
    long tick = 1_000_000L; // 1 ms
    long end = seconds * 1_000_000_000L;
    long measureFrom = end / 2;
    double inFlightSum = 0;
    long samples = 0;
    long requests = 0;
    long rejected = 0;
    for (long now = 0; now < end; now += tick) {
      while (!running.isEmpty() && running.peek()[0] <= now) {
        long[] done = running.poll();
        limit.onSuccess(now, now - done[1], running.size() + 1);
      }
      while (limit.pauseRemainingNanos(now) == 0 && running.size() < limit.limit()) {
        requests++;
        if (running.size() >= cap) {
          rejected++;
          limit.onRejected(now, running.size(), retryAfter);
          continue;
        }
        double f = 1 + spread * (2 * rnd.nextDouble() - 1);
        running.add(new long[] {now + (long) (meanLatencyMs * f * 1_000_000L), now});
        limit.onAccepted(running.size()); // as FlowControl does when the POST is accepted
      }
      if (now >= measureFrom) {
        inFlightSum += running.size();
        samples++;
      }
    }
    return new Result(inFlightSum / samples, requests, rejected, limit.limit());
  }
}
