package dev.editstream.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Estimates what one request will cost from the catalog's price and the request body: price ×
 * outputs for per-output prices, price × seconds for per-second prices ({@code
 * runcomfy-live-contract.md} §3). Pure.
 *
 * <p>Outputs: the body's {@code number_of_images}, {@code num_images}, {@code num_outputs} or
 * {@code n}, else that field's schema default, else 1 (marked inexact: nothing says how many
 * outputs the model makes). Seconds: the body's {@code duration}, else its schema default, else 5
 * (marked inexact: the video's own length decides). The estimate is exact only when {@code
 * pricing_mode} is {@code fixed}, the units are known and the price came from RunComfy (not
 * editstream's built-in snapshot).
 */
public final class CostEstimator {
  private static final List<String> COUNT_FIELDS =
      List.of("number_of_images", "num_images", "num_outputs", "n");

  /** Seconds assumed for a per-second model whose body and schema give no duration. */
  static final double DEFAULT_SECONDS = 5;

  private CostEstimator() {}

  /**
   * @param spec the model
   * @param body the request body (one request; sum the parts of a split batch)
   * @param priceFromRunComfy whether the price was read from RunComfy (live or its cache)
   * @return the estimate
   */
  public static CostEstimate estimate(ModelSpec spec, JsonNode body, boolean priceFromRunComfy) {
    ModelSpec.Price p = spec.price();
    JsonNode props = spec.inputSchema().path("properties");
    boolean known = true;
    double units;
    switch (p.unit()) {
      case "output" -> {
        // without a count field, one output per request is assumed, not known (a frame-sequence
        // model answers one output per input frame)
        units = 1;
        known = false;
        for (String f : COUNT_FIELDS) {
          if (props.has(f) || body.has(f)) {
            units = number(body.get(f), props.path(f).get("default"), 1);
            known = true;
            break;
          }
        }
      }
      case "second" -> {
        JsonNode given = body.get("duration");
        JsonNode dflt = props.path("duration").get("default");
        known = (given != null && given.isNumber()) || (dflt != null && dflt.isNumber());
        units = number(given, dflt, DEFAULT_SECONDS);
      }
      default -> units = 1;
    }
    boolean exact = known && priceFromRunComfy && "fixed".equals(p.mode());
    return new CostEstimate(round(p.baseUsd() * units), p.unit(), units, exact);
  }

  private static double number(JsonNode given, JsonNode dflt, double fallback) {
    if (given != null && given.isNumber() && given.asDouble() >= 0) {
      return given.asDouble();
    }
    if (dflt != null && dflt.isNumber() && dflt.asDouble() >= 0) {
      return dflt.asDouble();
    }
    return fallback;
  }

  /** Rounds to a millionth of a dollar (RunComfy's balance counts microdollars). */
  static double round(double usd) {
    return Math.round(usd * 1_000_000d) / 1_000_000d;
  }
}
