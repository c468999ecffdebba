package dev.editstream.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ParamsRulesTest {
  private static JsonNode tree(String json) throws Exception {
    return Json.mapper().readTree(json.replace('\'', '"'));
  }

  @Test
  void shouldConvertValidParamsKeepingOrderAndTypes() throws Exception {
    var c =
        ParamsRules.check(
            tree(
                "{'seed':7,'strength':0.5,'big':12345678901,'on':true,'size':'1:1',"
                    + "'loras':[{'path':'https://cdn.example.com/l.safetensors','scale':1}]}"));
    assertThat(c.field()).isNull();
    assertThat(c.value()).containsKeys("seed", "strength", "big", "on", "size", "loras");
    assertThat(c.value().keySet())
        .containsExactly("seed", "strength", "big", "on", "size", "loras");
    assertThat(c.value().get("seed")).isEqualTo(7);
    assertThat(c.value().get("big")).isEqualTo(12345678901L);
    assertThat(c.value().get("loras")).isInstanceOf(List.class);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{'prompt':'x'}|params.prompt|job's own fields",
        "{'image_urls':['x']}|params.image_urls|job's own fields",
        "{'seed':null}|params.seed|must not be null",
        "{'a':{'b':{'c':{'d':{'e':{'f':1}}}}}}|params.a.b.c.d.e|at most 5 levels",
        "{'a':[[[[[1]]]]]}|params.a[0][0][0][0]|at most 5 levels",
        "{'a b':1}|params[\"a b\"]|must be a key",
        "{'1x':1}|params.1x|must be a key",
        "{'ref':'file:///etc/passwd'}|params.ref|scheme \"file\" refused",
        "{'ref':'https://169.254.169.254/x'}|params.ref|public https URL",
        "{'loras':[{'path':'http://evil.example/x'}]}|params.loras[0].path|scheme \"http\" refused",
        "{'note':'a\\u0000b'}|params.note|control characters"
      })
  void shouldNameTheParamAndRule(String json, String field, String fragment) throws Exception {
    var c = ParamsRules.check(tree(json));
    assertThat(c.value()).isNull();
    assertThat(c.field()).isEqualTo(field);
    assertThat(c.rule()).contains(fragment);
  }

  @Test
  void shouldRefuseTooManyKeysLongStringsBigArraysAndInfinity() throws Exception {
    StringBuilder many = new StringBuilder("{");
    for (int i = 0; i <= ParamsRules.MAX_KEYS; i++) {
      many.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":1");
    }
    assertThat(ParamsRules.check(tree(many + "}")).rule()).contains("at most 50 keys, held 51");
    assertThat(ParamsRules.check(tree("{'s':'" + "x".repeat(2049) + "'}")).rule())
        .contains("at most 2048 characters");
    assertThat(ParamsRules.check(tree("{'s':'" + "x".repeat(2048) + "'}")).rule()).isNull();
    assertThat(ParamsRules.check(tree("{'a':[" + "1,".repeat(500) + "1]}")).rule())
        .contains("at most 500 items");
    assertThat(ParamsRules.check(tree("{'x':1e999}")).rule()).contains("finite");
  }

  @Test
  void shouldAcceptFiveLevelsOfNesting() throws Exception {
    var c = ParamsRules.check(tree("{'a':{'b':{'c':{'d':{'e':1}}}},'l':[[[[1]]]]}"));
    assertThat(c.field()).isNull();
    assertThat(c.value()).containsKeys("a", "l");
  }

  @Test
  void shouldAcceptRatiosThatLookLikeSchemes() throws Exception {
    assertThat(ParamsRules.check(tree("{'aspect_ratio':'16:9','size':'1024x1024'}")).field())
        .isNull();
  }
}
