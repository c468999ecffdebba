package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class RetryAfterTest {
  private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

  @ParameterizedTest
  @CsvSource({"7,7", "0,0", " 120 ,120", "3600,3600", "86400,3600", "999999,3600"})
  void shouldParseDelaySeconds(String header, long seconds) {
    assertThat(RetryAfter.parse(header, NOW)).contains(Duration.ofSeconds(seconds));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "Mon, 23 Nov 2026 10:00:30 GMT|30",
        "Mon, 23 Nov 2026 09:59:00 GMT|0",
        "Mon, 23 Nov 2026 11:00:00 GMT|3600",
      })
  void shouldParseHttpDateRelativeToNow(String header, long seconds) {
    assertThat(RetryAfter.parse(header, NOW)).contains(Duration.ofSeconds(seconds));
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"", "  ", "-5", "1.5", "soon", "9999999999999", "2026-11-23T10:00:30Z"})
  void shouldIgnoreAbsentOrUnparseableValues(String header) {
    assertThat(RetryAfter.parse(header, NOW)).isEmpty();
  }
}
