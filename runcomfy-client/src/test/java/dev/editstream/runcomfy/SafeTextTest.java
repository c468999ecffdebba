package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SafeTextTest {
  /** The specification, written independently of {@link SafeText#unsafe}. */
  private static boolean mustEscape(int c) {
    return c <= 0x1f
        || c == 0x7f
        || (c >= 0x80 && c <= 0x9f)
        || c == 0x061c
        || c == 0x200e
        || c == 0x200f
        || c == 0x2028
        || c == 0x2029
        || (c >= 0x202a && c <= 0x202e)
        || (c >= 0x2066 && c <= 0x2069)
        || (c >= 0xd800 && c <= 0xdfff);
  }

  @Test
  void shouldEscapeExactlyTheSpecifiedUnitsAcrossTheWholeBasicPlane() {
    for (int c = 0; c <= 0xffff; c++) {
      String in = "a" + (char) c + "b";
      String out = SafeText.of(in, 100);
      if (mustEscape(c)) {
        assertThat(out).as("U+%04X", c).isEqualTo(String.format("a\\u%04Xb", c));
      } else {
        assertThat(out).as("U+%04X", c).isEqualTo(in);
      }
    }
  }

  @Test
  void shouldKeepPairedSurrogatesAndEscapeLoneOnes() {
    assertThat(SafeText.of("x\uD83D\uDE00y", 10)).isEqualTo("x\uD83D\uDE00y");
    assertThat(SafeText.of("x\uD83Dy", 10)).isEqualTo("x\\uD83Dy");
    assertThat(SafeText.of("x\uDE00", 10)).isEqualTo("x\\uDE00");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "abcdef|3|abc...",
        "abc|3|abc",
        "abc|0|...",
        "|5|''",
      })
  void shouldClipToMaxCharsAndMarkTheCut(String in, int max, String out) {
    assertThat(SafeText.of(in, max)).isEqualTo(out);
  }

  @Test
  void shouldNeverCutAnEscapeOrASurrogatePair() {
    assertThat(SafeText.of("ab\u001b", 7)).isEqualTo("ab...");
    assertThat(SafeText.of("ab\u001b", 8)).isEqualTo("ab\\u001B");
    assertThat(SafeText.of("a\uD83D\uDE00", 2)).isEqualTo("a...");
  }

  @Test
  void shouldRemoveTheSecretBeforeClippingSoNoPrefixSurvives() {
    String secret = "tok-0123456789";
    assertThat(SafeText.of("x".repeat(8) + secret, 12, secret)).isEqualTo("xxxxxxxx<red...");
    assertThat(SafeText.of(secret + secret, 100, secret)).isEqualTo("<redacted><redacted>");
    assertThat(SafeText.of(null, 5, secret)).isEmpty();
  }

  @Test
  void shouldRefuseANegativeLimit() {
    assertThatThrownBy(() -> SafeText.of("x", -1)).isInstanceOf(IllegalArgumentException.class);
  }
}
