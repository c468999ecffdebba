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
}
