package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.core.event.RouteDecision;
import dev.editstream.core.job.Job;
import dev.editstream.core.model.ModelCatalog;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PromptLintTest {
  private static final PromptLint LINT = PromptLint.builtIn();
  private static final Router ROUTER = Router.builtIn();
  private static final ModelCatalog CATALOG = ModelCatalog.builtIn();

  /** Routes the job as the router would, then lints it. */
  private static List<String> lint(Job job) {
    RouteDecision d = ROUTER.route(job);
    return LINT.lint(job, d, CATALOG.find(d.modelId()).orElseThrow());
  }

  private static List<String> codes(Job job) {
    return lint(job).stream().map(w -> w.substring(0, w.indexOf(':'))).toList();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Keep the face unchanged. Make the jacket red.",
        "保持人物不变，把外套改成红色。",
        "人物はそのままで、ジャケットを赤に。",
        "인물은 그대로 유지하고 재킷을 빨간색으로.",
        "Mantén la cara intacta y pon la chaqueta roja.",
        "Garde le visage inchangé, veste rouge.",
        "Gesicht unverändert lassen, Jacke rot.",
        "Mantenha o rosto intacto, jaqueta vermelha.",
        "Сохрани лицо, куртка красная.",
        "حافظ على الوجه، اجعل السترة حمراء."
      })
  void shouldNotWarnAboutPreservationWhenThePromptHasAKeepClauseInAnyLanguage(String prompt) {
    assertThat(codes(Jobs.images(prompt, 1))).doesNotContain("no-preservation");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Make the jacket red.",
        "把外套改成红色。",
        "Pon la chaqueta roja.",
        "Сделай куртку красной."
      })
  void shouldWarnWhenNothingIsSaidToBePreserved(String prompt) {
    assertThat(lint(Jobs.images(prompt, 1)))
        .anySatisfy(w -> assertThat(w).startsWith("no-preservation: ").contains("unchanged"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "Keep the face. Remove the cables and add a lamp on the desk.|Remove, add",
        "Keep the face. Change the jacket to red, then put a hat on him.|Change, put",
        "保持人物不变。删除电线并添加一盏台灯。|删除, 添加",
        "Mantén la cara. Elimina los cables y añade una lámpara.|Elimina, añade",
        "Garde le visage. Supprime les câbles et ajoute une lampe.|Supprime, ajoute",
        "Gesicht behalten. Entferne die Kabel und füge eine Lampe hinzu.|Entferne, füge",
        "Сохрани лицо. Удали провода и добавь лампу.|Удали, добавь"
      })
  void shouldSuggestSequentialPassesForSeveralEdits(String prompt, String actions) {
    assertThat(lint(Jobs.images(prompt, 1)))
        .anySatisfy(
            w ->
                assertThat(w)
                    .startsWith("several-edits: 2 edits")
                    .contains("(" + actions + ")")
                    .contains("sequential passes"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Replace the sky with a sunset; do not change anything else.",
        "Keep everything else exactly as in the input. Replace the watermark with the text \"Add to cart\".",
        "Add a logo to the shirt he is wearing, keep the face unchanged.",
        "Ne change pas le visage, remplace le ciel.",
        "Remove the cable and remove the lamp."
      })
  void shouldNotCountPreservationPhrasesQuotedTextOrARepeatedVerbAsSeveralEdits(String prompt) {
    assertThat(codes(Jobs.images(prompt, 1))).doesNotContain("several-edits");
  }

  @Test
  void shouldWarnAboutUnnumberedReferencesOnACompositionModel() {
    Job job =
        Jobs.explicit(
            "Keep the subject. Put the person into the scene with that palette.",
            Router.GPT_IMAGE,
            3);

    assertThat(lint(job))
        .anySatisfy(
            w ->
                assertThat(w)
                    .startsWith("unnumbered-references: 3 images")
                    .contains("image 1, image 2"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Keep the subject from image 1, use the scene of image 2 and the palette of image 3.",
        "保持图1的人物，使用图2的场景。"
      })
  void shouldNotWarnWhenTheReferencesAreNumbered(String prompt) {
    assertThat(codes(Jobs.explicit(prompt, Router.GPT_IMAGE, 3)))
        .doesNotContain("unnumbered-references");
  }

  @Test
  void shouldNotWarnAboutReferencesForABatchOrAOneImageJob() {
    assertThat(codes(Jobs.images("Keep the product. Make the background white.", 5)))
        .doesNotContain("unnumbered-references");
    assertThat(codes(Jobs.explicit("Keep the product. White background.", Router.GPT_IMAGE, 1)))
        .doesNotContain("unnumbered-references");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "Keep the face. Retouch the skin, smooth the blemishes.|0.9|retouch|0.3-0.5",
        "Keep the person. Replace the background with a beach.|0.4|full-region replacement|0.8-1.0",
        "Keep the table. Replace the cup with a vase.|0.95|object replacement|0.6-0.7",
        "保持人物不变，把背景换成海滩。|0.3|full-region replacement|0.8-1.0",
        "Сохрани стол. Замени чашку на вазу.|0.2|object replacement|0.6-0.7",
        "Keep the background, replace the cup with a vase.|0.9|object replacement|0.6-0.7",
        "Replace busy backdrop with smooth light gray studio paper; mask background only.|0.4|full-region replacement|0.8-1.0"
      })
  void shouldWarnWhenStrengthIsOutsideTheRangeForTheStatedIntent(
      String prompt, double strength, String intent, String range) {
    Job job = Jobs.masked(prompt, Map.of("strength", strength));

    assertThat(lint(job))
        .anySatisfy(
            w ->
                assertThat(w)
                    .startsWith("strength-range: strength ")
                    .contains("outside " + range + " advised for a " + intent));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "Keep the face. Retouch the skin.|0.4",
        "Keep the person. Replace the background with a beach.|0.9",
        "Keep the table. Replace the cup with a vase.|0.65",
        "Keep the table. Remove the cables.|0.95"
      })
  void shouldAcceptStrengthInsideTheRangeOrWithoutAStatedIntent(String prompt, double strength) {
    assertThat(codes(Jobs.masked(prompt, Map.of("strength", strength))))
        .doesNotContain("strength-range");
  }

  @Test
  void shouldCheckStrengthOnlyOnInpaintingRoutes() {
    Job job = Jobs.explicit("Keep the face. Retouch the skin.", Router.NANO_BANANA, 1);
    Job withStrength =
        new Job(
            job.id(),
            job.prompt(),
            job.images(),
            null,
            null,
            job.model(),
            Map.of("strength", 0.9),
            null);

    assertThat(codes(withStrength)).doesNotContain("strength-range");
  }

  @Test
  void shouldGiveNoWarningForABlankPromptOrAGoodOne() {
    assertThat(lint(Jobs.explicit("", Router.FLUX_KONTEXT, 1))).isEmpty();
    assertThat(
            lint(
                Jobs.images(
                    "Keep her face and pose unchanged. She is now holding an orange umbrella.", 1)))
        .isEmpty();
  }

  @Test
  void shouldRefuseALexiconWithoutTheCategoriesItNeeds() throws Exception {
    JsonNode file =
        Json.mapper()
            .readTree(
                "{\"language\":\"t\",\"cues\":{\"keep\":[\"keep\"],\"reference\":[\"image 1\"]}}");

    assertThatThrownBy(
            () -> new PromptLint(Lexicon.of(List.of(file)), Set.of(), Set.of(), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("edit_action");
  }

  @Test
  void builtInLexiconsDefineEveryLintCategoryInEveryLanguage() throws Exception {
    for (String lang : Lexicon.builtIn().languages()) {
      JsonNode doc;
      try (var in =
          PromptLintTest.class.getResourceAsStream(
              "/editstream/routing/lexicon-" + lang + ".json")) {
        doc = Json.mapper().readTree(in);
      }
      for (String c :
          List.of(
              "keep", "edit_action", "reference", "retouch", "replace_region", "replace_object")) {
        assertThat(doc.path("cues").path(c).size()).as("%s.%s", lang, c).isPositive();
      }
    }
  }
}
