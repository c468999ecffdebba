package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.editstream.storage.S3Settings;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@link StorageOptions}: parsing as the commands see it, and the checks made before any store is
 * opened.
 */
class StorageOptionsTest {
  @Command(name = "t")
  static final class Host {
    @Mixin StorageOptions storage = new StorageOptions();
  }

  static StorageOptions parse(String... args) {
    Host h = new Host();
    new CommandLine(h).parseArgs(args);
    return h.storage;
  }

  @Test
  void shouldCarryEveryOptionIntoTheSettings() {
    StorageOptions o =
        parse(
            "--stage-to",
            "s3://media/in",
            "--s3-endpoint",
            "http://127.0.0.1:9000",
            "--s3-path-style",
            "--s3-region",
            "eu-west-3",
            "--s3-profile",
            "ops",
            "--s3-attempt-timeout-s",
            "7",
            "--s3-call-timeout-s",
            "20");
    S3Settings s = o.settings("--stage-to", o.stageTo);
    assertThat(s.location().bucket()).isEqualTo("media");
    assertThat(s.endpoint()).isEqualTo(URI.create("http://127.0.0.1:9000"));
    assertThat(s.pathStyle()).isTrue();
    assertThat(s.region()).isEqualTo("eu-west-3");
    assertThat(s.profile()).isEqualTo("ops");
    assertThat(s.attemptTimeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(s.apiCallTimeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(s.optionName()).isEqualTo("--stage-to");
  }

  @Test
  void shouldDefaultToTwoMinutesPerAttemptAndFivePerCall() {
    StorageOptions o = parse("--results-to", "s3://media");
    S3Settings s = o.settings("--results-to", o.resultsTo);
    assertThat(s.attemptTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(s.apiCallTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(o.keepLocal).isTrue();
    assertThat(parse("--results-to", "s3://media", "--no-keep-local").keepLocal).isFalse();
  }

  @Test
  void shouldRefuseTimeoutsNamingTheOption() {
    StorageOptions zero = parse("--stage-to", "s3://media", "--s3-attempt-timeout-s", "0");
    assertThatThrownBy(() -> zero.settings("--stage-to", zero.stageTo))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--s3-attempt-timeout-s must be >= 1");
    StorageOptions inverted =
        parse(
            "--stage-to",
            "s3://media",
            "--s3-attempt-timeout-s",
            "60",
            "--s3-call-timeout-s",
            "30");
    assertThatThrownBy(() -> inverted.settings("--stage-to", inverted.stageTo))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--s3-call-timeout-s must be >= --s3-attempt-timeout-s (60), was 30");
  }

  @Test
  void shouldRefuseAMalformedLocationNamingTheOption() {
    StorageOptions o = parse("--stage-to", "https://media/in");
    assertThatThrownBy(() -> o.settings("--stage-to", o.stageTo))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--stage-to");
  }
}
