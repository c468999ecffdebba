package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EmulatorConfigTest {
  static final EmulatorConfig D = EmulatorConfig.defaults(Path.of("out"), "tok");

  @Test
  void shouldHaveDocumentedDefaults() {
    assertThat(D.host()).isEqualTo("127.0.0.1");
    assertThat(D.port()).isZero();
    assertThat(D.tokens()).containsExactly("tok");
    assertThat(D.latency()).isEqualTo(new LatencyModel.Uniform(300, 900));
    assertThat(D.modelLatency()).isEmpty();
    assertThat(D.providerCap()).isZero();
    assertThat(D.capRetryAfterS()).isEqualTo(1);
    assertThat(D.rateLimitPerSecond()).isZero();
    assertThat(D.renderOutputs()).isTrue();
    assertThat(D.blobOutputBytes()).isZero();
    assertThat(D.concurrency()).isEqualTo(8);
    assertThat(
            D.rate429()
                + D.rate5xx()
                + D.failedJobRate()
                + D.slowRate()
                + D.hangRate()
                + D.truncateRate())
        .isZero();
    assertThat(D.fetchInputs()).isTrue();
    assertThat(D.balanceUsd()).isEqualTo(1000.0);
    assertThat(D.resultBeforeCompletion()).isEqualTo(ResultBeforeCompletion.ERROR);
    assertThat(D.statusWords()).isEqualTo(StatusWords.LIVE);
    assertThat(D.acceptedThen504Rate()).isZero();
  }

  @Test
  void shouldCopyWithOneFieldChanged() {
    EmulatorConfig c =
        D.withPort(8080)
            .withHost("0.0.0.0")
            .withTokens(Set.of("a", "b"))
            .withLatency(1, 2)
            .withConcurrency(3)
            .withRate429(0.1)
            .withRate5xx(0.2)
            .withFailedJobRate(0.3)
            .withSlow(0.4, 50)
            .withHangRate(0.5)
            .withTruncateRate(0.6)
            .withSeed(9)
            .withFetchInputs(false)
            .withModelLatency("m", new LatencyModel.Fixed(0))
            .withProviderCap(4)
            .withCapRetryAfterS(7)
            .withRateLimitPerSecond(2.5)
            .withRenderOutputs(false)
            .withBlobOutputBytes(10)
            .withBalanceUsd(0.5)
            .withResultBeforeCompletion(ResultBeforeCompletion.STATE)
            .withStatusWords(StatusWords.DOCUMENTED)
            .withAcceptedThen504Rate(0.7)
            .withSubmit503First(2)
            .withPublicOutputs(true);
    assertThat(c)
        .isEqualTo(
            new EmulatorConfig(
                "0.0.0.0",
                8080,
                Set.of("a", "b"),
                Path.of("out"),
                new LatencyModel.Uniform(1, 2),
                Map.of("m", new LatencyModel.Fixed(0)),
                3,
                0.1,
                0.2,
                0.3,
                0.4,
                50,
                0.5,
                0.6,
                9,
                false,
                4,
                7,
                2.5,
                false,
                10,
                0.5,
                ResultBeforeCompletion.STATE,
                StatusWords.DOCUMENTED,
                0.7,
                2,
                true));
  }

  @Test
  void shouldPickTheModelsLatencyElseTheDefault() {
    LatencyModel slow = new LatencyModel.LogNormal(20_000, 0.4);
    EmulatorConfig c =
        D.withLatency(new LatencyModel.Fixed(5)).withModelLatencies(Map.of("video", slow));
    assertThat(c.latencyFor("video")).isEqualTo(slow);
    assertThat(c.latencyFor("image")).isEqualTo(new LatencyModel.Fixed(5));
    assertThat(c.withModelLatency("image", slow).latencyFor("image")).isEqualTo(slow);
  }

  @Test
  void shouldNotShareTheCallersTokenSet() {
    Set<String> mutable = new HashSet<>(Set.of("a"));
    EmulatorConfig c = D.withTokens(mutable);
    mutable.add("b");
    assertThat(c.tokens()).containsExactly("a");
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("host", (Supplier<EmulatorConfig>) () -> D.withHost(" ")),
        Arguments.of("port", (Supplier<EmulatorConfig>) () -> D.withPort(70_000)),
        Arguments.of("tokens", (Supplier<EmulatorConfig>) () -> D.withTokens(Set.of())),
        Arguments.of("tokens", (Supplier<EmulatorConfig>) () -> D.withTokens(Set.of(""))),
        Arguments.of(
            "outputDir", (Supplier<EmulatorConfig>) () -> EmulatorConfig.defaults(null, "t")),
        Arguments.of("latency", (Supplier<EmulatorConfig>) () -> D.withLatency(null)),
        Arguments.of(
            "modelLatency",
            (Supplier<EmulatorConfig>) () -> D.withModelLatency(" ", new LatencyModel.Fixed(1))),
        Arguments.of("providerCap", (Supplier<EmulatorConfig>) () -> D.withProviderCap(-1)),
        Arguments.of("capRetryAfterS", (Supplier<EmulatorConfig>) () -> D.withCapRetryAfterS(-1)),
        Arguments.of(
            "rateLimitPerSecond",
            (Supplier<EmulatorConfig>) () -> D.withRateLimitPerSecond(Double.POSITIVE_INFINITY)),
        Arguments.of(
            "blobOutputBytes",
            (Supplier<EmulatorConfig>) () -> D.withBlobOutputBytes(4L * 1024 * 1024 * 1024 + 1)),
        Arguments.of("concurrency", (Supplier<EmulatorConfig>) () -> D.withConcurrency(0)),
        Arguments.of("rate429", (Supplier<EmulatorConfig>) () -> D.withRate429(1.5)),
        Arguments.of("rate5xx", (Supplier<EmulatorConfig>) () -> D.withRate5xx(-0.1)),
        Arguments.of("failedJobRate", (Supplier<EmulatorConfig>) () -> D.withFailedJobRate(2)),
        Arguments.of("slowRate", (Supplier<EmulatorConfig>) () -> D.withSlow(Double.NaN, 1)),
        Arguments.of("slowMs", (Supplier<EmulatorConfig>) () -> D.withSlow(0.5, -1)),
        Arguments.of("hangRate", (Supplier<EmulatorConfig>) () -> D.withHangRate(1.01)),
        Arguments.of("truncateRate", (Supplier<EmulatorConfig>) () -> D.withTruncateRate(-1)),
        Arguments.of("balanceUsd", (Supplier<EmulatorConfig>) () -> D.withBalanceUsd(Double.NaN)),
        Arguments.of("balanceUsd", (Supplier<EmulatorConfig>) () -> D.withBalanceUsd(-0.01)),
        Arguments.of(
            "resultBeforeCompletion",
            (Supplier<EmulatorConfig>) () -> D.withResultBeforeCompletion(null)),
        Arguments.of("statusWords", (Supplier<EmulatorConfig>) () -> D.withStatusWords(null)),
        Arguments.of(
            "acceptedThen504Rate",
            (Supplier<EmulatorConfig>) () -> D.withAcceptedThen504Rate(1.5)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void shouldNameTheFieldWhenAValueIsInvalid(String field, Supplier<EmulatorConfig> build) {
    assertThatThrownBy(build::get)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("EmulatorConfig." + field + " ");
  }
}
