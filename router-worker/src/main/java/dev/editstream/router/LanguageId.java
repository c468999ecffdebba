package dev.editstream.router;

import com.github.pemistahl.lingua.api.Language;
import com.github.pemistahl.lingua.api.LanguageDetector;
import com.github.pemistahl.lingua.api.LanguageDetectorBuilder;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.function.Function;

/**
 * Tells the language of a prompt, with Lingua (a language identification library, low-accuracy
 * mode: trigram models of all 75 languages it knows, about 60 MB of heap, 0.2-0.3 ms per prompt on
 * this project's machine) and says whether a routing lexicon covers it. Thread-safe; answers are
 * memoised per text ({@link BoundedMemo}), and one detector per process is built on first use
 * (about 0.8 s).
 *
 * <p>What it reads: the prompt without its quoted segments (the in-image text a prompt quotes is
 * often in another language than the instruction: "Replace the title with „今日の特売“" is English).
 * Lingua ranks the candidates with values relative to the best (the best is 1). The guess is the
 * best candidate, except that when it is a language no lexicon covers and a covered one reaches
 * {@link #NEAR_TIE} of it, the covered one is taken (short English prompts sometimes read as
 * Tagalog by a hair). Confidence is {@code 1 - second / best}: 0 for a tie, 1 when no other
 * language came close.
 *
 * <p>Measured on the project's 124 labelled cases in 10 languages (low accuracy, quotes removed,
 * near-tie rule): 118 right, every miss between two covered languages (Spanish read as Portuguese,
 * English as Swedish), which routes the same way since the lexicons are merged; 11 of 12 prompts in
 * uncovered languages (Swahili, Romanian, Czech, Hungarian, Finnish, Danish, Persian, Hebrew,
 * Greek, Bengali, Tagalog, Catalan) were flagged. High-accuracy mode would get 123 of 124 but
 * retains 855 MB for 38 languages (docs/routing.md).
 */
public final class LanguageId {
  /** The code of an undetermined language (ISO 639-2 {@code und}): too few letters to tell. */
  public static final String UNDETERMINED = "und";

  /** A covered language within this share of the best candidate wins over an uncovered best. */
  static final double NEAR_TIE = 0.8;

  /**
   * One identification.
   *
   * @param language ISO 639-1 code ({@code de}), or {@link #UNDETERMINED}
   * @param confidence 0 (a tie) to 1 (no close second); 0 when undetermined
   * @param covered whether a routing lexicon covers the language (an undetermined one counts as
   *     covered: there is nothing to warn about)
   */
  public record Guess(String language, double confidence, boolean covered) {
    public Guess {
      Objects.requireNonNull(language, "language");
      if (!(confidence >= 0 && confidence <= 1)) {
        throw new IllegalArgumentException("confidence must be 0-1, was " + confidence);
      }
    }

    /** The language's English name ({@code German}), or "an undetermined language". */
    public String languageName() {
      if (UNDETERMINED.equals(language)) {
        return "an undetermined language";
      }
      return Locale.forLanguageTag(language).getDisplayLanguage(Locale.ENGLISH);
    }
  }

  private final Set<String> covered;
  private final Function<String, SortedMap<Language, Double>> ranker;
  private final BoundedMemo<Guess> memo = new BoundedMemo<>(4096, Lexicon.MEMO_TEXT_CHARS);

  LanguageId(Collection<String> covered, Function<String, SortedMap<Language, Double>> ranker) {
    this.covered = Set.copyOf(covered);
    this.ranker = Objects.requireNonNull(ranker, "ranker");
  }

  /**
   * An identifier over every language Lingua knows, low-accuracy mode, built on first use.
   *
   * @param covered the ISO 639-1 codes of the languages the routing lexicons cover
   */
  public static LanguageId lingua(Collection<String> covered) {
    return new LanguageId(covered, text -> Detector.INSTANCE.computeLanguageConfidenceValues(text));
  }

  /**
   * One detector per process (about 60 MB, thread-safe), built when first used: the holder class is
   * initialised then, by the JVM's own once-only class initialisation.
   */
  private static final class Detector {
    static final LanguageDetector INSTANCE =
        LanguageDetectorBuilder.fromAllLanguages().withLowAccuracyMode().build();
  }

  /**
   * Builds the shared detector on a daemon thread now and reads one Latin-script sample with it, so
   * that the first job routed does not wait for its statistics to load (issue 19's
   * command-to-first-POST). Lingua loads a language's statistics on the first text that could be in
   * that language: building the detector alone took 40 ms, the first English text then 600 ms (the
   * trigrams of every Latin-script language), a Han text 20 ms (2026-12-06, 2 cores). A second call
   * does nothing more; a job routed before it ends waits for the same build.
   */
  public static void prepareInBackground() {
    PREPARE.start();
  }

  /** A Latin-script prompt: its detection loads the statistics most prompts need. */
  static final String WARM_UP_TEXT = "Replace the background with plain light grey studio paper";

