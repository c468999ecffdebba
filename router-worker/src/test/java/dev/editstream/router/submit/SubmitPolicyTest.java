package dev.editstream.router.submit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SubmitPolicyTest {
  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource({
      "NOPERM,http_401_401001,ACCOUNT",
      "NOPERM,http_402,ACCOUNT",
      "NOPERM,http_400_400002,ACCOUNT",
      "NOPERM,no_token,ACCOUNT",
      "TEMPFAIL,http_429,NOT_ACCEPTED_RETRY",
      "UNAVAILABLE,http_503_500001,NOT_ACCEPTED_RETRY",
      "UNAVAILABLE,connect_failed,NOT_ACCEPTED_RETRY",
      "DATA,http_422_422001,NOT_ACCEPTED_FINAL",
      "DATA,http_400_400001,NOT_ACCEPTED_FINAL",
      "DATA,http_404,NOT_ACCEPTED_FINAL",
      "TEMPFAIL,timeout,MAY_HAVE_BEEN_ACCEPTED",
      "UNAVAILABLE,connection_reset,MAY_HAVE_BEEN_ACCEPTED",
      "OTHER,bad_response,MAY_HAVE_BEEN_ACCEPTED",
      "OTHER,io_error,MAY_HAVE_BEEN_ACCEPTED"})
  void shouldRePostOnlyWhereRunComfyCannotHaveAcceptedTheRequest(ExitClass c, String reason, SubmitPolicy.Verdict v) {
    assertThat(SubmitPolicy.classify(new StageException(c, reason, "m"))).isEqualTo(v);
  }
}
