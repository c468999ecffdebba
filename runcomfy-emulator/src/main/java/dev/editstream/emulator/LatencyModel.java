package dev.editstream.emulator;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How long an emulated job stays {@code in_progress}, ms: a distribution sampled once per accepted
 * job. Pure and deterministic: {@link #sample(double, double)} maps two uniform numbers in {@code
 * [0, 1)} to a latency, so a seeded stream of uniforms gives a repeatable sequence of latencies
 * (the {@link FaultPlan} draws exactly two per job whatever the model).
 *
 * <p>Text form ({@link #parse(String)}, {@link #spec()}): {@code fixed:2000}, {@code
 * uniform:1000..3000}, {@code lognormal:2000,0.5}. RunComfy does not document its latencies; these
 * are load models chosen by the tester.
 */
public sealed interface LatencyModel {
  /** Longest latency any model returns, ms (one day): keeps heavy log-normal tails finite. */
  long MAX_MS = 86_400_000L;

  /**
   * A latency from two independent uniform numbers.
   *
   * @param u1 uniform in {@code [0, 1)}
   * @param u2 uniform in {@code [0, 1)}
   * @return the latency, ms, in {@code 0..}{@link #MAX_MS}
   */
  long sample(double u1, double u2);

  /** The text form accepted by {@link #parse(String)}. */
  String spec();

  /** Draws two uniforms from {@code random} and samples. */
  default long sample(SplittableRandom random) {
    return sample(random.nextDouble(), random.nextDouble());
  }

  /**
   * Always the same latency.
   *
   * @param ms the latency, ms, {@code >= 0} ({@code 0}: the job completes as soon as it starts)
   */
  record Fixed(long ms) implements LatencyModel {
    /**
     * @throws IllegalArgumentException if {@code ms} is outside {@code 0..MAX_MS}
     */
    public Fixed {
      check(ms >= 0 && ms <= MAX_MS, "fixed ms must be 0.." + MAX_MS + ", was " + ms);
    }

    @Override
    public long sample(double u1, double u2) {
      return ms;
    }

    @Override
    public String spec() {
      return "fixed:" + ms;
    }
  }

  /**
   * Uniform over the integers {@code minMs..maxMs}, both included.
   *
   * @param minMs shortest latency, ms, {@code >= 0}
   * @param maxMs longest latency, ms, {@code >= minMs}
   */
  record Uniform(long minMs, long maxMs) implements LatencyModel {
    /**
     * @throws IllegalArgumentException if {@code minMs < 0}, {@code maxMs < minMs} or above MAX_MS
     */
    public Uniform {
      check(minMs >= 0, "uniform minMs must be >= 0, was " + minMs);
      check(
          maxMs >= minMs && maxMs <= MAX_MS,
          "uniform maxMs must be minMs (" + minMs + ").." + MAX_MS + ", was " + maxMs);
    }

    @Override
    public long sample(double u1, double u2) {
      long span = maxMs - minMs;
      return Math.min(maxMs, minMs + (long) Math.floor(u1 * (span + 1)));
    }

    @Override
    public String spec() {
      return "uniform:" + minMs + ".." + maxMs;
    }
  }

  /**
   * Log-normal: {@code median * exp(sigma * Z)} with Z standard normal (Box-Muller), so half the
   * jobs take less than the median and the tail grows with sigma (mean = {@code median *
   * exp(sigma^2 / 2)}). Rounded to ms and capped at {@link #MAX_MS}.
   *
   * @param medianMs the median latency, ms, {@code > 0}
   * @param sigma the standard deviation of the latency's logarithm, {@code >= 0}
   */
  record LogNormal(double medianMs, double sigma) implements LatencyModel {
    /**
     * @throws IllegalArgumentException if the median is not positive or sigma negative, or either
     *     is not finite
     */
    public LogNormal {
      check(
          Double.isFinite(medianMs) && medianMs > 0 && medianMs <= MAX_MS,
          "lognormal median must be > 0 ms, was " + medianMs);
      check(Double.isFinite(sigma) && sigma >= 0, "lognormal sigma must be >= 0, was " + sigma);
    }

    @Override
    public long sample(double u1, double u2) {
      double z = Math.sqrt(-2.0 * Math.log(1.0 - u1)) * Math.cos(2.0 * Math.PI * u2);
      double ms = medianMs * Math.exp(sigma * z);
      return Math.min(MAX_MS, Math.max(0L, Math.round(ms)));
    }

    @Override
    public String spec() {
      return "lognormal:" + num(medianMs) + "," + num(sigma);
    }
  }

  /** Uniform {@code minMs..maxMs}: the emulator's historical latency setting. */
  static LatencyModel uniform(long minMs, long maxMs) {
    return new Uniform(minMs, maxMs);
  }

  /**
   * Parses {@code fixed:MS}, {@code uniform:MIN..MAX} or {@code lognormal:MEDIAN,SIGMA} (ms; spaces
   * and case ignored). A bare number is {@code fixed}, a bare {@code MIN..MAX} is {@code uniform}.
   *
   * @throws IllegalArgumentException if the text is malformed or a value out of range; the message
   *     quotes the text
   */
  static LatencyModel parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT).replace(" ", "");
    int colon = t.indexOf(':');
    String kind = colon < 0 ? (t.contains("..") ? "uniform" : "fixed") : t.substring(0, colon);
    String args = colon < 0 ? t : t.substring(colon + 1);
    try {
      switch (kind) {
        case "fixed" -> {
          return new Fixed(Long.parseLong(args));
        }
        case "uniform" -> {
          int dots = args.indexOf("..");
          return dots < 0
              ? new Uniform(Long.parseLong(args), Long.parseLong(args))
              : new Uniform(
                  Long.parseLong(args.substring(0, dots)),
                  Long.parseLong(args.substring(dots + 2)));
        }
        case "lognormal" -> {
          int comma = args.indexOf(',');
          if (comma >= 0) {
            return new LogNormal(
                Double.parseDouble(args.substring(0, comma)),
                Double.parseDouble(args.substring(comma + 1)));
          }
        }
        default -> {
          // refused below
        }
      }
    } catch (NumberFormatException e) {
      // reported below with the expected forms
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("latency '" + text + "': " + e.getMessage(), e);
    }
    throw new IllegalArgumentException(
        "latency '" + text + "' must be fixed:MS, uniform:MIN..MAX or lognormal:MEDIAN_MS,SIGMA");
  }

  private static String num(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
