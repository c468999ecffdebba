package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.core.model.ModelCatalog;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CatalogDiffTest {
  private static ModelCatalog catalog(String... entries) throws Exception {
    List<JsonNode> l = new java.util.ArrayList<>();
    for (String e : entries) {
      l.add(Json.mapper().readTree(e.replace('\'', '"')));
    }
    return ModelCatalog.fromEntries(l, ModelCatalog.Source.LIVE, Instant.EPOCH);
  }

  @Test
  void shouldNameNewGoneRespeltAndChangedModels() throws Exception {
    ModelCatalog before =
        catalog(
            "{'model_id':'openai/gpt-image-2/edit','base_price_usd':0.0,'price_unit':'image','input_schema':{'type':'object',"
                + "'required':['prompt','images'],'properties':{'prompt':{'type':'string'},'images':{'type':'array'},'size':{'type':'string'}}}}",
            "{'model_id':'wan-ai/wan-2-7/edit-video','input_schema':{'type':'object','properties':{'prompt':{'type':'string'}}}}",
            "{'model_id':'acme/old','input_schema':{'type':'object'}}");
    ModelCatalog now =
        catalog(
            "{'model_id':'openai/gpt-image-2/edit','base_price_usd':0.08,'price_unit':'output','input_schema':{'type':'object',"
                + "'required':['prompt','images'],'properties':{'prompt':{'type':'string'},'images':{'type':'array'},'quality':{'type':'string'}}}}",
            "{'model_id':'wan-ai/wan-2.7/edit-video','input_schema':{'type':'object','properties':{'prompt':{'type':'string'}}}}",
            "{'model_id':'acme/new','base_price_usd':0.01,'price_unit':'output','input_schema':{'type':'object'}}",
            "{'model_id':'acme/odd','input_schema':{'type':'object','properties':{'x':{'type':'decimal'}}}}");

    List<String> lines = CatalogDiff.lines(now, before);

    assertThat(lines)
        .containsExactly(
            "+ acme/new: new (, $0.0100/output)",
            "- acme/old: gone",
            "~ openai/gpt-image-2/edit: new fields quality",
            "~ openai/gpt-image-2/edit: fields gone size",
            "~ openai/gpt-image-2/edit: price $0.0000/output -> $0.0800/output",
            "~ wan-ai/wan-2-7/edit-video: now spelt wan-ai/wan-2.7/edit-video",
            "! acme/odd: input_schema not understood: properties.x.type: unknown type \"decimal\"");
  }

  @Test
  void shouldFindNothingBetweenACatalogAndItself() {
    assertThat(CatalogDiff.lines(ModelCatalog.builtIn(), ModelCatalog.builtIn())).isEmpty();
  }
}
