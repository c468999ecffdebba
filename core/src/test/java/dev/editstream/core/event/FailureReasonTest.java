package dev.editstream.core.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class FailureReasonTest {

  @ParameterizedTest
  @EnumSource(FailureReason.class)
  void shouldReadEveryReasonBackFromItsWireName(FailureReason r) {
    assertThat(FailureReason.fromWire(r.wire())).isEqualTo(r);
    assertThat(r.toString()).isEqualTo(r.wire());
  }

  @Test
  void shouldGiveEveryReasonItsOwnWireName() {
    Set<String> names =
        Arrays.stream(FailureReason.values()).map(FailureReason::wire).collect(Collectors.toSet());
    assertThat(names).hasSize(FailureReason.values().length);
  }

  @ParameterizedTest
  @CsvSource({
    "may_have_been_submitted, MAY_HAVE_BEEN_SUBMITTED, TEMPFAIL",
    "budget, BUDGET, TEMPFAIL",
    "input_missing, INPUT_MISSING, NO_INPUT",
    "no_token, NO_TOKEN, NOPERM",
    "storage_config, STORAGE_CONFIG, USAGE",
    "connection_reset, CONNECTION_RESET, UNAVAILABLE",
    "schema, SCHEMA, DATA"
  })
  void shouldKnowTheWireNamesTheStagesWrite(String wire, FailureReason r, ExitClass cls) {
    assertThat(FailureReason.fromWire(wire)).isEqualTo(r);
    assertThat(r.exitClass()).isEqualTo(cls);
  }

  @ParameterizedTest
  @CsvSource({
    "http_429, HTTP_429",
    "http_429_100429, HTTP_429",
    "http_503, HTTP",
    "http_400_400002, HTTP",
    "http_4290, UNKNOWN",
    "http_, UNKNOWN",
    "http, HTTP"
  })
  void shouldReadHttpReasonsAsTheirFamily(String wire, FailureReason r) {
    assertThat(FailureReason.fromWire(wire)).isEqualTo(r);
  }

  @Test
  void shouldReadAReasonOfAnotherProducerAsUnknownInsteadOfThrowing() {
    assertThat(FailureReason.fromWire("quota_exceeded_v9")).isEqualTo(FailureReason.UNKNOWN);
    assertThat(FailureReason.fromWire("")).isEqualTo(FailureReason.UNKNOWN);
    assertThat(FailureReason.fromWire(null)).isEqualTo(FailureReason.UNKNOWN);
  }

  @Test
  void shouldKeepTheExactTextOfAReasonWithADetail() {
    StageException e =
        new StageException(ExitClass.UNAVAILABLE, FailureReason.httpText(503, 500001), "HTTP 503");
    assertThat(e.reason()).isEqualTo(FailureReason.HTTP);
    assertThat(e.reasonText()).isEqualTo("http_503_500001");
    assertThat(e.withMessage("m").afterProgress().reasonText()).isEqualTo("http_503_500001");

    Failure f = new Failure(ExitClass.TEMPFAIL, "http_429_7", "m", Stage.ROUTER, 2);
    assertThat(f.reason()).isEqualTo(FailureReason.HTTP_429);
    assertThat(f.reasonText()).isEqualTo("http_429_7");
    assertThat(f.withMessage("other").reasonText()).isEqualTo("http_429_7");

    Failure plain = new Failure(ExitClass.TEMPFAIL, FailureReason.BUDGET, "m", Stage.ROUTER, 1);
    assertThat(plain.reasonText()).isEqualTo("budget");
  }

  @Test
  void shouldReadAnExitClassByNameOrByCode() {
    assertThat(ExitClass.fromJson(75)).isEqualTo(ExitClass.TEMPFAIL);
    assertThat(ExitClass.fromJson("TEMPFAIL")).isEqualTo(ExitClass.TEMPFAIL);
    assertThat(ExitClass.fromJson("65")).isEqualTo(ExitClass.DATA);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ExitClass.fromJson("SOMETIMES"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SOMETIMES");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ExitClass.fromJson(42))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("42");
  }
}
