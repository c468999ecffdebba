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
    "in_queue,false",
    "in_progress,false",
    "completed,true",
    "cancelled,true",
    "succeeded,true",
    "failed,true",
    "canceled,true"
  })
  void shouldAcceptEveryKnownStatus(String status, boolean terminal) throws Exception {
    RequestStatus s =
        ApiResponses.status(json("{\"request_id\":\"r1\",\"status\":\"" + status + "\"}"), "asked");

    assertThat(s.status()).isEqualTo(status);
    assertThat(s.terminal()).isEqualTo(terminal);
    assertThat(s.requestId()).isEqualTo("r1");
    assertThat(s.queuePosition()).isNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{}",
        "{\"status\":null}",
        "{\"status\":\"running\"}",
        "{\"status\":\"COMPLETED\"}",
        "{\"status\":{}}"
      })
  void shouldRefuseMissingOrUnknownStatus(String body) {
    assertThatThrownBy(() -> ApiResponses.status(json(body), "r"))
        .isInstanceOfSatisfying(
            StageException.class,
            e -> {
              assertThat(e.exitClass()).isEqualTo(ExitClass.OTHER);
              assertThat(e.reason()).isEqualTo("unknown_status");
            });
    assertThatThrownBy(() -> ApiResponses.result(json(body), "r"))
        .isInstanceOfSatisfying(
            StageException.class, e -> assertThat(e.reason()).isEqualTo("unknown_status"));
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
            StageException.class, e -> assertThat(e.reason()).isEqualTo("bad_response"));
    assertThatThrownBy(() -> ApiResponses.submit(json("[]")))
        .isInstanceOfSatisfying(
            StageException.class, e -> assertThat(e.reason()).isEqualTo("bad_response"));
  }

  @Test
  void shouldRequireOutcomeOnCancel() throws Exception {
    assertThat(ApiResponses.cancel(json("{\"outcome\":\"not_cancellable\"}"), "r"))
        .isEqualTo(new CancelOutcome("r", "not_cancellable"));
    assertThatThrownBy(() -> ApiResponses.cancel(json("{}"), "r"))
        .isInstanceOfSatisfying(
            StageException.class, e -> assertThat(e.reason()).isEqualTo("bad_response"));
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
