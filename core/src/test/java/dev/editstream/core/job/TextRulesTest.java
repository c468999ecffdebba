package dev.editstream.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextRulesTest {
  @Test
  void shouldAllowLineBreaksOnlyWhenAsked() {
    assertThat(TextRules.controlChars("a\tb\nc\r", true)).isNull();
    assertThat(TextRules.controlChars("a\tb", false)).contains("U+0009 at index 1");
    assertThat(TextRules.controlChars("a\u0000", true)).contains("U+0000 at index 1");
    assertThat(TextRules.controlChars("a\u001b[31m", true)).contains("U+001B");
    assertThat(TextRules.controlChars("a\u007f", true)).contains("U+007F");
  }

  @Test
  void shouldFindBidiControlsAndUnpairedSurrogates() {
    assertThat(TextRules.bidiControls("abc\u202Edef")).contains("U+202E at index 3");
    assertThat(TextRules.bidiControls("\u2069")).contains("U+2069");
    assertThat(TextRules.bidiControls("plain العربية")).isNull();
    assertThat(TextRules.unpairedSurrogates("ok \uD83D\uDE00")).isNull();
    assertThat(TextRules.unpairedSurrogates("bad \uD83D")).contains("unpaired surrogate U+D83D");
    assertThat(TextRules.unpairedSurrogates("\uDE00 bad")).contains("U+DE00");
  }

  @Test
  void shouldShowHostileTextEscapedAndCut() {
    assertThat(TextRules.show("a\u202Eb\u0000\"c\\")).isEqualTo("\"a\\u202Eb\\u0000\\\"c\\\\\"");
    assertThat(TextRules.show("x".repeat(100))).hasSize(65).endsWith("\"...");
    assertThat(TextRules.child("", "seed")).isEqualTo("seed");
    assertThat(TextRules.child("params", "seed")).isEqualTo("params.seed");
    assertThat(TextRules.child("params", "a b")).isEqualTo("params[\"a b\"]");
    assertThat(TextRules.child("", "\u202Ex")).isEqualTo("[\"\\u202Ex\"]");
    assertThat(TextRules.escapeInvisible("a\u0000\u202E\u200Bb"))
        .isEqualTo("a\\u0000\\u202E\\u200Bb");
  }
}
