package dev.editstream.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CostEstimatorTest {
  private static JsonNode json(String s) throws Exception {
    return Json.mapper().readTree(s.replace('\'', '"'));
  }

  private static ModelSpec model(String unit, String mode, String props) throws Exception {
    String mode_ = mode == null ? "" : ",'pricing_mode':'" + mode + "'";
    JsonNode e =
        json(
            "{'model_id':'m','base_price_usd':0.1,'price_unit':'"
                + unit
                + "'"
                + mode_
                + ",'input_schema':{'type':'object','properties':"
                + props
                + "}}");
    return ModelCatalog.fromEntries(List.of(e), ModelCatalog.Source.LIVE, Instant.EPOCH)
        .find("m")
        .orElseThrow();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        // what | unit | mode | schema properties | body | usd | units | exact
        "one output assumed, not known|output|fixed|{}|{}|0.1|1|false",
        "outputs asked|output|fixed|{'number_of_images':{'type':'integer','default':1}}|{'number_of_images':4}|0.4|4|true",
        "outputs by schema default|output|fixed|{'num_images':{'type':'integer','default':2}}|{}|0.2|2|true",
        "base price is only a base|output|base|{}|{}|0.1|1|false",
        "no pricing mode|output|-|{}|{}|0.1|1|false",
        "old unit word image|image|fixed|{'n':{'type':'integer','default':1}}|{}|0.1|1|true",
        "seconds asked|second|fixed|{'duration':{'type':'integer','default':5}}|{'duration':8}|0.8|8|true",
        "seconds by default|second|fixed|{'duration':{'type':'integer','default':5}}|{}|0.5|5|true",
        "seconds unknown|second|fixed|{}|{}|0.5|5|false",
        "per request|request|fixed|{}|{'number_of_images':3}|0.1|1|true"
      })
  void shouldMultiplyThePriceByTheUnitsTheJobUses(
      String what,
      String unit,
      String mode,
      String props,
      String body,
      double usd,
      double units,
      boolean exact)
      throws Exception {
    CostEstimate e = CostEstimator.estimate(model(unit, mode, props), json(body), true);
    assertThat(e.usd()).isEqualTo(usd);
    assertThat(e.units()).isEqualTo(units);
    assertThat(e.exact()).isEqualTo(exact);
  }

  @ParameterizedTest(name = "from RunComfy={0}")
  @CsvSource({"true,true", "false,false"})
  void shouldNeverCallAnEstimateFromEditstreamsOwnSnapshotExact(boolean fromRunComfy, boolean exact)
      throws Exception {
    assertThat(
            CostEstimator.estimate(
                    model("second", "fixed", "{'duration':{'type':'integer','default':5}}"),
                    json("{}"),
                    fromRunComfy)
                .exact())
        .isEqualTo(exact);
  }
}
