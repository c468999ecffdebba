package dev.editstream.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class S3SettingsTest {
  private final S3Settings base =
      S3Settings.of(ObjectStoreUri.parse("--stage-to", "s3://media-in"), "--stage-to");

  @Test
  void shouldPickTheRegion() {
    assertThat(base.effectiveRegion()).isNull();
    assertThat(base.withEndpoint(URI.create("http://127.0.0.1:9000"), true).effectiveRegion())
        .isEqualTo("us-east-1");
    assertThat(base.withRegion("eu-west-1").effectiveRegion()).isEqualTo("eu-west-1");
    assertThat(
            base.withRegion("eu-west-1")
                .withEndpoint(URI.create("http://h"), true)
                .effectiveRegion())
        .isEqualTo("eu-west-1");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ftp://h",
        "h:9000",
        "http://u:p@h",
        "http://h/path",
        "http://h?q=1",
        "http://h#f"
      })
  void shouldRefuseBadEndpoints(String endpoint) {
    assertThatThrownBy(() -> base.withEndpoint(URI.create(endpoint), true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--stage-to: endpoint");
  }

  @Test
  void shouldAcceptAnEndpointWithATrailingSlash() {
    assertThat(base.withEndpoint(URI.create("https://minio.local:9000/"), true).pathStyle())
        .isTrue();
  }

  @Test
  void shouldWantBothKeysOrNeitherAndNotAlsoAProfile() {
    assertThatThrownBy(
            () ->
                new S3Settings(
                    base.location(),
                    null,
                    null,
                    false,
                    null,
                    "AKIA",
                    null,
                    "--stage-to",
                    S3Settings.DEFAULT_API_CALL_TIMEOUT,
                    S3Settings.DEFAULT_ATTEMPT_TIMEOUT))
        .hasMessageContaining("both");
    assertThatThrownBy(
            () ->
                new S3Settings(
                    base.location(),
                    null,
                    null,
                    false,
                    "dev",
                    "AKIA",
                    "s3cr3t-s3cr3t",
                    "--stage-to",
                    S3Settings.DEFAULT_API_CALL_TIMEOUT,
                    S3Settings.DEFAULT_ATTEMPT_TIMEOUT))
        .hasMessageContaining("not both");
    assertThat(base.withStaticCredentials("AKIA", "s").hasStaticCredentials()).isTrue();
    assertThat(base.withStaticCredentials("AKIA", "s").withProfile("dev").hasStaticCredentials())
        .isFalse();
    assertThatThrownBy(() -> base.withProfile(" ")).hasMessageContaining("profile");
    assertThatThrownBy(() -> base.withStaticCredentials(" ", "x")).hasMessageContaining("blank");
  }

  @Test
  void shouldCheckTimeoutsAndRegion() {
    assertThatThrownBy(() -> base.withTimeouts(Duration.ZERO, Duration.ofSeconds(1)))
        .hasMessageContaining("positive");
    assertThatThrownBy(() -> base.withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(2)))
        .hasMessageContaining("exceed");
    assertThatThrownBy(() -> base.withRegion("EU West")).hasMessageContaining("region");
    assertThat(base.apiCallTimeout()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void shouldNeverShowTheSecret() {
    S3Settings s = base.withStaticCredentials("AKIAEXAMPLE", "very-secret-key-value");
    assertThat(s.toString())
        .contains("AKIAEXAMPLE")
        .doesNotContain("very-secret-key-value")
        .contains("<redacted>");
  }
}
