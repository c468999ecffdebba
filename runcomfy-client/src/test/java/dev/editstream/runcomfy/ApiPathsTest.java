package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ApiPathsTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "blackforestlabs/flux-1-kontext/pro/edit|/models/blackforestlabs/flux-1-kontext/pro/edit",
        "google/nano-banana-2/edit|/models/google/nano-banana-2/edit",
        "a b/c?d#e|/models/a%20b/c%3Fd%23e",
        "ü/x|/models/%C3%BC/x",
      })
  void shouldKeepSlashesOfModelIdAndEncodeTheRest(String id, String path) {
    assertThat(ApiPaths.model(id)).isEqualTo(path);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "8a3f2c1e-5b7d-4e9a-9c0f-1d2e3f4a5b6c|/requests/8a3f2c1e-5b7d-4e9a-9c0f-1d2e3f4a5b6c",
        "../x?y|/requests/..%2Fx%3Fy",
      })
  void shouldEncodeRequestIdAsOneSegment(String id, String prefix) {
    assertThat(ApiPaths.status(id)).isEqualTo(prefix + "/status");
    assertThat(ApiPaths.result(id)).isEqualTo(prefix + "/result");
    assertThat(ApiPaths.cancel(id)).isEqualTo(prefix + "/cancel");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a//b", "/a", "a/", "a/../b", "./a"})
  void shouldRefuseModelIdsWithEmptyOrDotSegments(String id) {
    assertThatThrownBy(() -> ApiPaths.model(id))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("modelId:");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".", ".."})
  void shouldRefuseEmptyOrDotRequestIds(String id) {
    assertThatThrownBy(() -> ApiPaths.status(id))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("requestId:");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "nano banana|image-to-image|edit|true|50|100|/models?search=nano%20banana&category=image-to-image&kind=edit&include_schema=true&limit=50&offset=100",
        "|||false|0|0|/models",
        " | |  |false|500|0|/models?limit=500",
        "a&b=c/d?e#f|||false|1|0|/models?search=a%26b%3Dc%2Fd%3Fe%23f&limit=1",
        "  wan 2.7 |edit-video||false|0|7|/models?search=wan%202.7&category=edit-video&offset=7",
        "ü|||true|0|0|/models?search=%C3%BC&include_schema=true",
      })
  void shouldSendOnlyTheGivenCatalogParametersPercentEncoded(
      String search,
      String category,
      String kind,
      boolean schema,
      int limit,
      int offset,
      String path) {
    assertThat(ApiPaths.models(search, category, kind, schema, limit, offset)).isEqualTo(path);
  }

  @ParameterizedTest
  @CsvSource({"-1,0,limit", "501,0,limit", "10,-1,offset"})
  void shouldRefuseAnOutOfRangePage(int limit, int offset, String field) {
    assertThatThrownBy(() -> ApiPaths.models(null, null, null, false, limit, offset))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(field + ":");
  }

  @org.junit.jupiter.api.Test
  void shouldAddIncludeCostToTheResultPathOnlyWhenAsked() {
    assertThat(ApiPaths.result("r-1", true)).isEqualTo("/requests/r-1/result?include_cost=true");
    assertThat(ApiPaths.result("r-1", false)).isEqualTo("/requests/r-1/result");
    assertThat(ApiPaths.categories()).isEqualTo("/models/categories");
  }
}
