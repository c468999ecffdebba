package dev.editstream.core.model;

/**
 * What a job is expected to cost before it is submitted: the catalog's {@code base_price_usd} × the
 * units its {@code price_unit} counts ({@code runcomfy-live-contract.md} §3).
 *
 * @param usd the estimate, USD, {@code >= 0}
 * @param unit what the price counts: {@code output} (images produced), {@code second} (video
 *     seconds) or {@code request}
 * @param units how many of {@code unit} the job is expected to use, {@code >= 0}
 * @param exact whether the catalog says the base price is the whole price ({@code pricing_mode}
 *     {@code fixed}); {@code false} when it is only the base ({@code base}: options such as
 *     resolution may add to it) or the mode is unknown
 */
public record CostEstimate(double usd, String unit, double units, boolean exact) {
  /**
   * @throws IllegalArgumentException if {@code usd} or {@code units} is negative or not finite
   */
  public CostEstimate {
    if (!(usd >= 0) || Double.isInfinite(usd)) {
      throw new IllegalArgumentException("usd: must be a finite number >= 0, was " + usd);
    }
    if (!(units >= 0) || Double.isInfinite(units)) {
      throw new IllegalArgumentException("units: must be a finite number >= 0, was " + units);
    }
  }

  /** {@code $0.0780 (2 output × $0.039)}, with {@code from } before it when not exact. */
  public String describe() {
    return (exact ? "" : "from ")
        + String.format(java.util.Locale.ROOT, "$%.4f", usd)
        + " ("
        + trim(units)
        + " "
        + unit
        + ")";
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
