package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LexiconTest {
  private static final Lexicon BUILT_IN = Lexicon.builtIn();

  private static Lexicon lexicon(String json) {
    try {
      return Lexicon.of(List.of(Json.mapper().readTree(json)));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void shouldLoadTheShippedLanguages() {
    assertThat(BUILT_IN.languages())
        .containsExactly(
            "en", "zh", "ja", "ko", "es", "fr", "de", "pt", "ru", "ar", "hi", "vi", "th", "uk",
            "sv", "it", "nl", "pl", "tr", "id");
    assertThat(BUILT_IN.categories()).containsAll(Router.CATEGORIES);
  }

  @Test
  void shouldMatchWholeWordsOnlyInWordsMode() {
    Lexicon l = lexicon("{\"language\":\"t\",\"match\":\"words\",\"cues\":{\"add\":[\"add\"]}}");

    assertThat(l.find("add", "Add a hat")).containsExactly("Add");
    assertThat(l.find("add", "the address and additional text")).isEmpty();
  }

  @Test
  void shouldReportTheWholeInflectedWordInStemsMode() {
    Lexicon l =
        lexicon("{\"language\":\"t\",\"match\":\"stems\",\"cues\":{\"text\":[\"заголов\"]}}");

    assertThat(l.find("text", "Замени заголовок.")).containsExactly("заголовок");
    assertThat(l.find("text", "подзаголовок")).isEmpty();
  }

  @Test
  void shouldMatchInsideUnspacedTextInSubstringMode() {
    Lexicon l =
        lexicon("{\"language\":\"t\",\"match\":\"substring\",\"cues\":{\"background\":[\"背景\"]}}");

    assertThat(l.find("background", "将背景转换为街道")).containsExactly("背景");
  }

  @ParameterizedTest
  @CsvSource({"bottom-right corner", "bottom right corner", "bottom  -  right corner"})
  void shouldLetSpacesAndHyphensInAPhraseMatchEachOther(String prompt) {
    Lexicon l =
        lexicon(
            "{\"language\":\"t\",\"match\":\"words\",\"cues\":{\"spatial\":[\"bottom-right\"]}}");

    assertThat(l.find("spatial", prompt)).hasSize(1);
  }

  @Test
  void shouldListEachDistinctCueOnceInOrderOfAppearance() {
    assertThat(BUILT_IN.find("keep", "Keep the face. keep the hair unchanged."))
        .containsExactly("Keep", "unchanged");
  }

  @Test
  void shouldPreferTheLongerPhraseAtTheSamePosition() {
    assertThat(BUILT_IN.find("frames", "apply to every frame")).containsExactly("every frame");
  }

  @Test
  void shouldFindQuotedSegmentsBetweenEachLanguagesQuotationMarks() {
    String prompt = "a \"one\" b 「二」 c «три» d „vier“ e “five”";

    assertThat(BUILT_IN.quoted(prompt)).containsExactly("one", "二", "три", "vier", "five");
  }

  @Test
  void shouldIgnoreEmptyQuotes() {
    assertThat(BUILT_IN.quoted("say \"\" then \" \"")).isEmpty();
  }

  @Test
  void shouldFindTheBrandAModelIsNamedBy() {
    assertThat(BUILT_IN.brand("please use Nano-Banana 2 for this"))
        .contains(new Lexicon.BrandMatch(Router.NANO_BANANA, "Nano-Banana 2"));
    assertThat(BUILT_IN.brand("give her a wan smile")).isEmpty();
  }

  @Test
  void shouldRefuseABadRegexNamingLanguageAndCategory() {
    assertThatThrownBy(() -> lexicon("{\"language\":\"t\",\"cues\":{\"keep\":[\"re:(unclosed\"]}}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lexicon t")
        .hasMessageContaining("keep");
  }

  @Test
  void shouldRefuseAnUnknownMatchMode() {
    assertThatThrownBy(() -> lexicon("{\"language\":\"t\",\"match\":\"fuzzy\",\"cues\":{}}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fuzzy");
  }

  @Test
  void shouldRefuseAMalformedQuotePair() {
    assertThatThrownBy(() -> lexicon("{\"language\":\"t\",\"quotes\":[[\"<\"]],\"cues\":{}}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("quote pair");
  }

  @Test
  void shouldRefuseAskingForACategoryNoLanguageDefines() {
    assertThatThrownBy(() -> BUILT_IN.find("colour", "red"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("colour");
  }

  @Test
  void everyShippedEntryCompilesAndEveryFileNamesItsLanguage() {
    for (String lang : BUILT_IN.languages()) {
      JsonNode doc;
      try (var in =
          getClass().getResourceAsStream("/editstream/routing/lexicon-" + lang + ".json")) {
        doc = Json.mapper().readTree(in);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      assertThat(doc.path("language").asText()).isEqualTo(lang);
      assertThat(doc.path("quotes").size()).as(lang).isPositive();
    }
  }

  @Test
  void shouldEndALatinWordNextToChineseTextOnEveryJdk() {
    assertThat(BUILT_IN.find("background", "把background换成海滩")).containsExactly("background");
    assertThat(BUILT_IN.brand("用wan处理这段视频")).map(Lexicon.BrandMatch::modelId).contains(Router.WAN);
    assertThat(BUILT_IN.brand("先用z-image修复"))
        .map(Lexicon.BrandMatch::modelId)
        .contains(Router.Z_IMAGE);
  }

  @Test
  void shouldKeepAnInflectedWordWholeOnlyWithinItsOwnScript() {
    Lexicon l = lexicon("{\"language\":\"t\",\"match\":\"stems\",\"cues\":{\"text\":[\"текст\"]}}");

    assertThat(l.find("text", "текстом")).containsExactly("текстом");
    assertThat(l.find("text", "контекст")).isEmpty();
    assertThat(l.find("text", "текстAB")).containsExactly("текст");
  }

  @Test
  void shouldTreatBackslashBInARegexEntryAsALatinWordBoundary() {
    Lexicon l =
        lexicon(
            "{\"language\":\"t\",\"match\":\"substring\",\"cues\":{\"lora\":[\"re:\\\\blora\\\\b\"]}}");

    assertThat(l.find("lora", "ブランドのLoRAで")).containsExactly("LoRA");
    assertThat(l.find("lora", "floral")).isEmpty();
  }

  @Test
  void blankShouldReplaceEveryCueOfACategoryBySpacesKeepingTheLength() {
    String prompt = "Replace the sky; do not change anything else.";

    String blanked = BUILT_IN.blank("keep", prompt);

    assertThat(blanked)
        .hasSameSizeAs(prompt)
        .startsWith("Replace the sky; ")
        .doesNotContain("change");
    assertThat(BUILT_IN.find("keep", blanked)).isEmpty();
  }

  @Test
  void shouldAnswerRepeatedScansFromTheMemoWithTheSameResults() {
    Lexicon memoised = Lexicon.builtIn();
    List<String> prompts =
        List.of(
            "Keep the product unchanged, replace the background with studio-grey paper",
            "把背景换成白色，保持产品不变",
            "Remove the watermark «SALE» and keep the logo",
            "use flux kontext to add a hat");
    for (int round = 0; round < 3; round++) {
      for (String p : prompts) {
        Lexicon fresh = Lexicon.builtIn();
        for (String c : Router.CATEGORIES) {
          assertThat(memoised.find(c, new String(p)))
              .as("%s in %s", c, p)
              .isEqualTo(fresh.find(c, p));
          assertThat(memoised.blank(c, new String(p))).isEqualTo(fresh.blank(c, p));
        }
        assertThat(memoised.brand(new String(p))).isEqualTo(fresh.brand(p));
        assertThat(memoised.quoted(new String(p))).isEqualTo(fresh.quoted(p));
      }
    }
    assertThat(memoised.find("background", prompts.get(0))).isUnmodifiable();
  }

  /** {@code declined} for the words {@code target} in {@code text}. */
  private static boolean declined(String text, String target) {
    int at = text.indexOf(target);
    return BUILT_IN.declined(text, at, at + target.length());
  }

  @Test
  void shouldDeclineWordsANegationStandsCloseBeforeInTheSameClause() {
    assertThat(declined("No need for GPT Image here.", "GPT Image")).isTrue();
    assertThat(declined("Don't use the new GPT Image for this.", "GPT Image"))
        .as("two words between")
        .isTrue();
    assertThat(declined("Without LoRA, please.", "LoRA")).isTrue();
    assertThat(declined("Kein GPT Image nötig.", "GPT Image")).isTrue();
    assertThat(declined("Sans LoRA.", "LoRA")).isTrue();
    assertThat(declined("Do not change the face; use GPT Image.", "GPT Image"))
        .as("another clause")
        .isFalse();
    assertThat(
            declined(
                "Do not change anything about the face or the hands, use GPT Image", "GPT Image"))
        .as("a comma ends the clause")
        .isFalse();
    assertThat(
            declined("Not the sky but the large round mirror in the GPT Image style", "GPT Image"))
        .as("too far")
        .isFalse();
    assertThat(declined("Use GPT Image.", "GPT Image")).isFalse();
  }

  @Test
  void shouldDeclineWordsANegationFollowsCloselyInLanguagesThatDeclineAfter() {
    assertThat(declined("LoRA is not needed.", "LoRA")).isTrue();
    assertThat(declined("LoRAは不要です。", "LoRA")).isTrue();
    assertThat(declined("GPT Imageは使わないで、背景を白に。", "GPT Image")).isTrue();
    assertThat(declined("LoRA 없이 해 주세요", "LoRA")).isTrue();
    assertThat(declined("LoRA, and the sky is not needed", "LoRA")).as("another clause").isFalse();
  }

  @Test
  void shouldFindOnlyAffirmedCues() {
    assertThat(BUILT_IN.findAffirmed("lora", "no LoRA needed")).isEmpty();
    assertThat(BUILT_IN.findAffirmed("lora", "use our brand LoRA")).containsExactly("LoRA");
    assertThat(BUILT_IN.findAffirmed("no-such-category", "anything")).isEmpty();
    assertThat(BUILT_IN.brand("No need for GPT Image; use Flux Kontext instead."))
        .map(Lexicon.BrandMatch::modelId)
        .contains(Router.FLUX_KONTEXT);
    assertThat(BUILT_IN.brand("No need for GPT Image.")).isEmpty();
  }

  @Test
  void shouldTellQuotedTextToEraseFromQuotedTextToRender() {
    assertThat(BUILT_IN.removes("Remove the text \"セール\" from the sign", "セール")).isTrue();
    assertThat(BUILT_IN.removes("Entferne den Text „セール“ vom Schild", "セール")).isTrue();
    assertThat(BUILT_IN.removes("看板の「セール」の文字を消して", "セール")).as("the verb after the quote").isTrue();
    assertThat(BUILT_IN.removes("Remove the old title and write \"セール\" in its place", "セール"))
        .as("five words away")
        .isFalse();
    assertThat(BUILT_IN.removes("Replace the headline with \"セール\"", "セール")).isFalse();
    assertThat(BUILT_IN.removes("Remove the logo. Write \"セール\" on the sign", "セール"))
        .as("another sentence")
        .isFalse();
  }

  @Test
  void shouldCountEachLanguagesOwnWords() {
    assertThat(BUILT_IN.votes("Behalte das Gesicht und ersetze den Hintergrund")).containsKey("de");
    assertThat(BUILT_IN.votes("Behalte das Gesicht und ersetze den Hintergrund").get("de"))
        .isGreaterThanOrEqualTo(2);
    assertThat(BUILT_IN.votes("zzz qqq")).isEmpty();
  }

  /** The look-behind written after the first character matches exactly where a leading one does. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      value = {
        "words|add",
        "words|get rid of",
        "words|t-shirt",
        "stems|Hintergrund",
        "stems|убер",
        "words|背景",
        "stems|हटा",
        "words|xóa",
        "words|𝔸bc"
      })
  void shouldMatchWhereALeadingLookBehindWould(String mode, String phrase) {
    String fast = Lexicon.toRegex(phrase, mode);
    int first = phrase.codePointAt(0);
    String script =
        Character.UnicodeScript.of(first) == Character.UnicodeScript.COMMON
            ? "\\p{L}\\p{N}"
            : "\\p{Is" + Character.UnicodeScript.of(first).name() + "}\\p{N}";
    String slow = "(?<![" + script + "])" + fast.replaceFirst("\\(\\?<!\\[[^\\]]*\\][^)]*\\)", "");
    java.util.regex.Pattern a =
        java.util.regex.Pattern.compile(
            fast, java.util.regex.Pattern.CASE_INSENSITIVE | java.util.regex.Pattern.UNICODE_CASE);
    java.util.regex.Pattern b =
        java.util.regex.Pattern.compile(
            slow, java.util.regex.Pattern.CASE_INSENSITIVE | java.util.regex.Pattern.UNICODE_CASE);
    for (String text :
        List.of(
            phrase,
            "x" + phrase,
            " " + phrase + " ",
            "1" + phrase,
            "В" + phrase,
            "中" + phrase,
            phrase.toUpperCase(java.util.Locale.ROOT),
            "please " + phrase + "s now",
            "re" + phrase,
            "(" + phrase + ")")) {
      java.util.regex.Matcher ma = a.matcher(text);
      java.util.regex.Matcher mb = b.matcher(text);
      List<String> ha = new java.util.ArrayList<>();
      List<String> hb = new java.util.ArrayList<>();
      while (ma.find()) {
        ha.add(ma.start() + ":" + ma.group());
      }
      while (mb.find()) {
        hb.add(mb.start() + ":" + mb.group());
      }
      assertThat(ha).as("%s in %s (%s vs %s)", phrase, text, fast, slow).isEqualTo(hb);
    }
  }
}
