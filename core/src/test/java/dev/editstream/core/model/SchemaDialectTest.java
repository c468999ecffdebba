package dev.editstream.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.core.model.SchemaDialect.Media;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SchemaDialectTest {
  private static JsonNode json(String s) throws Exception {
    return Json.mapper().readTree(s.replace('\'', '"'));
  }

  @Test
  void shouldTurnFloatIntoNumberEverywhereAndDropNullDefaults() throws Exception {
    SchemaDialect.Normalised n =
        SchemaDialect.normalise(
            json(
                "{'type':'object','properties':{"
                    + "'strength':{'type':'float','minimum':0,'maximum':1},"
                    + "'seed':{'type':'integer','default':null},"
                    + "'scale':{'type':['float','null']},"
                    + "'loras':{'type':'array','items':{'type':'object','properties':{'scale':{'type':'float'}}}},"
                    + "'mix':{'anyOf':[{'type':'float'},{'type':'string'}]}}}"));
    assertThat(n.usable()).isTrue();
    JsonNode p = n.schema().path("properties");
    assertThat(p.path("strength").path("type").asText()).isEqualTo("number");
    assertThat(p.path("seed").has("default")).isFalse();
    assertThat(p.path("scale").path("type").toString()).isEqualTo("[\"number\",\"null\"]");
    assertThat(p.path("loras").path("items").path("properties").path("scale").path("type").asText())
        .isEqualTo("number");
    assertThat(p.path("mix").path("anyOf").get(0).path("type").asText()).isEqualTo("number");
  }

  @Test
  void shouldLeaveTheInputUntouched() throws Exception {
    JsonNode raw = json("{'type':'object','properties':{'s':{'type':'float'}}}");
    SchemaDialect.normalise(raw);
    assertThat(raw.path("properties").path("s").path("type").asText()).isEqualTo("float");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "image_uri,IMAGE",
    "image_uris,IMAGES",
    "video_uri,VIDEO",
    "video_uris,VIDEOS",
    "audio_uri,AUDIO",
    "audio_uris,AUDIOS"
  })
  void shouldKeepMediaFormatsAsTheFieldsMediaAndRemoveThem(String format, Media media)
      throws Exception {
    SchemaDialect.Normalised n =
        SchemaDialect.normalise(
            json(
                "{'type':'object','properties':{'in':{'type':'string','format':'"
                    + format
                    + "'}}}"));
    assertThat(n.media()).containsEntry("in", media);
    assertThat(n.schema().path("properties").path("in").has("format")).isFalse();
  }

  @Test
  void shouldKeepStandardFormatsAndNestedMediaUnderTheTopLevelField() throws Exception {
    SchemaDialect.Normalised n =
        SchemaDialect.normalise(
            json(
                "{'type':'object','properties':{"
                    + "'email':{'type':'string','format':'email'},"
                    + "'refs':{'type':'array','items':{'type':'string','format':'image_uri'}}}}"));
    assertThat(n.schema().path("properties").path("email").path("format").asText())
        .isEqualTo("email");
    assertThat(n.media()).containsEntry("refs", Media.IMAGE);
  }

  @Test
  void shouldKeepValidationsAsPreflightRulesOfTheirField() throws Exception {
    SchemaDialect.Normalised n =
        SchemaDialect.normalise(
            json(
                "{'type':'object','properties':{'image_url':{'type':'string',"
                    + "'validations':[{'validation_rule':'file_size_mb<','validation_value':30,'validation_error':'too big'},"
                    + "{'validation_rule':'aspect_ratio>=','validation_value':'1:16'}]}}}"));
    assertThat(n.validations())
        .containsExactly(
            new InputValidation("image_url", "file_size_mb<", "30", "too big"),
            new InputValidation("image_url", "aspect_ratio>=", "1:16", null));
    assertThat(n.schema().path("properties").path("image_url").has("validations")).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{'type':'object','properties':{'x':{'type':'decimal'}}}|properties.x.type: unknown type \"decimal\"",
        "{'type':'object','properties':{'x':{'type':7}}}|properties.x.type: unknown type 7",
        "{'type':'object','properties':[]}|properties: must be an object",
        "{'type':'object','properties':{'x':3}}|properties.x: must be a schema object",
        "{'type':'object','properties':{'x':{'validations':{}}}}|properties.x.validations: must be an array",
        "[]|input_schema: must be a JSON object"
      })
  void shouldNameWhatItCannotUnderstand(String schema, String problem) throws Exception {
    SchemaDialect.Normalised n = SchemaDialect.normalise(json(schema));
    assertThat(n.usable()).isFalse();
    assertThat(String.join("; ", n.problems())).contains(problem.replace('\'', '"'));
  }

  @Test
  void shouldKeepValidationRulesOfAnyShapeForTheRouterToCheckOrReport() throws Exception {
    SchemaDialect.Normalised n =
        SchemaDialect.normalise(
            json(
                "{'type':'object','properties':{'v':{'type':'string','validations':["
                    + "{'validation_rule':'duration_s_between','validation_value':[2,10]},{'validation_rule':'w>'},{'validation_value':3}]}}}"));
    assertThat(n.usable()).isTrue();
    assertThat(n.validations())
        .containsExactly(
            new InputValidation("v", "duration_s_between", "[2,10]", null),
            new InputValidation("v", "w>", "", null),
            new InputValidation("v", "(no rule)", "3", null));
  }

  @Test
  void shouldCallAMissingSchemaAProblem() {
    assertThat(SchemaDialect.normalise(null).problems())
        .containsExactly("input_schema: must be a JSON object, was missing");
  }
}
