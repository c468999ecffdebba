package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ApiResponsesTest {
  private static JsonNode json(String s) throws Exception {
    return Json.mapper().readTree(s);
  }

  @ParameterizedTest
  @CsvSource({
    "in_queue,QUEUED,false",
    "pending,QUEUED,false",
    "waiting,QUEUED,false",
    "queued,QUEUED,false",
    "in_progress,RUNNING,false",
    "starting,RUNNING,false",
    "processing,RUNNING,false",
    "running,RUNNING,false",
    "completed,SUCCEEDED,true",
    "COMPLETED,SUCCEEDED,true",
    "Succeeded,SUCCEEDED,true",
    "failed,FAILED,true",
    "cancelled,CANCELLED,true",
    "canceled,CANCELLED,true"
  })
  void shouldReadEveryKnownStatusIntoItsPhaseKeepingTheWordAsSent(
      String status, RequestPhase phase, boolean terminal) throws Exception {
    RequestStatus s =
        ApiResponses.status(json("{\"request_id\":\"r1\",\"status\":\"" + status + "\"}"), "asked");
    RequestResult r = ApiResponses.result(json("{\"status\":\"" + status + "\"}"), "asked");

    assertThat(s.status()).isEqualTo(status);
    assertThat(s.phase()).isEqualTo(phase);
    assertThat(s.terminal()).isEqualTo(terminal);
    assertThat(s.requestId()).isEqualTo("r1");
    assertThat(s.queuePosition()).isNull();
    assertThat(r.status()).isEqualTo(status);
    assertThat(r.phase()).isEqualTo(phase);
    assertThat(r.succeeded()).isEqualTo(phase == RequestPhase.SUCCEEDED);
    assertThat(r.notReady()).isFalse();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{}|",
        "{\"status\":null}|",
        "{\"status\":\"thinking\"}|thinking",
        "{\"status\":\"\"}|''",
        "{\"status\":{}}|",
        "{\"status\":[\"completed\"]}|"
      })
  void shouldReturnMissingOrUnknownStatusAsPhaseUnknownInsteadOfThrowing(String body, String word)
      throws Exception {
    RequestStatus s = ApiResponses.status(json(body), "r");
    RequestResult r = ApiResponses.result(json(body), "r");

    assertThat(s.phase()).isEqualTo(RequestPhase.UNKNOWN);
    assertThat(s.terminal()).isFalse();
    assertThat(s.status()).isEqualTo(word);
    assertThat(r.phase()).isEqualTo(RequestPhase.UNKNOWN);
    assertThat(r.succeeded()).isFalse();
    assertThat(r.status()).isEqualTo(word);
  }

  @Test
  void shouldClipALongUnknownStatusWordForMessages() throws Exception {
    String longWord = "x".repeat(500);

    RequestStatus s = ApiResponses.status(json("{\"status\":\"" + longWord + "\"}"), "r");

    assertThat(s.status()).hasSize(ApiResponses.MAX_STATUS + 3).endsWith("...");
    assertThat(s.phase()).isEqualTo(RequestPhase.UNKNOWN);
  }

  @ParameterizedTest
  @ValueSource(strings = {"[]", "\"completed\"", "42", "null"})
  void shouldRefuseAStatusOrResultAnswerThatIsNotAnObject(String body) {
    assertThatThrownBy(() -> ApiResponses.status(json(body), "r"))
        .isInstanceOfSatisfying(
            StageException.class,
            e -> {
              assertThat(e.exitClass()).isEqualTo(ExitClass.OTHER);
              assertThat(e.reasonText()).isEqualTo("bad_response");
            });
    assertThatThrownBy(() -> ApiResponses.result(json(body), "r"))
        .isInstanceOfSatisfying(
            StageException.class, e -> assertThat(e.reasonText()).isEqualTo("bad_response"));
  }

  @ParameterizedTest(name = "cost {0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "0.04|0.04",
        "0|0.0",
        "3|3.0",
        "1.5e-2|0.015",
        "'\"0.04\"'|0.04",
        "'\" 0.25 \"'|0.25",
        "'\"12\"'|12.0",
        "'\".5\"'|0.5",
        "null|",
        "-0.04|",
        "'\"-1\"'|",
        "'\"free\"'|",
        "'\"\"'|",
        "'\"NaN\"'|",
        "'\"Infinity\"'|",
        "'\"0x10\"'|",
        "'{\"usd\":0.04}'|",
        "'[0.04]'|",
        "true|"
      })
  void shouldReadCostAsUsdFromANumberOrNumericStringElseNull(String cost, Double usd)
      throws Exception {
    RequestResult r =
        ApiResponses.result(json("{\"status\":\"completed\",\"cost\":" + cost + "}"), "r");

    assertThat(r.cost()).isEqualTo(usd);
  }

  @Test
  void shouldLeaveCostNullWhenTheAnswerHasNone() throws Exception {
    assertThat(ApiResponses.result(json("{\"status\":\"completed\"}"), "r").cost()).isNull();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"balance_usd\":12.5,\"balance_microdollars\":12500000,\"currency\":\"USD\"}|12.5|12500000|USD",
        "{\"balance_usd\":\"0.75\",\"balance_microdollars\":\"750000\",\"currency\":\"USD\"}|0.75|750000|USD",
        "{\"balance_microdollars\":2500000}|2.5|2500000|",
        "{\"balance_usd\":0}|0.0||",
        "{\"balance_usd\":-1.25,\"balance_microdollars\":-1250000}|-1.25|-1250000|"
      })
  void shouldReadTheBalanceInUsdAndMicrodollars(
      String body, double usd, Long micro, String currency) throws Exception {
    Balance b = ApiResponses.balance(json(body));

    assertThat(b.balanceUsd()).isEqualTo(usd);
    assertThat(b.balanceMicrodollars()).isEqualTo(micro);
    assertThat(b.currency()).isEqualTo(currency);
    assertThat(b.positive()).isEqualTo(usd > 0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"{}", "{\"balance_usd\":\"lots\"}", "{\"currency\":\"USD\"}", "[]"})
  void shouldRefuseABalanceAnswerWithoutAnAmount(String body) {
    assertThatThrownBy(() -> ApiResponses.balance(json(body)))
        .isInstanceOfSatisfying(
            StageException.class,
            e -> {
              assertThat(e.exitClass()).isEqualTo(ExitClass.OTHER);
              assertThat(e.reasonText()).isEqualTo("bad_response");
            });
  }

  @Test
  void shouldReadQueuePositionAndFallBackToAskedId() throws Exception {
    RequestStatus s =
        ApiResponses.status(json("{\"status\":\"in_queue\",\"queue_position\":3}"), "asked");

    assertThat(s).isEqualTo(new RequestStatus("asked", "in_queue", 3));
  }

  @Test
  void shouldIgnoreNonIntegerQueuePosition() throws Exception {
    assertThat(
            ApiResponses.status(json("{\"status\":\"in_queue\",\"queue_position\":\"3\"}"), "r")
                .queuePosition())
        .isNull();
  }

  @Test
  void shouldRequireRequestIdOnSubmit() throws Exception {
    assertThat(ApiResponses.submit(json("{\"request_id\":\"r\"}")))
        .isEqualTo(new SubmitResponse("r", null, null, null));
    assertThatThrownBy(() -> ApiResponses.submit(json("{\"status_url\":\"x\"}")))
        .isInstanceOfSatisfying(
            StageException.class, e -> assertThat(e.reasonText()).isEqualTo("bad_response"));
    assertThatThrownBy(() -> ApiResponses.submit(json("[]")))
        .isInstanceOfSatisfying(
            StageException.class, e -> assertThat(e.reasonText()).isEqualTo("bad_response"));
  }

  @Test
  void shouldRequireOutcomeOnCancel() throws Exception {
    assertThat(ApiResponses.cancel(json("{\"outcome\":\"not_cancellable\"}"), "r"))
        .isEqualTo(new CancelOutcome("r", "not_cancellable"));
    assertThatThrownBy(() -> ApiResponses.cancel(json("{}"), "r"))
        .isInstanceOfSatisfying(
            StageException.class, e -> assertThat(e.reasonText()).isEqualTo("bad_response"));
  }

  @Test
  void shouldMapNullOutputAndErrorToNull() throws Exception {
    RequestResult r =
        ApiResponses.result(json("{\"status\":\"failed\",\"output\":null,\"error\":null}"), "r");

    assertThat(r.output()).isNull();
    assertThat(r.error()).isNull();
    assertThat(r.succeeded()).isFalse();
    assertThat(r.requestId()).isEqualTo("r");
  }
}
