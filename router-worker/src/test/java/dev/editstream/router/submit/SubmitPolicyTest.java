package dev.editstream.router.submit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.router.submit.SubmitPolicy.Verdict;
import dev.editstream.runcomfy.ApiErrors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class SubmitPolicyTest {
  private static final String HTML_504 = "<html><body><h1>504 Gateway Time-out</h1></body></html>";

  /**
   * A submit answered with {@code status} and {@code body}, classified by the client as in
   * production.
   */
  private static StageException answered(int status, String body) {
    return ApiErrors.toException("POST", "/v1/models/a/b", status, body, null, "secret");
  }

  @ParameterizedTest(name = "HTTP {0} {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        // the account, not the job
        "401|{\"error_code\":401001,\"error_message\":\"Unauthorized\"}|ACCOUNT",
        "403|<html>forbidden</html>|ACCOUNT",
        "402|{\"error_code\":400002,\"error_message\":\"no remaining balance\"}|ACCOUNT",
        "200|{\"error_code\":400002,\"error_message\":\"no remaining balance\"}|ACCOUNT",
        // proven not created: retried
        "429|{\"error_message\":\"rate limited\"}|NOT_ACCEPTED_RETRY",
        "429||NOT_ACCEPTED_RETRY",
        "429|<html>too many</html>|NOT_ACCEPTED_RETRY",
        "503|{\"error_code\":500001,\"error_message\":\"Internal Error\"}|NOT_ACCEPTED_RETRY",
        "500|{\"error_code\":500001,\"error_message\":\"Internal Error\"}|NOT_ACCEPTED_RETRY",
        "200|{\"error_code\":500001,\"error_message\":\"Internal Error\"}|NOT_ACCEPTED_RETRY",
        "408||NOT_ACCEPTED_RETRY",
        // proven not created: the job fails
        "422|{\"error_code\":422001,\"error_message\":\"Validation Error\",\"detail\":[]}|NOT_ACCEPTED_FINAL",
        "400|{\"error_code\":400001,\"error_message\":\"Invalid model_id\"}|NOT_ACCEPTED_FINAL",
        "404|<html>not found</html>|NOT_ACCEPTED_FINAL",
        "413||NOT_ACCEPTED_FINAL",
        // uncertain: a gateway answered, RunComfy's application may have created the request
        "504|" + HTML_504 + "|MAY_HAVE_BEEN_ACCEPTED",
        "502|<html><body>Bad Gateway</body></html>|MAY_HAVE_BEEN_ACCEPTED",
        "503||MAY_HAVE_BEEN_ACCEPTED",
        "500|{\"message\":\"upstream error\"}|MAY_HAVE_BEEN_ACCEPTED",
        "504|{\"detail\":\"gateway timeout\"}|MAY_HAVE_BEEN_ACCEPTED"
      })
  void shouldRePostOnlyWhenTheAnswerProvesNoRequestWasCreated(int status, String body, Verdict v) {
    assertThat(SubmitPolicy.classify(answered(status, body == null ? "" : body))).isEqualTo(v);
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource({
    // nothing was sent
    "UNAVAILABLE,connect_failed,NOT_ACCEPTED_RETRY",
    "UNAVAILABLE,tls_handshake,NOT_ACCEPTED_RETRY",
    "UNAVAILABLE,unknown_host,NOT_ACCEPTED_RETRY",
    "NOPERM,no_token,ACCOUNT",
    "DATA,schema,NOT_ACCEPTED_FINAL",
    "NO_INPUT,input_missing,NOT_ACCEPTED_FINAL",
    // the body may have been sent and no answer read
    "TEMPFAIL,timeout,MAY_HAVE_BEEN_ACCEPTED",
    "UNAVAILABLE,connection_reset,MAY_HAVE_BEEN_ACCEPTED",
    "OTHER,tls,MAY_HAVE_BEEN_ACCEPTED",
    "OTHER,bad_response,MAY_HAVE_BEEN_ACCEPTED",
    "OTHER,network,MAY_HAVE_BEEN_ACCEPTED",
    "OTHER,response_too_large,MAY_HAVE_BEEN_ACCEPTED"
  })
  void shouldTreatAnyTransportFailureAfterSendingAsUncertain(
      ExitClass c, String reason, Verdict v) {
    assertThat(SubmitPolicy.classify(new StageException(c, reason, "m"))).isEqualTo(v);
  }

  @ParameterizedTest
  @EnumSource(Verdict.class)
  void shouldCallOnlyAnUncertainAnswerMaybePaid(Verdict v) {
    assertThat(v.mayHaveBeenPaid()).isEqualTo(v == Verdict.MAY_HAVE_BEEN_ACCEPTED);
  }
}
