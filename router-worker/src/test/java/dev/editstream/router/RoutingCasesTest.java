package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.event.RouteDecision;
import dev.editstream.core.job.Job;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every labelled case routes to the model a person reading the routing table would pick. */
class RoutingCasesTest {
  private static final Router ROUTER = Router.builtIn();

  static List<RoutingCases.Case> sharedCases() {
    return RoutingCases.load(RoutingCases.sharedCases());
  }

  static List<RoutingCases.Case> ownCases() {
    return RoutingCases.ownCases();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sharedCases")
  void shouldRouteEachSharedCaseToItsExpectedModel(RoutingCases.Case c) {
    RouteDecision d = ROUTER.route(c.job());

    assertThat(d.modelId())
        .as("rule %s, cues %s", d.rule(), d.cues())
        .isEqualTo(ROUTER.target(c.expect()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ownCases")
  void shouldRouteEachOwnCaseToItsExpectedModelAndRule(RoutingCases.Case c) {
    RouteDecision d = ROUTER.route(c.job());

    assertThat(d.modelId())
        .as("rule %s, cues %s", d.rule(), d.cues())
        .isEqualTo(ROUTER.target(c.expect()));
    assertThat(d.rule()).as("cues %s", d.cues()).isEqualTo(c.rule());
  }

  /**
   * A prompt typed in decomposed form (NFD: base letters plus combining marks, as some keyboards
   * and macOS file names produce Vietnamese, Hindi or Korean) routes as its composed form does.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("ownCases")
  void shouldRouteEachOwnCaseTheSameWhenItsPromptIsDecomposed(RoutingCases.Case c) {
    Job j = c.job();
    String nfd = java.text.Normalizer.normalize(j.prompt(), java.text.Normalizer.Form.NFD);
    Job decomposed =
        new Job(j.id(), nfd, j.images(), j.mask(), j.video(), j.model(), j.params(), j.batch());

    RouteDecision d = ROUTER.route(decomposed);

    assertThat(d.rule()).as("cues %s", d.cues()).isEqualTo(c.rule());
    assertThat(d.cues()).isEqualTo(ROUTER.route(j).cues());
    assertThat(d.language()).isEqualTo(ROUTER.route(j).language());
  }

  /**
   * No labelled prompt is routed by a silent guess: each reads as a language some lexicon covers.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("ownCases")
  void shouldReadEachOwnCaseAsACoveredLanguage(RoutingCases.Case c) {
    RouteDecision d = ROUTER.route(c.job());

    assertThat(d.language()).as("language of %s", c.job().prompt()).isNotNull();
    assertThat(d.warnings())
        .as("language %s, confidence %s", d.language(), d.confidence())
        .noneMatch(w -> w.startsWith("uncovered-language"));
  }

  @Test
  void sharedCasesAreReadFromTheSharedFolder() {
    assertThat(sharedCases()).hasSizeGreaterThanOrEqualTo(27);
  }

  @Test
  void ownCasesCoverTenLanguagesWithAtLeastSixtyLabelledCases() {
    List<RoutingCases.Case> own = ownCases();

    assertThat(own).hasSizeGreaterThanOrEqualTo(60);
    assertThat(own)
        .allSatisfy(
            c -> {
              assertThat(c.expect()).isNotBlank();
              assertThat(c.intent()).isNotBlank();
              assertThat(c.rule()).isNotBlank();
            });
    Map<String, Long> perLanguage =
        own.stream().collect(Collectors.groupingBy(RoutingCases.Case::lang, Collectors.counting()));
    assertThat(perLanguage.keySet())
        .containsAll(List.of("en", "zh", "ja", "ko", "es", "fr", "de", "pt", "ru", "ar"));
    assertThat(perLanguage.values()).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(6));
  }

  @Test
  void everyRuleIsExercisedByTheLabelledCases() {
    Set<String> fired = new TreeSet<>();
    for (RoutingCases.Case c : sharedCases()) {
      fired.add(ROUTER.route(c.job()).rule());
    }
    for (RoutingCases.Case c : ownCases()) {
      fired.add(ROUTER.route(c.job()).rule());
    }

    assertThat(fired).containsExactlyInAnyOrderElementsOf(ROUTER.ruleNames());
  }
}
