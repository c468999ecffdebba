package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScriptsTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "今日のおすすめ | Han,Hiragana",
        "セール | Katakana",
        "영업 중 | Hangul",
        "Распродажа | Cyrillic",
        "تخفيضات | Arabic",
        "ลดราคา | Thai",
        "नमस्ते | Devanagari",
        "שלום | Hebrew",
        "Καλημέρα | Greek",
        "SALE 50% — café | ''",
        "'' | ''"
      })
  void shouldNameTheNonLatinScriptsOfTheLetters(String text, String expected) {
    Set<String> want =
        expected.isEmpty() ? Set.of() : Set.copyOf(Arrays.asList(expected.split(",")));

    assertThat(Scripts.nonLatin(text)).containsExactlyInAnyOrderElementsOf(want);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "Giảm giá 50% | Latin_Extended",
        "Wyprzedaż łańcuchów | Latin_Extended",
        "Büyük İndirim | Latin_Extended",
        "SALE 50% — café, Größe, mañana | ''",
        "Распродажа, Giảm giá | Cyrillic,Latin_Extended",
        "'' | ''"
      })
  void shouldCountLatinLettersBeyondLatinOneAsMultilingualTypography(String text, String expected) {
    Set<String> want =
        expected.isEmpty() ? Set.of() : Set.copyOf(Arrays.asList(expected.split(",")));

    assertThat(Scripts.typography(text)).containsExactlyInAnyOrderElementsOf(want);
  }

  @ParameterizedTest
  @CsvSource({"HIRAGANA, Hiragana", "OLD_ITALIC, Old_Italic"})
  void shouldDisplayScriptNamesInTitleCase(Character.UnicodeScript script, String name) {
    assertThat(Scripts.displayName(script)).isEqualTo(name);
  }
}
