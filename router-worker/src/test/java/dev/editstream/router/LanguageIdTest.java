package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.pemistahl.lingua.api.Language;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link LanguageId}: the guess rule on given rankings (pure), then real Lingua on real prompts.
 */
class LanguageIdTest {
  static final List<String> COVERED =
      List.of("en", "de", "fr", "es", "pt", "it", "ru", "ja", "zh", "ko", "ar", "hi");

  /** A ranker answering fixed values, best first as Lingua does (a map sorted by value). */
  static LanguageId ranked(Map<Language, Double> values, AtomicInteger calls) {
    return new LanguageId(
        COVERED,
        text -> {
          calls.incrementAndGet();
          SortedMap<Language, Double> m =
              new TreeMap<>(
                  (a, b) -> {
                    int c = Double.compare(values.get(b), values.get(a));
                    return c != 0 ? c : a.compareTo(b);
                  });
          m.putAll(values);
          return m;
        });
  }

  @Test
  void shouldTakeTheBestLanguageWithTheMarginToTheSecondAsConfidence() {
    LanguageId id =
        ranked(
            Map.of(Language.GERMAN, 1.0, Language.DUTCH, 0.6, Language.ENGLISH, 0.2),
            new AtomicInteger());
    LanguageId.Guess g = id.identify("x");
    assertThat(g.language()).isEqualTo("de");
    assertThat(g.confidence()).isCloseTo(0.4, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(g.covered()).isTrue();
    assertThat(g.languageName()).isEqualTo("German");
  }

  @Test
  void shouldPreferACoveredLanguageThatNearlyTiesAnUncoveredBest() {
    LanguageId id =
        ranked(Map.of(Language.TAGALOG, 1.0, Language.ENGLISH, 0.95), new AtomicInteger());
    LanguageId.Guess g = id.identify("Remove the text");
    assertThat(g.language()).isEqualTo("en");
    assertThat(g.covered()).isTrue();
    assertThat(g.confidence()).as("a near tie is not a confident guess").isZero();
  }

  @Test
  void shouldKeepAnUncoveredBestWhenNoCoveredLanguageComesClose() {
    LanguageId id =
        ranked(
            Map.of(Language.SWAHILI, 1.0, Language.ENGLISH, 0.5, Language.ZULU, 0.7),
            new AtomicInteger());
    LanguageId.Guess g = id.identify("Ondoa alama ya maji kwenye kona");
    assertThat(g.language()).isEqualTo("sw");
    assertThat(g.covered()).isFalse();
    assertThat(g.confidence()).isCloseTo(0.3, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(g.languageName()).isEqualTo("Swahili");
  }

  @Test
  void shouldLetTwoLexiconWordsOfACoveredLanguageOverruleAnUncoveredStatisticalGuess() {
    LanguageId id =
        ranked(Map.of(Language.TSWANA, 1.0, Language.LATVIAN, 1.0), new AtomicInteger());
    LanguageId.Guess g =
        id.identify(
            "Pon la chaqueta roja y quita el logo de arriba",
            t -> Map.of("es", 3, "pt", 1, "sw", 5));
    assertThat(g.language())
        .as("sw is no covered language: its votes do not count")
        .isEqualTo("es");
    assertThat(g.covered()).isTrue();
    assertThat(g.confidence())
        .as("at most 0.5 when the statistics disagreed")
        .isCloseTo(0.375, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void shouldKeepAnUncoveredGuessForALongTextWithOneStrayLexiconWord() {
    LanguageId id = ranked(Map.of(Language.SWAHILI, 1.0), new AtomicInteger());
    LanguageId.Guess g =
        id.identify("Ondoa alama ya maji kwenye kona ya chini kulia", t -> Map.of("en", 1));
    assertThat(g.language()).isEqualTo("sw");
    assertThat(g.covered()).isFalse();
  }

  @Test
  void shouldTakeOneLexiconWordInAShortTextAndCallAShortUnknownTextUndetermined() {
    LanguageId id = ranked(Map.of(Language.XHOSA, 1.0), new AtomicInteger());
    assertThat(id.identify("Pon la chaqueta roja.", t -> Map.of("es", 1)))
        .isEqualTo(new LanguageId.Guess("es", 0.5, true));
    LanguageId other = ranked(Map.of(Language.XHOSA, 1.0), new AtomicInteger());
    assertThat(other.identify("use nano banana", t -> Map.of()))
        .isEqualTo(new LanguageId.Guess("und", 0, true));
  }

  @Test
  void shouldCountWordsAsRunsOfLetters() {
    assertThat(LanguageId.words("Pon la chaqueta roja.")).isEqualTo(4);
    assertThat(LanguageId.words("l'arrière-plan, 2 fois")).isEqualTo(4);
    assertThat(LanguageId.words("背景を白にして")).isEqualTo(1);
    assertThat(LanguageId.words("  ")).isZero();
  }

  @Test
  void shouldTakeTheLexiconsLanguageWhenTheStatisticsGiveNoRanking() {
    LanguageId id = ranked(Map.of(), new AtomicInteger());
    LanguageId.Guess g =
        id.identify("पृष्ठभूमि को सफ़ेद करें और चेहरा वैसा ही रखें", t -> Map.of("hi", 2));
    assertThat(g).isEqualTo(new LanguageId.Guess("hi", 0.5, true));
    LanguageId weak = ranked(Map.of(), new AtomicInteger());
    assertThat(weak.identify("पृष्ठभूमि को सफ़ेद करें और चेहरा वैसा ही रखें", t -> Map.of("hi", 1)))
        .as("one word in a long text is not enough")
        .isEqualTo(new LanguageId.Guess("und", 0, true));
  }

  @Test
  void shouldSayUndeterminedWhenNothingCanBeRead() {
    LanguageId id = ranked(Map.of(), new AtomicInteger());
    LanguageId.Guess g = id.identify("1234 !!");
    assertThat(g).isEqualTo(new LanguageId.Guess("und", 0, true));
    assertThat(g.languageName()).isEqualTo("an undetermined language");
  }

  @Test
  void shouldAskTheDetectorOncePerText() {
    AtomicInteger calls = new AtomicInteger();
    LanguageId id = ranked(Map.of(Language.FRENCH, 1.0), calls);
    for (int i = 0; i < 5; i++) {
      id.identify("Fais-le sourire.");
    }
    id.identify("Autre texte.");
    assertThat(calls.get()).isEqualTo(2);
  }

  @Test
  void shouldRefuseAConfidenceOutsideZeroToOne() {
    assertThatThrownBy(() -> new LanguageId.Guess("en", 1.5, true))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new LanguageId.Guess("en", Double.NaN, true))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Real Lingua (low-accuracy mode) on prompts of covered and uncovered languages. */
  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "en|Keep the model's face and pose unchanged; replace the background with a sunlit beach.|true",
        "de|Lass ihn lächeln und behalte den Hintergrund bei.|true",
        "fr|Remplace l'arrière-plan par une plage ensoleillée, garde le visage intact.|true",
        "ja|背景を白にして、商品はそのままにしてください。|true",
        "ru|Убери водяной знак в правом нижнем углу.|true",
        "sw|Ondoa alama ya maji kwenye kona ya chini kulia na uweke mandharinyuma meupe.|false",
        "el|Αντικατάστησε το φόντο με μια ηλιόλουστη παραλία και κράτησε το πρόσωπο αμετάβλητο.|false",
        "hu|Cseréld le a hátteret egy napos tengerpartra, az arc maradjon változatlan.|false"
      })
  void shouldIdentifyRealPromptsWithLingua(String lang, String prompt, boolean covered) {
    LanguageId.Guess g = LanguageId.lingua(COVERED).identify(prompt);
    assertThat(g.language()).isEqualTo(lang);
    assertThat(g.covered()).isEqualTo(covered);
  }
}
