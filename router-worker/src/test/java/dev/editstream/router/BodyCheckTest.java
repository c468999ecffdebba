package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.model.LimitViolations;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.core.model.SchemaViolation;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class BodyCheckTest {
  private static final ModelCatalog CATALOG = ModelCatalog.builtIn();

  private static ObjectNode valid(String modelId) {
    return LimitViolations.valid(modelId);
  }

  private static void urls(ArrayNode arr, int n) {
    arr.removeAll();
    for (int i = 1; i <= n; i++) {
      arr.add("https://a.example/" + i + ".jpg");
    }
  }

  static Stream<LimitViolations.Violation> documentedLimits() {
    return LimitViolations.all().stream();
  }

  @Test
  void shouldHaveAValidBodyForEveryRoutingTarget() {
    assertThat(LimitViolations.models()).containsExactlyInAnyOrderElementsOf(Router.TARGETS);
    for (String m : LimitViolations.models()) {
      assertThat(BodyCheck.check(CATALOG, m, valid(m))).as(m).isEmpty();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("documentedLimits")
  void shouldRejectEachDocumentedLimitViolationNamingTheField(LimitViolations.Violation v) {
    List<SchemaViolation> found = BodyCheck.check(CATALOG, v.model(), v.body());

    assertThat(found).isNotEmpty();
    assertThat(found).extracting(SchemaViolation::field).contains(v.field());
    assertThat(found)
        .filteredOn(x -> x.field().equals(v.field()))
        .extracting(SchemaViolation::rule)
        .anySatisfy(rule -> assertThat(rule).containsIgnoringCase(v.ruleHint()));
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 5, 10})
  void shouldAcceptWanDurationsTwoToTen(int seconds) {
    assertThat(BodyCheck.check(CATALOG, Router.WAN, valid(Router.WAN).put("duration", seconds)))
        .isEmpty();
  }

  @Test
  void shouldBuildADataFailureListingEveryViolation() {
    ObjectNode body = valid(Router.NANO_BANANA).put("safety_tolerance", 7);
    urls((ArrayNode) body.get("image_urls"), 21);

    StageException e =
        BodyCheck.toFailure(
            "j9", Router.NANO_BANANA, BodyCheck.check(CATALOG, Router.NANO_BANANA, body));

    assertThat(e.exitClass()).isEqualTo(ExitClass.DATA);
    assertThat(e.reasonText()).isEqualTo("schema");
    assertThat(e.getMessage())
        .startsWith(
            "job j9: body for google/nano-banana-2/edit breaks its schema: image_urls: must have at most 20 items")
        .contains("safety_tolerance: ");
  }

  @Test
  void shouldRefuseToBuildAFailureFromNoViolations() {
    assertThatThrownBy(() -> BodyCheck.toFailure("j9", Router.NANO_BANANA, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void requireShouldThrowOnlyForABrokenBody() {
    assertThatNoException()
        .isThrownBy(() -> BodyCheck.require(CATALOG, "j1", Router.LUCY, valid(Router.LUCY)));
    assertThatThrownBy(
            () ->
                BodyCheck.require(
                    CATALOG, "j1", Router.LUCY, valid(Router.LUCY).put("resolution", "4K")))
        .isInstanceOfSatisfying(
            StageException.class, e -> assertThat(e.getMessage()).contains("resolution: "));
  }

  @Test
  void shouldRefuseAnUnknownModel() {
    assertThatThrownBy(() -> BodyCheck.check(CATALOG, "acme/nope", valid(Router.LUCY)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("acme/nope");
  }
}
