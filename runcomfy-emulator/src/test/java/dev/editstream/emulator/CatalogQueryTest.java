package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CatalogQueryTest {
  static final List<EmulatorModel> ALL = EmulatorCatalog.builtIn().all();

  static CatalogQuery q(Map<String, List<String>> p) {
    return CatalogQuery.parse(p);
  }

  static List<String> ids(List<EmulatorModel> models) {
    return models.stream().map(EmulatorModel::modelId).toList();
  }

  @Test
  void shouldUseDefaultsWhenNoParameterIsGiven() {
    assertThat(q(Map.of())).isEqualTo(new CatalogQuery(50, 0, null, null, null, false));
  }

  @Test
  void shouldFilterBySearchCategoryAndKind() {
    assertThat(ids(q(Map.of("search", List.of("Z-IMAGE"))).filter(ALL)))
        .containsExactly(
            "tongyi-mai/z-image/turbo/inpainting",
            "tongyi-mai/z-image/turbo/inpainting/lora",
            "tongyi-mai/z-image/turbo/text-to-image");
    assertThat(ids(q(Map.of("search", List.of("kontext"))).filter(ALL)))
        .containsExactly("blackforestlabs/flux-1-kontext/pro/edit");
    assertThat(ids(q(Map.of("search", List.of("wan 2.7"))).filter(ALL)))
        .as("display_name matches too")
        .containsExactly("wan-ai/wan-2.7/edit-video", "wan-ai/wan-2.7/image-to-video");
    assertThat(ids(q(Map.of("category", List.of("edit-video"))).filter(ALL)))
        .containsExactly(
            "wan-ai/wan-2.7/edit-video",
            "decart/lucy-edit/restyle",
            "google/gemini-omni-flash/video-edit",
            "runwayml/runway-aleph-2/video-to-video");
    assertThat(ids(q(Map.of("category", List.of("text-to-image"))).filter(ALL)))
        .containsExactly("tongyi-mai/z-image/turbo/text-to-image");
    assertThat(ids(q(Map.of("kind", List.of("video"), "search", List.of("wan"))).filter(ALL)))
        .containsExactly("wan-ai/wan-2.7/edit-video", "wan-ai/wan-2.7/image-to-video");
    assertThat(
            ids(
                q(Map.of("category", List.of("image-to-image"), "search", List.of("lora")))
                    .filter(ALL)))
        .containsExactly("tongyi-mai/z-image/turbo/inpainting/lora");
    assertThat(q(Map.of("search", List.of(" "))).filter(ALL)).hasSize(ALL.size());
    assertThat(q(Map.of("category", List.of("image-edit"))).filter(ALL))
        .as("the seeds' category is not RunComfy's")
        .isEmpty();
  }

  @Test
  void shouldNotBeSpellingTolerantAsAPlainServerIsNot() {
    assertThat(q(Map.of("search", List.of("wan-2-7"))).filter(ALL)).isEmpty();
    assertThat(q(Map.of("search", List.of("nanobanana"))).filter(ALL)).isEmpty();
    assertThat(q(Map.of("kind", List.of("Video"))).filter(ALL)).as("kind is exact").isEmpty();
  }

  @Test
  void shouldPageWithLimitAndOffset() {
    CatalogQuery page = q(Map.of("limit", List.of("3"), "offset", List.of("6")));
    assertThat(page.page(ALL)).containsExactlyElementsOf(ALL.subList(6, 9));
    assertThat(q(Map.of("offset", List.of("99"))).page(ALL)).isEmpty();
    assertThat(q(Map.of("limit", List.of("500"))).page(ALL)).hasSize(ALL.size());
  }

  @ParameterizedTest
  @CsvSource({"true, true", "1, true", "false, false", "FALSE, false", "0, false"})
  void shouldReadIncludeSchema(String value, boolean expected) {
    assertThat(q(Map.of("include_schema", List.of(value))).includeSchema()).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"limit, 0", "limit, 501", "limit, ten", "offset, -1", "include_schema, maybe"})
  void shouldRefuseBadValuesNamingTheParameter(String name, String value) {
    assertThatThrownBy(() -> q(Map.of(name, List.of(value))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(name + ": ");
  }
}
