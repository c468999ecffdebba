package dev.editstream.emulator;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The cost of a completed job, from its model's price (runcomfy-live-contract.md §3: {@code
 * base_price_usd} per {@code price_unit}). Pure.
 *
 * <ul>
 *   <li>{@code price_unit = output}: {@code base_price_usd} × the output files produced ({@code
 *       output.images}, {@code output.videos}: their count; {@code output.image}, {@code
 *       output.video}: one);
 *   <li>{@code price_unit = second}: {@code base_price_usd} × the body's {@code duration}, else the
 *       schema's default {@code duration}, else {@value #DEFAULT_SECONDS} s.
 * </ul>
 *
 * Costs are USD rounded to 6 decimals (whole microdollars, the unit of {@code
 * balance_microdollars}). {@code pricing_mode = base} prices are taken as the whole price: the
 * emulator does not model the options that change them.
 */
public final class Pricing {
  /**
   * Seconds billed for a per-second model when neither the body nor the schema gives a duration.
   */
  public static final int DEFAULT_SECONDS = 5;

  private Pricing() {}

  /**
   * How many price units a completed job used.
   *
   * @param model its model
   * @param body the submitted body
   * @param output the job's {@code output} object
   * @return output files, or seconds
   */
  public static double units(EmulatorModel model, JsonNode body, JsonNode output) {
    if (EmulatorModel.PER_SECOND.equals(model.priceUnit())) {
      JsonNode d = body == null ? null : body.get("duration");
      if (d != null && d.isNumber() && d.asDouble() > 0) {
        return d.asDouble();
      }
      Integer dflt = model.integerDefault("duration");
      return dflt != null && dflt > 0 ? dflt : DEFAULT_SECONDS;
    }
    return outputs(output);
  }

  /**
   * The cost of a completed job, USD, rounded to 6 decimals.
   *
   * @see #units(EmulatorModel, JsonNode, JsonNode)
   */
  public static double cost(EmulatorModel model, JsonNode body, JsonNode output) {
    return usd(micros(model.basePriceUsd() * units(model, body, output)));
  }

  /** USD to whole microdollars (rounded half up). */
  public static long micros(double usd) {
    return Math.round(usd * 1_000_000d);
  }

  /** Microdollars to USD. */
  public static double usd(long micros) {
    return micros / 1_000_000d;
  }

  private static int outputs(JsonNode output) {
    if (output == null || !output.isObject()) {
      return 0;
    }
    int n = 0;
    for (String many : new String[] {"images", "videos"}) {
      if (output.path(many).isArray()) {
        n += output.path(many).size();
      }
    }
    for (String one : new String[] {"image", "video"}) {
      if (output.path(one).isTextual()) {
        n++;
      }
    }
    return n;
  }
}
