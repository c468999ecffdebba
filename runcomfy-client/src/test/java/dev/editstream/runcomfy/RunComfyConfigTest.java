package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RunComfyConfigTest {
  private static final String TOKEN = "tok-123456";

  @Test
  void shouldUseCliDefaultsWhenEnvironmentHasOnlyAToken(@TempDir Path home) {
    RunComfyConfig c = RunComfyConfig.fromEnvironment(Map.of("RUNCOMFY_TOKEN", TOKEN), home);

    assertThat(c.baseUrl()).isEqualTo("https://model-api.runcomfy.net/v1");
    assertThat(c.token()).isEqualTo(TOKEN);
    assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.responseTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.maxConnections()).isEqualTo(500);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "http://127.0.0.1:8080/v1|http://127.0.0.1:8080/v1",
        "  http://127.0.0.1:8080/v1/  |http://127.0.0.1:8080/v1",
        "https://example.test/v1//|https://example.test/v1",
      })
  void shouldNormaliseBaseFromEnvironmentLikeTheCli(
      String raw, String expected, @TempDir Path home) {
    RunComfyConfig c =
        RunComfyConfig.fromEnvironment(
            Map.of("RUNCOMFY_TOKEN", TOKEN, "RUNCOMFY_MODEL_API_BASE", raw), home);

    assertThat(c.baseUrl()).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "/"})
  void shouldIgnoreEmptyBaseInEnvironment(String raw, @TempDir Path home) {
    RunComfyConfig c =
        RunComfyConfig.fromEnvironment(
            Map.of("RUNCOMFY_TOKEN", TOKEN, "RUNCOMFY_MODEL_API_BASE", raw), home);

    assertThat(c.baseUrl()).isEqualTo(RunComfyConfig.DEFAULT_BASE_URL);
  }

  @Test
  void shouldNeverPrintTheToken() {
    RunComfyConfig c = RunComfyConfig.of("https://x.test/v1", "s3cr3t-token-value");

    assertThat(c.toString())
        .doesNotContain("s3cr3t-token-value")
        .contains("<redacted>")
        .contains("https://x.test/v1");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "ftp://x.test/v1|baseUrl",
        "not a url|baseUrl",
        "https://x.test/v1?a=b|baseUrl",
        "https://user@x.test/v1|baseUrl",
        "/v1|baseUrl",
      })
  void shouldNameBaseUrlWhenItIsInvalid(String base, String field) {
    assertThatThrownBy(() -> RunComfyConfig.of(base, TOKEN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(field + ":");
  }

  @Test
  void shouldNameEachInvalidField() {
    assertThatThrownBy(() -> RunComfyConfig.of(null, TOKEN)).hasMessageStartingWith("baseUrl:");
    assertThatThrownBy(() -> RunComfyConfig.of("https://x.test", " "))
        .hasMessageStartingWith("token:");
    assertThatThrownBy(() -> RunComfyConfig.of("https://x.test", "a b"))
        .hasMessageStartingWith("token:");
    assertThatThrownBy(() -> RunComfyConfig.of("https://x.test", "ab\r\nX-Evil: 1"))
        .hasMessageStartingWith("token:");
    RunComfyConfig ok = RunComfyConfig.of("https://x.test", TOKEN);
    assertThatThrownBy(() -> ok.withConnectTimeout(Duration.ZERO))
        .hasMessageStartingWith("connectTimeout:");
    assertThatThrownBy(() -> ok.withResponseTimeout(Duration.ofSeconds(-1)))
        .hasMessageStartingWith("responseTimeout:");
    assertThatThrownBy(() -> ok.withResponseTimeout(null))
        .hasMessageStartingWith("responseTimeout:");
    assertThatThrownBy(() -> ok.withMaxConnections(0)).hasMessageStartingWith("maxConnections:");
  }

  @Test
  void shouldTrimTheTokenAndKeepCopiesIndependent() {
    RunComfyConfig c = RunComfyConfig.of("https://x.test/v1", "  abc  ");
    RunComfyConfig d = c.withMaxConnections(7).withResponseTimeout(Duration.ofMillis(300));

    assertThat(c.token()).isEqualTo("abc");
    assertThat(d.maxConnections()).isEqualTo(7);
    assertThat(d.responseTimeout()).isEqualTo(Duration.ofMillis(300));
    assertThat(c.maxConnections()).isEqualTo(500);
  }
}