  private static final BackgroundLoad PREPARE =
      new BackgroundLoad(
          "editstream-lingua-load",
          () -> {
            var unused = Detector.INSTANCE.computeLanguageConfidenceValues(WARM_UP_TEXT);
          });

  /** The covered languages (ISO 639-1 codes). */
  public Set<String> covered() {
    return covered;
  }

  /**
   * Identifies the language of {@code text} from Lingua's statistics alone.
   *
   * @param text the prompt with its quoted segments already removed (see {@link Lexicon#unquoted})
   * @return the guess; {@link #UNDETERMINED} when the text has no letters Lingua can read
   */
  public Guess identify(String text) {
    return identify(text, t -> Map.of());
  }

  /**
   * Identifies the language of {@code text}, with the routing lexicons' evidence. Lingua's guess
   * stands when it is a covered language. When it is not, or when Lingua gives no ranking at all
   * (low-accuracy statistics give none for many short Devanagari prompts: Hindi, Marathi and Nepali
   * share the script):
   *
   * <ul>
   *   <li>a covered language whose lexicon recognises at least {@link #MIN_VOTES} of the text's
   *       words (1 in a text of fewer than {@link #SHORT_WORDS} words) is taken instead, with a
   *       confidence of at most 0.5 (the statistics disagreed): low-accuracy statistics misread
   *       short prompts ("Pon la chaqueta roja." reads as Tswana);
   *   <li>otherwise a text of fewer than {@link #SHORT_WORDS} words is {@link #UNDETERMINED}: too
   *       short to tell, so no warning;
   *   <li>otherwise Lingua's uncovered guess stands.
   * </ul>
   *
   * @param text the prompt without its quoted segments
   * @param votes the text to its distinct cue words per covered language ({@link Lexicon#votes}),
   *     asked only when Lingua's guess is uncovered or missing (the scans cost as much as routing
   *     itself)
   */
  public Guess identify(String text, Function<String, Map<String, Integer>> votes) {
    String t = text == null ? "" : text;
    return memo.get("language", t, x -> rank(x, votes));
  }

  /** Lexicon words that make a covered language win over Lingua's uncovered guess. */
  static final int MIN_VOTES = 2;

  /** Texts of fewer words than this are too short for Lingua's low-accuracy statistics alone. */
  static final int SHORT_WORDS = 5;

  private Guess rank(String text, Function<String, Map<String, Integer>> lexiconVotes) {
    Guess g = statistics(text);
    boolean noRanking = UNDETERMINED.equals(g.language());
    if (g.covered() && !noRanking) {
      return g;
    }
    Map<String, Integer> votes = lexiconVotes.apply(text);
    int words = words(text);
    String winner = null;
    int most = 0;
    int total = 0;
    for (Map.Entry<String, Integer> v : votes.entrySet()) {
      if (!covered.contains(v.getKey())) {
        continue;
      }
      total += v.getValue();
      if (v.getValue() > most) {
        winner = v.getKey();
        most = v.getValue();
      }
    }
    if (winner != null && (most >= MIN_VOTES || words < SHORT_WORDS)) {
      return new Guess(winner, 0.5 * most / total, true);
    }
    if (noRanking || words < SHORT_WORDS) {
      return new Guess(UNDETERMINED, 0, true);
    }
    return g;
  }

  /** Runs of letters (with their marks) separated by anything else. */
  static int words(String text) {
    int n = 0;
    for (String w : text.split("[^\\p{L}\\p{M}]+")) {
      if (!w.isEmpty()) {
        n++;
      }
    }
    return n;
  }

  private Guess statistics(String text) {
    SortedMap<Language, Double> values = ranker.apply(text);
    if (values.isEmpty()) {
      return new Guess(UNDETERMINED, 0, true);
    }
    String best = null;
    double bestValue = 0;
    double second = 0;
    for (Map.Entry<Language, Double> e : values.entrySet()) {
      String code = code(e.getKey());
      double v = e.getValue();
      if (best == null) {
        best = code;
        bestValue = v;
      } else if (!covered.contains(best) && covered.contains(code) && v >= NEAR_TIE * bestValue) {
        // an uncovered best by a hair: the covered runner-up is read instead, with the margin it
        // has
        double runnerUp = v;
        double firstValue = bestValue;
        best = code;
        bestValue = runnerUp;
        second = firstValue;
        break;
      } else {
        second = Math.max(second, v);
        if (v < NEAR_TIE * bestValue || covered.contains(best)) {
          break;
        }
      }
    }
    double confidence = bestValue <= 0 ? 0 : Math.max(0, Math.min(1, 1 - second / bestValue));
    // values is not empty, so the loop set best
    return new Guess(Objects.requireNonNull(best, "language"), confidence, covered.contains(best));
  }

  /** Lingua's language as an ISO 639-1 code, lower case. */
  static String code(Language language) {
    return language.getIsoCode639_1().toString().toLowerCase(Locale.ROOT);
  }
}
