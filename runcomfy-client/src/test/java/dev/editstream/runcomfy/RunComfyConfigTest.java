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

  @Test
  void shouldUseRunComfysBalanceEndpointForTheProductionBase(@TempDir Path home) {
    RunComfyConfig c = RunComfyConfig.fromEnvironment(Map.of("RUNCOMFY_TOKEN", TOKEN), home);

    assertThat(c.balanceUrl())
        .isEqualTo(RunComfyConfig.DEFAULT_BALANCE_URL)
        .isEqualTo("https://api.runcomfy.net/prod/v2/balance");
    assertThat(RunComfyConfig.of("https://MODEL-API.runcomfy.net:443/v1/", TOKEN).balanceUrl())
        .isEqualTo("https://api.runcomfy.net/prod/v2/balance");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "http://127.0.0.1:8123/v1|http://127.0.0.1:8123/prod/v2/balance",
        "https://model-api-int.runcomfy.net/v1|https://model-api-int.runcomfy.net/prod/v2/balance",
        "http://model-api.runcomfy.net/v1|http://model-api.runcomfy.net/prod/v2/balance",
        "https://model-api.runcomfy.net:8443/v1|https://model-api.runcomfy.net:8443/prod/v2/balance",
        "http://[::1]:9000/api/v1|http://[::1]:9000/prod/v2/balance",
        "https://example.test|https://example.test/prod/v2/balance",
      })
  void shouldDeriveTheBalanceUrlFromTheOriginOfAnyOtherBase(String base, String balance) {
    assertThat(RunComfyConfig.of(base, TOKEN).balanceUrl()).isEqualTo(balance);
    assertThat(RunComfyConfig.balanceUrlFor(base)).isEqualTo(balance);
  }

  @Test
  void shouldLetTheBalanceEnvironmentVariableWin(@TempDir Path home) {
    RunComfyConfig c =
        RunComfyConfig.fromEnvironment(
            Map.of(
                "RUNCOMFY_TOKEN", TOKEN,
                "RUNCOMFY_MODEL_API_BASE", "http://127.0.0.1:8123/v1",
                "RUNCOMFY_BALANCE_URL", "  https://wallet.example.test/v9/balance/ "),
            home);

    assertThat(c.baseUrl()).isEqualTo("http://127.0.0.1:8123/v1");
    assertThat(c.balanceUrl()).isEqualTo("https://wallet.example.test/v9/balance");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "/"})
  void shouldIgnoreAnEmptyBalanceVariable(String raw, @TempDir Path home) {
    RunComfyConfig c =
        RunComfyConfig.fromEnvironment(
            Map.of("RUNCOMFY_TOKEN", TOKEN, "RUNCOMFY_BALANCE_URL", raw), home);

    assertThat(c.balanceUrl()).isEqualTo(RunComfyConfig.DEFAULT_BALANCE_URL);
  }

  @Test
  void shouldKeepTheBalanceUrlThroughEveryWitherAndDeriveItAgainFromNull() {
    RunComfyConfig c =
        RunComfyConfig.of("http://127.0.0.1:8123/v1", TOKEN).withBalanceUrl("http://127.0.0.1:9/b");

    RunComfyConfig d =
        c.withMaxConnections(3)
            .withConnectTimeout(Duration.ofSeconds(1))
            .withResponseTimeout(Duration.ofSeconds(2));

    assertThat(d.balanceUrl()).isEqualTo("http://127.0.0.1:9/b");
    assertThat(d.withBalanceUrl(null).balanceUrl())
        .isEqualTo("http://127.0.0.1:8123/prod/v2/balance");
    assertThat(d.toString()).contains("balanceUrl=http://127.0.0.1:9/b").doesNotContain(TOKEN);
    assertThat(
            new RunComfyConfig(
                    "http://127.0.0.1:8123/v1",
                    TOKEN,
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(1),
                    1)
                .balanceUrl())
        .isEqualTo("http://127.0.0.1:8123/prod/v2/balance");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ftp://x.test/balance",
        "not a url",
        "https://x.test/balance?key=1",
        "https://x.test/balance#f",
        "https://user:pw@x.test/balance",
        "/prod/v2/balance",
      })
  void shouldNameBalanceUrlWhenItIsInvalid(String url) {
    RunComfyConfig ok = RunComfyConfig.of("https://x.test/v1", TOKEN);

    assertThatThrownBy(() -> ok.withBalanceUrl(url))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("balanceUrl:")
        .hasMessageNotContaining("key=1")
        .hasMessageNotContaining("pw");
  }
}
