package dev.editstream.core.error;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HttpErrorClassifierTest {
  @ParameterizedTest(name = "HTTP {0} with error_code {1} is class {2}")
  @CsvSource(
      nullValues = "null",
      value = {
        "401,401001,77",
        "401,null,77",
        "403,403001,77",
        "403,null,77",
        "402,null,77",
        "400,400002,77",
        "400,400004,77",
        "408,null,75",
        "429,null,75",
        "500,500001,69",
        "502,null,69",
        "503,null,69",
        "599,null,69",
        "400,400001,65",
        "400,null,65",
        "404,404001,65",
        "404,null,65",
        "422,422001,65",
        "409,null,65",
        "499,null,65",
        "200,400001,65",
        "200,500001,69",
        "200,null,1",
        "302,null,1"
      })
  void shouldClassifyLikeRunComfysCli(int status, Integer code, int expected) {
    assertThat(HttpErrorClassifier.classify(status, code).code()).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource(
      nullValues = "null",
      value = {"429,null,http_429", "422,422001,http_422_422001"})
  void shouldNameTheStatusInTheReason(int status, Integer code, String reason) {
    assertThat(HttpErrorClassifier.reason(status, code)).isEqualTo(reason);
  }
}
