package dev.editstream.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.editstream.core.Json;
import dev.editstream.core.hostile.Surface;
import dev.editstream.core.hostile.SurfaceNames;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 14, defect 6: records too large for the broker (a stranger with a bigger broker limit, a
 * replay tool) still decode boundedly: the read limits of {@link Json#mapper()} stop them.
 */
@Surface("kafka record")
@DisplayNameGeneration(SurfaceNames.class)
class EventCodecHostileTest {
  private static final String HEAD =
      "{\"v\":1,\"type\":\"submitted\",\"job_id\":\"j\",\"at\":\"2026-01-01T00:00:00Z\",\"job\":{\"id\":\"j\",\"prompt\":";

  static Stream<Arguments> oversized() {
    return Stream.of(
        Arguments.of(
            "a 50 MB prompt", HEAD + "\"" + "x".repeat(50_000_000) + "\"}}", "String value length"),
        Arguments.of("a 50 MB field name", "{\"" + "k".repeat(50_000_000) + "\":1}", "length"),
        Arguments.of("1,000,000 nested arrays", "[".repeat(1_000_000), "Array value"),
        Arguments.of("1,000,000 nested objects", "{\"a\":".repeat(1_000_000), "nesting depth"),
        Arguments.of(
            "a number of 10,000 digits",
            HEAD + "\"x\"},\"attempt\":" + "7".repeat(10_000) + "}",
            "Number value length"),
        Arguments.of(
            "a float of 10,000 digits",
            HEAD + "\"x\"},\"attempt\":0." + "7".repeat(10_000) + "}",
            "Number value length"));
  }

  @ParameterizedTest(name = "kafka record: {0} is refused by the read limits with a short reason")
  @MethodSource("oversized")
  void shouldRefuseOversizedTokensQuicklyWithABoundedReason(
      String name, String json, String limit) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> EventCodec.decode(bytes))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(limit)
        .satisfies(
            e -> assertThat(e.getMessage()).hasSizeLessThanOrEqualTo(EventCodec.MAX_REASON_CHARS));
    try {
      EventHead.read(bytes); // skips what it does not need without building it: bounded either way
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).hasSizeLessThanOrEqualTo(EventCodec.MAX_REASON_CHARS);
    }
  }

  static Stream<Arguments> limits() {
    return Stream.of(
        Arguments.of("a 50 MB string", "\"" + "x".repeat(50_000_000) + "\"", "String value length"),
        Arguments.of("1,000,000 nested arrays", "[".repeat(1_000_000), "nesting depth"),
        Arguments.of(
            "201 nested objects", "{\"a\":".repeat(201) + "1" + "}".repeat(201), "nesting depth"),
        Arguments.of("a number of 101 digits", "1".repeat(101), "Number value length"));
  }

  @ParameterizedTest(name = "kafka record: the shared mapper refuses {0}")
  @MethodSource("limits")
  void shouldBoundEveryReadOfTheSharedMapper(String name, String json, String limit) {
    assertThatThrownBy(() -> Json.mapper().readTree(json)).hasMessageContaining(limit);
  }

  @org.junit.jupiter.api.Test
  void shouldStillReadTwoHundredLevelsAndAHundredDigits() throws Exception {
    assertThat(Json.mapper().readTree("[".repeat(199) + "]".repeat(199))).isNotNull();
    assertThat(Json.mapper().readTree("9".repeat(100))).isNotNull();
  }
}
