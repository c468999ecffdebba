package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RouteTest {
  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource({
    "POST, /v1/models/blackforestlabs/flux-1-kontext/pro/edit, Submit[modelId=blackforestlabs/flux-1-kontext/pro/edit]",
    "GET,  /v1/models/blackforestlabs/flux-1-kontext/pro/edit, GetModel[modelId=blackforestlabs/flux-1-kontext/pro/edit]",
    "GET,  /v1/models/google/nano-banana-2/edit/, GetModel[modelId=google/nano-banana-2/edit]",
    "DELETE, /v1/models/google/nano-banana-2/edit, MethodNotAllowed[]",
    "GET,  /v1/models, ListModels[]",
    "GET,  /v1/models/categories, ListCategories[]",
    "GET,  /v1/models/categories/, ListCategories[]",
    "POST, /v1/models/categories, Submit[modelId=categories]",
    "GET,  /v1/models/wan-ai/wan-2.7/edit-video, GetModel[modelId=wan-ai/wan-2.7/edit-video]",
    "GET,  /prod/v2/balance, Balance[]",
    "POST, /prod/v2/balance, MethodNotAllowed[]",
    "GET,  /v1/models/, ListModels[]",
    "POST, /v1/models, MethodNotAllowed[]",
    "GET,  /v1/models//x, NotFound[]",
    "POST, /v1/models/a/../b, NotFound[]",
    "GET,  /v1/requests/abc-123/status, Status[requestId=abc-123]",
    "GET,  /v1/requests/abc-123/result, Result[requestId=abc-123]",
    "POST, /v1/requests/abc-123/cancel, Cancel[requestId=abc-123]",
    "DELETE, /v1/requests/abc-123/cancel, MethodNotAllowed[]",
    "POST, /v1/requests/abc-123/status, MethodNotAllowed[]",
    "GET,  /v1/requests/abc-123/cancel, MethodNotAllowed[]",
    "GET,  /v1/requests/abc-123/other, NotFound[]",
    "GET,  /v1/requests/../status, NotFound[]",
    "GET,  /v1/requests/a b/status, NotFound[]",
    "GET,  /files/abc-123/output-1.png, 'OutputFile[requestId=abc-123, name=output-1.png]'",
    "POST, /files/abc-123/output-1.png, MethodNotAllowed[]",
    "GET,  /files/../etc/passwd, NotFound[]",
    "GET,  /files/abc/.., NotFound[]",
    "GET,  /files/abc, NotFound[]",
    "GET,  /_emulator/stats, Stats[]",
    "POST, /_emulator/stats, MethodNotAllowed[]",
    "GET,  /_emulator/blob-url, BlobUrl[]",
    "GET,  /_emulator/blob/2147483648, 'Blob[bytes=2147483648, name=null]'",
    "GET,  /_emulator/blob/10/output.bin, 'Blob[bytes=10, name=output.bin]'",
    "PUT,  /_emulator/blob/10, MethodNotAllowed[]",
    "GET,  /_emulator/blob/-1, NotFound[]",
    "GET,  /_emulator/blob/1234567890123, NotFound[]",
    "GET,  /_emulator/blob/10/.., NotFound[]",
    "GET,  /_emulator/other, NotFound[]",
    "GET,  /, NotFound[]",
    "GET,  /v2/models, NotFound[]"
  })
  void parsesMethodAndPath(String method, String path, String expected) {
    assertThat(Route.of(method, path).toString()).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({
    "GET, /v1/models, true",
    "GET, /v1/models/categories, true",
    "GET, /prod/v2/balance, true",
    "POST, /v1/requests/x/cancel, true",
    "GET, /files/x/y.png, false",
    "GET, /nope, false",
    "GET, /_emulator/stats, false",
    "GET, /_emulator/blob/5, false"
  })
  void onlyApiEndpointsNeedAToken(String method, String path, boolean needsAuth) {
    assertThat(Route.of(method, path).needsAuth()).isEqualTo(needsAuth);
  }
}
