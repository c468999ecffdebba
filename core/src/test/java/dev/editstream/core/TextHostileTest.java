package dev.editstream.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.hostile.Surface;
import dev.editstream.core.hostile.SurfaceNames;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 14, defects 11 and 13: text from outside never carries a known secret or a raw control
 * character.
 */
@Surface("text")
@DisplayNameGeneration(SurfaceNames.class)
class TextHostileTest {
  private static final String TOKEN = "rc_live_9f8e7d6c5b4a3210";

  @AfterEach
  void forget() {
    Secrets.forget(TOKEN);
    Secrets.forget("Zm9vYmFyYmF6cXV4");
  }

  static Stream<Arguments> controls() {
    return Stream.of(
        Arguments.of("a right-to-left override U+202E", "invoice\u202Efdp.exe", "\\u202E"),
        Arguments.of("a left-to-right override U+202D", "a\u202Db", "\\u202D"),
        Arguments.of("a left-to-right embedding U+202A", "a\u202Ab", "\\u202A"),
        Arguments.of("a pop directional formatting U+202C", "a\u202Cb", "\\u202C"),
        Arguments.of("a right-to-left isolate U+2067", "a\u2067b", "\\u2067"),
        Arguments.of("a pop directional isolate U+2069", "a\u2069b", "\\u2069"),
        Arguments.of("an arabic letter mark U+061C", "a\u061Cb", "\\u061C"),
        Arguments.of("a right-to-left mark U+200F", "a\u200Fb", "\\u200F"),
        Arguments.of("a NUL byte", "a\u0000b", "\\u0000"),
        Arguments.of("an ANSI escape clearing the screen", "\u001B[2J\u001B[Hok", "\\u001B[2J"),
        Arguments.of(
            "a carriage return forging a log line", "fine\r2026-01-01 INFO all good", "\\u000D"),
        Arguments.of("a newline forging a log line", "fine\nINFO job x done", "\\u000A"),
        Arguments.of("a tab", "a\tb", "\\u0009"),
        Arguments.of("a backspace", "secret\b\b\b\b\b\bpublic", "\\u0008"),
        Arguments.of("DEL", "a\u007Fb", "\\u007F"),
        Arguments.of("a C1 control CSI U+009B", "a\u009B31mb", "\\u009B"),
        Arguments.of("a C1 next-line U+0085", "a\u0085b", "\\u0085"),
        Arguments.of("a line separator U+2028", "a\u2028b", "\\u2028"),
        Arguments.of("a paragraph separator U+2029", "a\u2029b", "\\u2029"),
        Arguments.of("a bell", "a\u0007b", "\\u0007"));
  }

  @ParameterizedTest(name = "text: {0} is escaped")
  @MethodSource("controls")
  void shouldEscapeEveryControlAndBidiCharacter(String name, String text, String escaped) {
    String out = Redact.text(text);
    assertThat(out).contains(escaped);
    assertThat(out.chars().noneMatch(c -> Redact.mustEscape((char) c))).isTrue();
  }

  @ParameterizedTest(name = "text: {0} is kept as it is")
  @MethodSource("plain")
  void shouldKeepEveryOtherCharacter(String name, String text) {
    assertThat(Redact.text(text)).isEqualTo(text);
  }

  static Stream<Arguments> plain() {
    return Stream.of(
        Arguments.of("Japanese", "\u300C\u6625\u306E\u65B0\u4F5C\u300D\u3068\u5165\u308C\u3066"),
        Arguments.of(
            "Arabic without controls",
            "\u0623\u0628\u0642\u0650 \u0627\u0644\u0645\u0646\u062A\u062C"),
        Arguments.of("an emoji (a surrogate pair)", "make it \uD83D\uDE00 warmer"),
        Arguments.of("a zero-width joiner inside an emoji", "\uD83D\uDC69\u200D\uD83D\uDCBB"));
  }

  static Stream<Arguments> secrets() {
    return Stream.of(
        Arguments.of(
            "a registered token echoed in an error",
            "invalid token " + TOKEN + " for account",
            TOKEN),
        Arguments.of(
            "a registered token inside a JSON error body",
            "{\"error\":\"bad key '" + TOKEN + "'\"}",
            TOKEN),
        Arguments.of("a registered token glued to other text", "x" + TOKEN + "y", TOKEN),
        Arguments.of("a registered token repeated", TOKEN + " and " + TOKEN, TOKEN),
        Arguments.of(
            "a bearer token in a header dump",
            "Authorization: Bearer abc.def-ghi_jkl",
            "abc.def-ghi_jkl"),
        Arguments.of(
            "a signature in a pre-signed URL",
            "GET https://s3.example.com/a.png?X-Amz-Signature=deadbeefcafe&X-Amz-Expires=60 -> 403",
            "deadbeefcafe"),
        Arguments.of(
            "a signature after a fragment",
            "https://cdn.example.com/a.png#sig=0123456789abcdef",
            "0123456789abcdef"),
        Arguments.of(
            "a registered URL signature outside its URL",
            "the signature Zm9vYmFyYmF6cXV4 expired",
            "Zm9vYmFyYmF6cXV4"));
  }

  @ParameterizedTest(name = "text: {0} is redacted")
  @MethodSource("secrets")
  void shouldRemoveEveryKnownSecret(String name, String text, String secret) {
    Secrets.register(TOKEN);
    Secrets.registerUrlSignature(
        "https://s3.example.com/b.png?X-Amz-Signature=Zm9vYmFyYmF6cXV4&X-Amz-Expires=60");
    assertThat(Redact.text(text)).doesNotContain(secret).contains(Redact.MARK);
  }

  @Test
  void shouldRemoveASecretSplitByNothingButKeepShortValuesUnregistered() {
    assertThat(Secrets.register("short")).isFalse();
    assertThat(Redact.text("a short word")).isEqualTo("a short word");
  }

  @Test
  void shouldRedactBeforeClippingSoNoHalfSecretSurvives() {
    Secrets.register(TOKEN);
    String text = "x".repeat(90) + TOKEN;
    String out = Redact.text(text, 100);
    assertThat(out).doesNotContain(TOKEN.substring(0, 8)).hasSizeLessThanOrEqualTo(100);
  }

  @Test
  void shouldClipA3MegabyteTextToTheLimitNamingWhatWasCut() {
    String out = Redact.text("e".repeat(3_000_000), 4_000);
    assertThat(out).hasSizeLessThanOrEqualTo(4_000).endsWith("chars clipped]");
  }

  @Test
  void shouldNeverCutASurrogatePairInHalf() {
    String out = Redact.clip("a".repeat(67) + "\uD83D\uDE00".repeat(50), 100);
    assertThat(Character.isHighSurrogate(out.charAt(out.indexOf('…') - 1))).isFalse();
  }
}
