package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.editstream.core.model.ModelCatalog;
import dev.editstream.core.model.ModelSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CatalogQueryTest {
  static final List<ModelSpec> ALL = ModelCatalog.builtIn().all();

  static CatalogQuery q(Map<String, List<String>> p) {
    return CatalogQuery.parse(p);
  }

  @Test
  void shouldUseDefaultsWhenNoParameterIsGiven() {
    assertThat(q(Map.of())).isEqualTo(new CatalogQuery(50, 0, null, null, false));
  }

  @Test
  void shouldFilterBySearchAndCategory() {
    assertThat(q(Map.of("search", List.of("Z-IMAGE"))).filter(ALL)).hasSize(2);
    assertThat(q(Map.of("search", List.of("kontext"))).filter(ALL)).extracting(ModelSpec::modelId)
        .containsExactly("blackforestlabs/flux-1-kontext/pro/edit");
    assertThat(q(Map.of("category", List.of("video-edit"))).filter(ALL)).hasSize(2);
    assertThat(q(Map.of("category", List.of("image-inpainting"), "search", List.of("lora"))).filter(ALL)).hasSize(1);
    assertThat(q(Map.of("search", List.of(" "))).filter(ALL)).hasSize(ALL.size());
  }

  @Test
  void shouldPageWithLimitAndOffset() {
    CatalogQuery page = q(Map.of("limit", List.of("3"), "offset", List.of("6")));
    assertThat(page.page(ALL)).containsExactlyElementsOf(ALL.subList(6, 8));
    assertThat(q(Map.of("offset", List.of("99"))).page(ALL)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({"true, true", "1, true", "false, false", "FALSE, false", "0, false"})
  void shouldReadIncludeSchema(String value, boolean expected) {
    assertThat(q(Map.of("include_schema", List.of(value))).includeSchema()).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"limit, 0", "limit, 1001", "limit, ten", "offset, -1", "include_schema, maybe"})
  void shouldRefuseBadValuesNamingTheParameter(String name, String value) {
    assertThatThrownBy(() -> q(Map.of(name, List.of(value)))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(name + ": ");
  }
}
