package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ApiErrorsTest {
  private static JsonNode json(String s) throws Exception {
    return Json.mapper().readTree(s);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "200|{\"request_id\":\"r\"}|false",
        "202|{}|false",
        "299|{\"error_code\":null}|false",
        "200|{\"error_code\":400002}|true",
        "200|{\"error_code\":\"400004\"}|true",
        "199|{}|true",
        "300|{}|true",
        "404|{}|true",
      })
  void shouldTell2xxWithErrorCodeAndNon2xxAsErrors(int status, String body, boolean error)
      throws Exception {
    assertThat(ApiErrors.isError(status, json(body))).isEqualTo(error);
  }

  @Test
  void shouldTreatNon2xxWithoutBodyAsError() {
    assertThat(ApiErrors.isError(500, null)).isTrue();
    assertThat(ApiErrors.isError(200, null)).isFalse();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "401|{\"error_code\":401001,\"error_message\":\"Unauthorized\"}|NOPERM|http_401_401001|Unauthorized",
        "402|{\"error_code\":400002,\"error_message\":\"no remaining"
            + " balance\"}|NOPERM|http_402_400002|no remaining balance",
        "400|{\"error_code\":400002,\"error_message\":\"no remaining"
            + " balance\"}|NOPERM|http_400_400002|no remaining balance",
        "429|{\"error_message\":\"rate limited\"}|TEMPFAIL|http_429|rate limited",
        "503|{\"error_code\":500001,\"error_message\":\"Internal"
            + " Error\"}|UNAVAILABLE|http_503_500001|Internal Error",
        "400|{\"error_code\":400001,\"error_message\":\"Invalid model_id:"
            + " acme/x\"}|DATA|http_400_400001|Invalid model_id: acme/x",
        "404|{\"error_code\":404001,\"error_message\":\"request not"
            + " found\"}|DATA|http_404_404001|request not found",
        "400|{\"message\":\"from message\"}|DATA|http_400|from message",
        "400|{\"error\":\"from error\"}|DATA|http_400|from error",
        "400|{\"error\":{\"message\":\"nested\"}}|DATA|http_400|nested",
        "400|{\"detail\":\"from detail\"}|DATA|http_400|from detail",
        "502|<html>Bad gateway</html>|UNAVAILABLE|http_502|<html>Bad gateway</html>",
        "200|{\"error_code\":400001,\"error_message\":\"bad id\"}|DATA|http_200_400001|bad id",
      })
  void shouldClassifyAndDescribeDocumentedErrors(
      int status, String body, ExitClass cls, String reason, String serverMessage) {
    StageException e = ApiErrors.toException("POST", "/v1/models/acme/x", status, body, null, null);

    assertThat(e.exitClass()).isEqualTo(cls);
    assertThat(e.reasonText()).isEqualTo(reason);
    assertThat(e.getMessage())
        .startsWith("POST /v1/models/acme/x -> HTTP " + status)
        .endsWith(": " + serverMessage);
    assertThat(e.retryAfter()).isEmpty();
  }

  @Test
  void shouldJoinLocAndMsgOfValidationDetail() {
    String body =
        "{\"error_code\":422001,\"error_message\":\"Validation Error\",\"detail\":["
            + "{\"loc\":[\"body\",\"images\"],\"msg\":\"ensure this value has at most 10 items\"},"
            + "{\"loc\":[\"body\",\"prompt\"],\"msg\":\"field required\"}]}";

    StageException e = ApiErrors.toException("POST", "/v1/models/a/b", 422, body, null, null);

    assertThat(e.exitClass()).isEqualTo(ExitClass.DATA);
    assertThat(e.getMessage())
        .isEqualTo(
            "POST /v1/models/a/b -> HTTP 422 error_code 422001: Validation Error: body.images:"
                + " ensure this value has at most 10 items; body.prompt: field required");
  }

  @Test
  void shouldCarryRetryAfter() {
    StageException e =
        ApiErrors.toException("GET", "/v1/requests/r/status", 429, "", Duration.ofSeconds(7), null);

    assertThat(e.retryAfter()).contains(Duration.ofSeconds(7));
    assertThat(e.getMessage()).isEqualTo("GET /v1/requests/r/status -> HTTP 429");
  }

  @Test
  void shouldRemoveQueryStringsTokensAndSecretFromMessage() {
    String body =
        "{\"error_message\":\"see https://cdn.runcomfy.net/a.png?sig=QUERYSECRET and Bearer abc.def"
            + " with tok-XYZ\"}";

    StageException e =
        ApiErrors.toException(
            "GET", "https://h.test/v1/x?key=URLSECRET", 400, body, null, "tok-XYZ");

    assertThat(e.getMessage())
        .doesNotContain("QUERYSECRET")
        .doesNotContain("URLSECRET")
        .doesNotContain("abc.def")
        .doesNotContain("tok-XYZ")
        .contains("https://cdn.runcomfy.net/a.png");
  }

  @Test
  void shouldClipLongServerMessages() {
    String body = "{\"error_message\":\"" + "x".repeat(5000) + "\"}";

    StageException e = ApiErrors.toException("GET", "/p", 500, body, null, null);

    assertThat(e.getMessage().length()).isLessThan(600);
  }

  @Test
  void shouldReadErrorCodeOnlyFromTopLevelIntegers() throws Exception {
    assertThat(ApiErrors.errorCode(json("{\"error_code\":404001}"))).isEqualTo(404001);
    assertThat(ApiErrors.errorCode(json("{\"error_code\":\"404001\"}"))).isEqualTo(404001);
    assertThat(ApiErrors.errorCode(json("{\"error_code\":\"oops\"}"))).isNull();
    assertThat(ApiErrors.errorCode(json("{\"error_code\":1.5}"))).isNull();
    assertThat(ApiErrors.errorCode(json("{\"output\":{\"error_code\":1}}"))).isNull();
    assertThat(ApiErrors.errorCode(json("[1]"))).isNull();
  }
}
