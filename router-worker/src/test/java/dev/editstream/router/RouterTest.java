package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.RouteDecision;
import dev.editstream.core.job.Job;
import dev.editstream.core.model.ModelCatalog;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {
  private static final Router ROUTER = Router.builtIn();

  @Test
  void shouldEvaluateTheRulesInTheDocumentedOrder() {
    assertThat(ROUTER.ruleNames())
        .containsExactly(
            "explicit-model",
            "named-in-prompt",
            "mask-reference",
            "mask-lora",
            "mask",
            "video-restyle",
            "video-region-edit",
            "frame-sequence",
            "multi-reference",
            "text-rewrite",
            "layout",
            "headline-variants",
            "batch",
            "spatial-edit",
            "background-swap",
            "single-local-edit",
            "default");
  }

  @Test
  void shouldNameTheMatchedWordsAsCuesWhenSwappingABackground() {
    RouteDecision d = ROUTER.route(Jobs.images("保持主体不变。将背景换成海滩。", 1));

    assertThat(d.rule()).isEqualTo("background-swap");
    assertThat(d.cues()).containsExactly("background:背景", "keep:保持", "keep:不变");
  }

  @Test
  void shouldNameTheScriptOfQuotedTextWhenRewritingIt() {
    RouteDecision d = ROUTER.route(Jobs.images("Replace the headline with \"セール\".", 1));

    assertThat(d.modelId()).isEqualTo(Router.GPT_IMAGE);
    assertThat(d.cues()).contains("quoted:セール", "script:Katakana", "text:headline");
  }

  @Test
  void shouldNameTheImageCountWhenBatching() {
    RouteDecision d = ROUTER.route(Jobs.images("Make them brighter.", 3));

    assertThat(d.withLanguage(null, null))
        .isEqualTo(new RouteDecision(Router.NANO_BANANA, "batch", List.of("images:3")));
    assertThat(d.language()).isEqualTo("en");
  }

  @Test
  void shouldLetAnExplicitModelWinOverMaskAndBrand() {
    Job job =
        new Job(
            "j1",
            "use nano banana",
            Jobs.images(1),
            "https://a.example/m.png",
            null,
            Router.FLUX_KONTEXT,
            null,
            null);

    assertThat(ROUTER.route(job).withLanguage(null, null))
        .isEqualTo(
            new RouteDecision(
                Router.FLUX_KONTEXT, "explicit-model", List.of("model:" + Router.FLUX_KONTEXT)));
  }

  @Test
  void shouldRefuseAnExplicitModelTheCatalogDoesNotKnow() {
    assertThatThrownBy(() -> ROUTER.route(Jobs.explicit("x", "acme/unknown/edit", 1)))
        .isInstanceOfSatisfying(
            StageException.class,
            e -> {
              assertThat(e.exitClass()).isEqualTo(ExitClass.DATA);
              assertThat(e.reasonText()).isEqualTo("unknown_model");
              assertThat(e.getMessage())
                  .contains("job j1", "acme/unknown/edit", "catalog: built-in");
            });
  }

  @Test
  void shouldSuggestCloseIdsAndAcceptTheOtherSpellingOfAnExplicitModel() {
    assertThatThrownBy(() -> ROUTER.route(Jobs.explicit("x", "openai/gpt-image-9/edit", 1)))
        .hasMessageContaining("did you mean")
        .hasMessageContaining("openai/gpt-image-2/edit");
    RouteDecision d = ROUTER.route(Jobs.explicit("x", "wan-ai/wan-2-7/edit-video", 0));
    assertThat(d.modelId()).isEqualTo("wan-ai/wan-2.7/edit-video");
    assertThat(d.cues())
        .containsExactly("model:wan-ai/wan-2-7/edit-video", "resolved:wan-ai/wan-2.7/edit-video");
  }

  @Test
  void shouldAcceptAnyModelOfTheCatalogAsAnExplicitModel() {
    assertThat(ROUTER.route(Jobs.explicit("x", "qwen/qwen-image-2.1/edit", 1)).modelId())
        .isEqualTo("qwen/qwen-image-2.1/edit");
  }

  @Test
  void shouldListRoutingTargetsTheCatalogLacksInsteadOfRoutingElsewhere() throws Exception {
    var entries = new java.util.ArrayList<com.fasterxml.jackson.databind.JsonNode>();
    ModelCatalog.builtInDocument()
        .path("models")
        .forEach(
            m -> {
              if (!m.path("model_id").asText().startsWith("openai/gpt-image-2/")) {
                entries.add(m);
              }
            });
    ModelCatalog withoutGpt =
        ModelCatalog.fromEntries(entries, ModelCatalog.Source.LIVE, java.time.Instant.EPOCH);
    Router r = new Router(Lexicon.builtIn(), withoutGpt);

    assertThat(r.missingTargets()).containsExactly(Router.GPT_IMAGE);
    assertThat(r.route(Jobs.explicit("x", null, 3)).modelId()).isNotEqualTo(Router.GPT_IMAGE);
  }

  @Test
  void shouldLetABrandNamedInThePromptWinOverAMask() {
    RouteDecision d = ROUTER.route(Jobs.masked("Use GPT Image 2 to clean this up", Map.of()));

    assertThat(d.modelId()).isEqualTo(Router.GPT_IMAGE);
    assertThat(d.rule()).isEqualTo("named-in-prompt");
    assertThat(d.cues()).containsExactly("brand:GPT Image 2");
  }

  @Test
  void shouldPreferTheLongestBrandWhenSeveralMatch() {
    RouteDecision d = ROUTER.route(Jobs.masked("z-image lora: paint the region", Map.of()));

    assertThat(d.modelId()).isEqualTo(Router.Z_IMAGE_LORA);
  }

  @Test
  void shouldSendANamedZImageToItsLoraVariantWhenLorasAreGiven() {
    RouteDecision d =
        ROUTER.route(
            Jobs.masked(
                "use z-image", Map.of("loras", List.of(Map.of("path", "brand.safetensors")))));

    assertThat(d.modelId()).isEqualTo(Router.Z_IMAGE_LORA);
    assertThat(d.cues()).containsExactly("brand:z-image", "param:loras");
  }

  @Test
  void
      shouldSendAMaskWithANumberedSecondImageToGptImageAndAMaskWithoutReferenceWordsToInpainting() {
    Job withRef =
        new Job(
            "j1",
            "Fill the masked area with the sofa from image 2.",
            Jobs.images(2),
            "https://assets.example.com/mask.png",
            null,
            null,
            null,
            null);
    RouteDecision d = ROUTER.route(withRef);
    assertThat(d.rule()).isEqualTo(Router.MASK_REFERENCE);
    assertThat(d.modelId()).isEqualTo(Router.GPT_IMAGE);
    assertThat(d.cues()).containsExactly("mask:given", "images:2", "reference:image 2");
    assertThat(ROUTER.candidates(withRef))
        .extracting(RouteDecision::rule)
        .containsSubsequence(Router.MASK_REFERENCE, "mask", "multi-reference", "batch", "default");

    Job noRef =
        new Job(
            "j2",
            "Fill the masked area with grass.",
            Jobs.images(2),
            "https://assets.example.com/mask.png",
            null,
            null,
            null,
            null);
    assertThat(ROUTER.route(noRef).rule())
        .as("no numbered reference: the mask rule (the body check then names the image count)")
        .isEqualTo("mask");
  }

  @Test
  void shouldNotSendAMaskAndReferencesToGptImageWhenTheMaskWouldBeImageEleven() {
    Job ten =
        new Job(
            "j1",
            "Fill the masked area with the chair from image 2.",
            Jobs.images(10),
            "https://assets.example.com/mask.png",
            null,
            null,
            null,
            null);
    assertThat(ROUTER.route(ten).rule()).isEqualTo("mask");
    Job nine =
        new Job(
            "j1",
            "Fill the masked area with the chair from image 2.",
            Jobs.images(9),
            "https://assets.example.com/mask.png",
            null,
            null,
            null,
            null);
    assertThat(ROUTER.route(nine).rule()).isEqualTo(Router.MASK_REFERENCE);
  }

  @Test
  void shouldRouteAMaskWithLorasParamToTheLoraInpainting() {
    RouteDecision d = ROUTER.route(Jobs.masked("fill the region", Map.of("loras", List.of())));

    assertThat(d.withLanguage(null, null))
        .isEqualTo(
            new RouteDecision(
                Router.Z_IMAGE_LORA, "mask-lora", List.of("mask:given", "param:loras")));
  }

  @Test
  void shouldKeepAVideoRemovalOnTheRegionEditEvenWhenClothesAreMentioned() {
    RouteDecision d =
        ROUTER.route(Jobs.video("Remove the man in the red jacket from every frame."));

    assertThat(d.modelId()).isEqualTo(Router.WAN);
  }

  @Test
  void shouldKeepARegionSwapOnTheRegionEditEvenWhenTrackedAcrossFrames() {
    RouteDecision d = ROUTER.route(Jobs.video("Change the sky to a sunset in every frame."));

    assertThat(d.modelId()).isEqualTo(Router.WAN);
  }

  @Test
  void shouldSkipGptRoutesWhenTheJobHasMoreImagesThanGptTakes() {
    Job job = Jobs.images("Compose image 1 into image 2", 11);

    assertThat(ROUTER.route(job).rule()).isEqualTo("batch");
    assertThat(ROUTER.route(Jobs.images("Compose image 1 into image 2", 10)).rule())
        .isEqualTo("multi-reference");
  }

  @Test
  void shouldNotTreatQuotedLatinTextAsANonLatinRewrite() {
    RouteDecision d = ROUTER.route(Jobs.images("Replace the headline with \"SUMMER SALE\".", 1));

    assertThat(d.rule()).isNotEqualTo("text-rewrite");
    assertThat(d.modelId()).isEqualTo(Router.NANO_BANANA);
  }

  @Test
  void shouldTreatAQuoteInAForeignScriptAsInImageTextWithoutATextWord() {
    RouteDecision d = ROUTER.route(Jobs.images("把这里改成\"ありがとう\"", 1));

    assertThat(d.rule()).isEqualTo("text-rewrite");
    assertThat(d.cues()).contains("script:Hiragana", "foreign-script:Hiragana");
  }

  @Test
  void shouldNotTreatAQuoteInThePromptsOwnScriptAsInImageTextWithoutATextWord() {
    RouteDecision d = ROUTER.route(Jobs.images("把风格改为\"水彩\"", 1));

    assertThat(d.rule()).isNotEqualTo("text-rewrite");
  }

  @Test
  void shouldNeedAPreservationClauseForALocalEditToGoToFlux() {
    assertThat(ROUTER.route(Jobs.images("Add a red hat.", 1)).modelId())
        .isEqualTo(Router.NANO_BANANA);
    assertThat(
            ROUTER
                .route(Jobs.images("Add a red hat; keep everything else unchanged.", 1))
                .modelId())
        .isEqualTo(Router.FLUX_KONTEXT);
  }

  @Test
  void shouldRouteADefaultJobWithNoCues() {
    assertThat(ROUTER.route(Jobs.images("", 1)))
        .isEqualTo(
            new RouteDecision(Router.NANO_BANANA, "default", List.of()).withLanguage("und", 0.0));
  }

  @Test
  void shouldRouteALanguageKnownOnlyFromDataWithoutCodeChanges() {
    ObjectNode xx = lexicon("xx");
    ((ObjectNode) xx.get("cues")).putArray("background").add("zorb");
    ((ObjectNode) xx.get("cues")).putArray("keep").add("klep");
    // no statistics know "xx": its lexicon's words decide the language
    Router router =
        new Router(
            Lexicon.of(List.of(xx)),
            ModelCatalog.builtIn(),
            new LanguageId(
                List.of("xx"),
                t ->
                    new java.util.TreeMap<>(
                        java.util.Map.of(com.github.pemistahl.lingua.api.Language.SWAHILI, 1.0))),
            false);

    RouteDecision d = router.route(Jobs.images("klep face, zorb beach", 1));

    assertThat(d)
        .isEqualTo(
            new RouteDecision(
                    Router.NANO_BANANA, "background-swap", List.of("background:zorb", "keep:klep"))
                .withLanguage("xx", 0.5));
  }

  @Test
  void shouldRefuseALexiconThatLacksACategoryARuleNeeds() {
    ObjectNode xx = lexicon("xx");
    ((ObjectNode) xx.get("cues")).remove("spatial");

    assertThatThrownBy(() -> new Router(Lexicon.of(List.of(xx)), ModelCatalog.builtIn()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("spatial");
  }

  @Test
  void shouldReportABrandForAModelTheCatalogDoesNotKnowAsAMissingTarget() {
    ObjectNode xx = lexicon("xx");
    xx.putObject("brands").putArray("acme/nope").add("nope");

    assertThat(new Router(Lexicon.of(List.of(xx)), ModelCatalog.builtIn()).missingTargets())
        .containsExactly("acme/nope");
  }

  /** A lexicon defining every category the router needs with one made-up word each. */
  private static ObjectNode lexicon(String lang) {
    ObjectNode doc = Json.mapper().createObjectNode().put("language", lang).put("match", "words");
    ObjectNode cues = doc.putObject("cues");
    for (String c : Router.CATEGORIES) {
      cues.putArray(c).add("qq" + c.replace("_", ""));
    }
    return doc;
  }

  @Test
  void builtInLexiconsDefineEveryCategoryInEveryLanguage() {
    for (String lang : Lexicon.builtIn().languages()) {
      JsonNode doc = read("/editstream/routing/lexicon-" + lang + ".json");
      for (String c : Router.CATEGORIES) {
        assertThat(doc.path("cues").path(c).size()).as("%s.%s", lang, c).isPositive();
      }
    }
  }

  private static JsonNode read(String resource) {
    try (var in = RouterTest.class.getResourceAsStream(resource)) {
      return Json.mapper().readTree(in);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
