package dev.editstream.bench;

import java.util.Arrays;

/**
 * One row of the bench table.
 *
 * @param scenario scenario letter and variant, e.g. {@code a} or {@code e-cli}
 * @param jobs jobs run
 * @param wallS wall time, s
 * @param idealS ideal wall time {@code ceil(N / cap) × mean latency}, s (0 when not defined)
 * @param statusCallsPerJob status GETs the emulator received per job
 * @param delayP50Ms p50 of the per-job delay measured by the scenario, ms: for the pipeline
 *     scenarios and the CLI loop, remote completion (the request's {@code finished_at}) to download
 *     done (see docs/benchmarks.md)
 * @param delayP95Ms p95 of it, ms
 * @param delayP99Ms p99 of it, ms
 * @param share429 share of API calls answered 429
 * @param peakHeapMb peak heap used during the scenario, MiB
 * @param cpuS process CPU time used during the scenario, s
 * @param note what else to know
 */
public record BenchResult(
    String scenario,
    long jobs,
    double wallS,
    double idealS,
    double statusCallsPerJob,
    long delayP50Ms,
    long delayP95Ms,
    long delayP99Ms,
    double share429,
    double peakHeapMb,
    double cpuS,
    String note) {

  /** Wall time over ideal, or 0 when no ideal is defined. */
  public double ratioToIdeal() {
    return idealS <= 0 ? 0 : wallS / idealS;
  }

  /** This row under another scenario name and with another note, every figure kept. */
  public BenchResult as(String scenario, String note) {
    return new BenchResult(
        scenario,
        jobs,
        wallS,
        idealS,
        statusCallsPerJob,
        delayP50Ms,
        delayP95Ms,
        delayP99Ms,
        share429,
        peakHeapMb,
        cpuS,
        note);
  }

  /** Jobs per second of wall time. */
  public double jobsPerSecond() {
    return wallS <= 0 ? 0 : jobs / wallS;
  }

  /** The {@code p}-quantile (0..1) of {@code values} (sorted in place), or 0 when empty. */
  public static long quantile(long[] values, double p) {
    if (values.length == 0) {
      return 0;
    }
    Arrays.sort(values);
    int i = (int) Math.ceil(p * values.length) - 1;
    return values[Math.max(0, Math.min(values.length - 1, i))];
  }

  /** {@code ceil(jobs / cap) × meanLatencyS}, s; with no cap ({@code cap <= 0}) one latency. */
  public static double ideal(long jobs, int cap, double meanLatencyS) {
    return cap <= 0 ? meanLatencyS : Math.ceil((double) jobs / cap) * meanLatencyS;
  }
}
