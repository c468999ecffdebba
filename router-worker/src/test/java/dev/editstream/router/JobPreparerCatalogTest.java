package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.core.error.StageException;
import dev.editstream.core.job.Job;
import dev.editstream.core.model.ModelCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Preparation over a live-style catalog: pre-flight input rules, estimates, unusable schemas,
 * missing targets.
 */
class JobPreparerCatalogTest {
  @TempDir Path dir;

  private static JsonNode entry(String json) throws Exception {
    return Json.mapper().readTree(json.replace('\'', '"'));
  }

  private static JobPreparer over(ModelCatalog c) {
    Router r = new Router(Lexicon.builtIn(), c);
    return new JobPreparer(
        r,
        c,
        PromptLint.of(r.lexicon()),
        InputStager.dryRun(
            java.util.List.of(java.nio.file.Path.of(System.getProperty("java.io.tmpdir")))));
  }

  private static ModelCatalog tiny() throws Exception {
    return ModelCatalog.fromEntries(
        List.of(
            entry(
                "{'model_id':'acme/edit','base_price_usd':0.05,'price_unit':'output','pricing_mode':'fixed','input_schema':{'type':'object',"
                    + "'required':['prompt','image_url'],'properties':{'prompt':{'type':'string'},'num_images':{'type':'integer','default':1},'image_url':{'type':'string','format':'image_uri',"
                    + "'validations':[{'validation_rule':'file_size_mb<','validation_value':0.001,'validation_error':'Image too large'},"
                    + "{'validation_rule':'frames<','validation_value':3}]}}}}"),
            entry(
                "{'model_id':'acme/broken','input_schema':{'type':'object','properties':{'x':{'type':'decimal'}}}}")),
        ModelCatalog.Source.LIVE,
        Instant.EPOCH);
  }

  @Test
  void shouldRefuseALocalFileThatBreaksTheCatalogsInputRuleBeforePaying() throws Exception {
    Path big = Files.write(dir.resolve("big.png"), Media.noisyPng(64, 64));
    Job job =
        new Job(
            "j1",
            "Make it warmer.",
            List.of(big.toString()),
            null,
            null,
            "acme/edit",
            Map.of(),
            null);

    assertThatThrownBy(() -> over(tiny()).prepare(job))
        .isInstanceOfSatisfying(
            StageException.class,
            e -> {
              assertThat(e.exitClass().code()).isEqualTo(65);
              assertThat(e.reasonText()).isEqualTo("input_rule");
              assertThat(e.getMessage())
                  .contains(
                      "job j1", "image_url: file_size_mb", "must be < 0.001", "Image too large");
            });
  }

  @Test
  void shouldNameTheInputRulesItCouldNotCheckAndEstimateTheCost() throws Exception {
    Job job =
        new Job(
            "j2",
            "Make it warmer.",
            List.of("https://a.example/x.png"),
            null,
            null,
            "acme/edit",
            Map.of(),
            null);

    JobPreparer.Prepared p = over(tiny()).prepare(job);

    assertThat(p.route().warnings())
        .anySatisfy(
            w ->
                assertThat(w)
                    .startsWith("input-rules-unchecked: ")
                    .contains("image_url: file_size_mb< 0.001 (a URL input)"));
    assertThat(p.route().estimate().usd()).isEqualTo(0.05);
    assertThat(p.route().estimate().exact()).isTrue();
  }

  @Test
  void shouldFailAJobForAModelWhoseLiveSchemaCannotBeUnderstoodNamingIt() throws Exception {
    Job job =
        new Job(
            "j3",
            "x",
            List.of("https://a.example/x.png"),
            null,
            null,
            "acme/broken",
            Map.of(),
            null);

    assertThatThrownBy(() -> over(tiny()).prepare(job))
        .isInstanceOfSatisfying(
            StageException.class,
            e -> {
              assertThat(e.reasonText()).isEqualTo("schema_unusable");
              assertThat(e.getMessage())
                  .contains("acme/broken", "unknown type \"decimal\"", "catalog: live");
            });
  }

  @Test
  void shouldFailAJobRoutedToATargetTheCatalogLacksWithoutPaying() throws Exception {
    Job job =
        new Job(
            "j4",
            "Keep the product. Put it on grey paper.",
            List.of("https://a.example/x.png"),
            null,
            null,
            null,
            Map.of(),
            null);

    assertThatThrownBy(() -> over(tiny()).prepare(job))
        .isInstanceOfSatisfying(
            StageException.class,
            e -> {
              assertThat(e.exitClass().code()).isEqualTo(65);
              assertThat(e.reasonText()).isEqualTo("model_unavailable");
              assertThat(e.getMessage())
                  .contains(
                      "job j4: routing target ", " is not in RunComfy's catalog (catalog: live");
            });
  }

  @Test
  void shouldEstimateASplitBatchAsTheSumOfItsCalls() {
    List<String> images =
        java.util.stream.IntStream.range(0, 25)
            .mapToObj(i -> "https://a.example/" + i + ".png")
            .toList();
    Job job =
        new Job(
            "j5",
            "Keep every product; put each on grey paper.",
            images,
            null,
            null,
            null,
            Map.of("aspect_ratio", "1:1"),
            null);

    JobPreparer.Prepared p =
        JobPreparer.builtIn(
                InputStager.dryRun(
                    java.util.List.of(java.nio.file.Path.of(System.getProperty("java.io.tmpdir")))))
            .prepare(job);

    assertThat(p.parts()).hasSize(2);
    assertThat(p.route().estimate().usd()).isEqualTo(0.078);
    assertThat(p.route().estimate().exact()).as("built-in prices are estimates").isFalse();
  }
}
