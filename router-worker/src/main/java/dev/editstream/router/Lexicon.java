package dev.editstream.router;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.Character.UnicodeScript;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The routing cues of every language, merged: for each cue category ({@code background}, {@code
 * keep}, {@code spatial}, ...) one pattern that matches the words of all languages, the brand names
 * of each model, and the quotation marks that enclose in-image text. Loaded from data files ({@code
 * editstream/routing/lexicon-<lang>.json}, listed in {@code lexicons.json}); the code never
 * branches on a language. Immutable and thread-safe.
 *
 * <p>A lexicon file is {@code {"language", "match", "quotes": [[open, close]...], "cues":
 * {category: [entry...]}, "brands": {model_id: [entry...]}}}. An entry is a plain phrase, matched
 * case-insensitively (spaces and hyphens in it match any run of spaces or hyphens), or a Java regex
 * when prefixed {@code re:} (where {@code \b} means a Latin word boundary, see {@link
 * #latinBoundaries}). {@code match} says how a plain phrase meets its neighbours: {@code words} (no
 * letter of the phrase's script on either side, for English, Spanish...), {@code stems} (none
 * before, any ending after, reported as the whole word; for inflecting languages like Russian and
 * German) or {@code substring} (anywhere, for languages written without spaces such as Chinese and
 * Japanese).
 *
 * <p>Scans are pure, so their answers are memoised per (category, text) within bounds ({@link
 * BoundedMemo}): a batch that repeats one prompt runs each pattern once.
 */
public final class Lexicon {
  private static final String ROOT = "/editstream/routing/";
  private static final int FLAGS = Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;

  /**
   * Longest text whose scans are memoised, chars (a bulk batch repeats one prompt; see {@link
   * BoundedMemo}).
   */
  static final int MEMO_TEXT_CHARS = 1000;

  private final List<String> languages;
  private final Map<String, Pattern> cues;
  private final Map<String, Pattern> brands;
  private final List<String[]> quotes;
  private final Map<String, Pattern> byLanguage;
  // Memos of the pure scans below (see BoundedMemo): at most 8,192 + 4 × 2,048 entries of texts of
  // at most MEMO_TEXT_CHARS chars, i.e. under 30 MB of keys even when every text differs.
  private final BoundedMemo<List<String>> findMemo = new BoundedMemo<>(8192, MEMO_TEXT_CHARS);
  private final BoundedMemo<String> blankMemo = new BoundedMemo<>(2048, MEMO_TEXT_CHARS);
  private final BoundedMemo<Optional<BrandMatch>> brandMemo =
      new BoundedMemo<>(2048, MEMO_TEXT_CHARS);
  private final BoundedMemo<List<String>> quotedMemo = new BoundedMemo<>(2048, MEMO_TEXT_CHARS);
  private final BoundedMemo<Map<String, Integer>> voteMemo =
      new BoundedMemo<>(2048, MEMO_TEXT_CHARS);

  private Lexicon(
      List<String> languages,
      Map<String, Pattern> cues,
      Map<String, Pattern> brands,
      List<String[]> quotes,
      Map<String, Pattern> byLanguage) {
    this.byLanguage = Map.copyOf(byLanguage);
    this.languages = List.copyOf(languages);
    this.cues = Map.copyOf(cues);
    this.brands = Map.copyOf(brands);
    this.quotes = List.copyOf(quotes);
  }

  /** A brand or model name found in a prompt: the model it names and the words that named it. */
  public record BrandMatch(String modelId, String text) {}

  /**
   * The lexicons shipped in this jar: every language listed in {@code
   * editstream/routing/lexicons.json}.
   *
   * @throws UncheckedIOException if a data file is missing or not JSON
   * @throws IllegalArgumentException if a file breaks the format (the message names file and entry)
   */
  public static Lexicon builtIn() {
    JsonNode index = read("lexicons.json");
    List<JsonNode> files = new ArrayList<>();
    for (JsonNode lang : index.path("languages")) {
      files.add(read("lexicon-" + lang.asText() + ".json"));
    }
    return of(files);
  }

  /**
   * The built-in lexicons ({@link #builtIn()}), built once per process: on first use, or ahead of
   * it by {@link #prepareInBackground()}. A Lexicon is immutable and thread-safe, so every router
   * of the process shares it.
   *
   * @throws ExceptionInInitializerError if the shipped data files are broken (a packaging bug)
   */
  public static Lexicon shared() {
    return Shared.INSTANCE;
  }

  private static final class Shared {
    static final Lexicon INSTANCE = builtIn();
  }

  /**
   * Builds {@link #shared()} on a daemon thread now: reading and compiling the lexicons takes about
   * 0.7 s of one core on a cold JVM (2026-12-06, 2 cores), which {@code run} spends while its
   * broker starts instead of before the first job is routed (issue 19: command to first POST). A
   * second call does nothing more; a caller of {@link #shared()} before it ends waits for the same
   * build.
   */
  public static void prepareInBackground() {
    PREPARE.start();
  }

  private static final BackgroundLoad PREPARE =
      new BackgroundLoad(
          "editstream-lexicon-load",
          () -> {
            var unused = Shared.INSTANCE;
          });

  /**
   * Merges lexicon documents (the JSON format described on the class).
   *
   * @param files one parsed document per language
   * @throws IllegalArgumentException on an unknown {@code match} mode, a bad regex or a malformed
   *     quote pair, naming the language and the entry
   */
  public static Lexicon of(List<JsonNode> files) {
    List<String> languages = new ArrayList<>();
    Map<String, List<String>> cueAlternatives = new LinkedHashMap<>();
    Map<String, List<String>> brandAlternatives = new LinkedHashMap<>();
    List<String[]> quotes = new ArrayList<>();
    Map<String, List<String>> languageAlternatives = new LinkedHashMap<>();
    for (JsonNode file : files) {
      String lang = file.path("language").asText("?");
      languages.add(lang);
      String mode = file.path("match").asText("words");
      if (!List.of("words", "stems", "substring").contains(mode)) {
        throw new IllegalArgumentException(
            "lexicon " + lang + ": match must be words, stems or substring, not " + mode);
      }
      Map<String, List<String>> own = new LinkedHashMap<>();
      collect(file.path("cues"), lang, mode, own);
      own.forEach(
          (category, list) ->
              cueAlternatives.computeIfAbsent(category, k -> new ArrayList<>()).addAll(list));
      own.values()
          .forEach(
              list ->
                  languageAlternatives.computeIfAbsent(lang, k -> new ArrayList<>()).addAll(list));
      collect(file.path("brands"), lang, mode, brandAlternatives);
      for (JsonNode pair : file.path("quotes")) {
        if (pair.size() != 2 || pair.get(0).asText().isEmpty() || pair.get(1).asText().isEmpty()) {
          throw new IllegalArgumentException(
              "lexicon " + lang + ": a quote pair must be [open, close], not " + pair);
        }
        quotes.add(new String[] {pair.get(0).asText(), pair.get(1).asText()});
      }
    }
    return new Lexicon(
        languages,
        compileAll(cueAlternatives),
        compileAll(brandAlternatives),
        quotes,
        compileAll(languageAlternatives));
  }

  private static void collect(
      JsonNode section, String lang, String mode, Map<String, List<String>> into) {
    for (Map.Entry<String, JsonNode> e : section.properties()) {
      List<String> list = into.computeIfAbsent(e.getKey(), k -> new ArrayList<>());
      for (JsonNode node : e.getValue()) {
        String entry = normalized(node.asText());
        String regex = toRegex(entry, mode);
        try {
          if (entry.startsWith("re:")) {
            // a plain phrase is quoted (always a valid regex) and merged into a trie below:
            // compiling each of the ~4,000 on its own only to check it took a third of a cold
            // build
            Pattern.compile(regex, FLAGS);
          }
        } catch (PatternSyntaxException ex) {
          throw new IllegalArgumentException(
              "lexicon "
                  + lang
                  + ", "
                  + e.getKey()
                  + ": bad entry \""
                  + entry
                  + "\": "
                  + ex.getDescription(),
              ex);
        }
        // plain phrases are kept as phrases: compileAll merges them into tries
        list.add(
            entry.startsWith("re:") || entry.strip().isEmpty()
                ? regex
                : PLAIN + mode + PLAIN + entry.strip());
      }
    }
  }

  static String toRegex(String entry, String mode) {
    if (entry.startsWith("re:")) {
      // a look-ahead on the first letters lets the engine reject most positions with one class
      // check instead of the entry's leading look-behinds (FirstChars); entries that already open
      // with a class look-ahead are left as written
      String re = entry.substring(3);
      String body = latinBoundaries(re);
      return re.startsWith("(?=[")
          ? body
          : FirstChars.lookahead(re).map(l -> l + body).orElse(body);
    }
    String phrase = entry.strip();
    StringBuilder body = new StringBuilder();
    for (String part : phrase.split("[\\s\\-]+")) {
      if (body.length() > 0) {
        body.append("[\\s\\-\u2010\u2013]*");
      }
      body.append(Pattern.quote(part));
    }
    String last = sameScript(phrase.codePointBefore(phrase.length()));
    return switch (mode) {
      case "words" -> startOfWord(phrase, body.toString()) + "(?![" + last + "])";
      case "stems" -> startOfWord(phrase, body.toString()) + "[" + last + "\\p{M}]*";
      default -> body.toString();
    };
  }

  /**
   * {@code body} (the quoted phrase) required to start a word: no letter of its first letter's
   * script just before it. The check is written after the first character ({@code
   * f(?<![script]f)rest}), not before it: the regex engine then compares a literal first, and only
   * at the rare places where the first character matches does it look behind. Same matches as a
   * leading look-behind, at a fraction of the cost: the merged patterns hold hundreds of
   * alternatives tried at every position of every prompt.
   */
  private static String startOfWord(String phrase, String body) {
    int first = phrase.codePointAt(0);
    if (phrase.contains("\\E") || !body.startsWith("\\Q")) {
      return "(?<!["
          + sameScript(first)
          + "])"
          + body; // a phrase Pattern.quote splits: the plain form
    }
    String f = Pattern.quote(new String(Character.toChars(first)));
    String rest = body.substring(2); // body starts with \Q (checked above)
    // body is \Q<first part>\E...: re-quote the first part without its first character
    String firstPartQuoted = rest.substring(0, rest.indexOf("\\E"));
    String tail = rest.substring(rest.indexOf("\\E") + 2);
    String afterFirst = firstPartQuoted.substring(Character.charCount(first));
    return f
        + "(?<!["
        + sameScript(first)
        + "]"
        + f
        + ")"
        + (afterFirst.isEmpty() ? "" : Pattern.quote(afterFirst))
        + tail;
  }

  /**
   * The letters that continue a word begun with {@code cp}: letters of the same script, and digits.
   * A Latin word next to Chinese text therefore still ends (as in "用Flux"), the same way on every
   * JDK.
   */
  private static String sameScript(int cp) {
    UnicodeScript script = UnicodeScript.of(cp);
    if (script == UnicodeScript.COMMON || script == UnicodeScript.INHERITED) {
      return "\\p{L}\\p{N}";
    }
    return "\\p{Is" + script.name() + "}\\p{N}";
  }

  /**
   * Replaces each {@code \b} of a regex entry by a Latin word boundary: between a Latin letter or
   * digit and anything else. (Java's own {@code \b} counts CJK letters as word characters on some
   * JDKs and not on others, so "用wan" or "LoRAで" would depend on the JDK.)
   */
  static String latinBoundaries(String regex) {
    String latin = "[\\p{IsLatin}\\p{N}]";
    String boundary = "(?:(?<=" + latin + ")(?!" + latin + ")|(?<!" + latin + ")(?=" + latin + "))";
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < regex.length(); i++) {
      char ch = regex.charAt(i);
      if (ch == '\\' && i + 1 < regex.length()) {
        char next = regex.charAt(++i);
        out.append(next == 'b' ? boundary : "\\" + next);
      } else {
        out.append(ch);
      }
    }
    return out.toString();
  }

  /** Marks a plain phrase in a list of alternatives: {@code PLAIN mode PLAIN phrase}. */
  private static final String PLAIN = "\u0000";

  /** The separator between the words of a phrase: any run of spaces or hyphens, or none. */
  private static final String SEPARATOR = "[\\s\\-\u2010\u2013]*";

  /**
   * One pattern per category: its {@code re:} entries as alternatives (longest first), then its
   * plain phrases merged into one trie per boundary rule ({@link #trie}). A trie is what makes the
   * scan affordable: at each position of a prompt the engine follows the branch of the next
   * character instead of trying every phrase of every language (about 4,000 entries over 20
   * languages).
   */
  private static Map<String, Pattern> compileAll(Map<String, List<String>> alternatives) {
    Map<String, Pattern> out = new LinkedHashMap<>();
    alternatives.forEach(
        (name, list) -> {
          List<String> regexes = new ArrayList<>();
          Map<String, List<String>> plainByRule = new LinkedHashMap<>();
          for (String r : list) {
            if (r.startsWith(PLAIN)) {
              int sep = r.indexOf(PLAIN, 1);
              String mode = r.substring(1, sep);
              String phrase = r.substring(sep + 1);
              String last = sameScript(phrase.codePointBefore(phrase.length()));
              plainByRule.computeIfAbsent(mode + PLAIN + last, k -> new ArrayList<>()).add(phrase);
            } else {
              regexes.add(r);
            }
          }
          // Longer alternatives first, so "every frame" wins over "frame" at the same position.
          regexes.sort(Comparator.comparingInt(String::length).reversed());
          List<String> all = new ArrayList<>(regexes);
          plainByRule.forEach(
              (rule, phrases) -> {
                int sep = rule.indexOf(PLAIN);
                all.add(trie(rule.substring(0, sep), rule.substring(sep + 1), phrases));
              });
          StringBuilder b = new StringBuilder();
          for (String r : all) {
            b.append(b.length() == 0 ? "" : "|").append("(?:").append(r).append(')');
          }
          out.put(name, Pattern.compile(b.length() == 0 ? "(?!)" : b.toString(), FLAGS));
        });
    return out;
  }

  /** A node of a phrase trie: edges keyed by lower-cased character (or the word separator). */
  private static final class Node {
    final Map<String, String> atoms = new LinkedHashMap<>();
    final Map<String, Node> next = new LinkedHashMap<>();
    boolean end;
  }

  /**
   * The regex of a set of plain phrases sharing a match mode and the script class that may not
   * follow them: one trie, matched case-insensitively, longest phrase first at each position (an
   * optional longer branch is greedy), with the same boundaries as {@link #toRegex} gives each
   * phrase alone (word start checked after the first character, see {@link #startOfWord}).
   *
   * @param mode {@code words}, {@code stems} or {@code substring}
   * @param last the letters that may not continue a word after the phrase ({@link #sameScript})
   */
  static String trie(String mode, String last, List<String> phrases) {
    Node root = new Node();
    for (String phrase : phrases) {
      Node n = root;
      String[] parts = phrase.split("[\\s\\-]+");
      for (int p = 0; p < parts.length; p++) {
        if (p > 0) {
          n = edge(n, PLAIN + "sep", SEPARATOR);
        }
        for (int i = 0; i < parts[p].length(); ) {
          int cp = parts[p].codePointAt(i);
          i += Character.charCount(cp);
          n = edge(n, new String(Character.toChars(Character.toLowerCase(cp))), atom(cp));
        }
      }
      n.end = true;
    }
    StringBuilder b = new StringBuilder("(?:");
    boolean first = true;
    for (Map.Entry<String, Node> e : root.next.entrySet()) {
      String a = root.atoms.get(e.getKey());
      b.append(first ? "" : "|");
      first = false;
      b.append(a);
      if (!mode.equals("substring")) {
        int cp = e.getKey().codePointAt(0);
        b.append("(?<![").append(sameScript(cp)).append(']').append(a).append(')');
      }
      b.append(emit(e.getValue()));
    }
    b.append(')');
    return switch (mode) {
      case "words" -> b + "(?![" + last + "])";
      case "stems" -> b + "[" + last + "\\p{M}]*";
      default -> b.toString();
    };
  }

  private static Node edge(Node n, String key, String atom) {
    n.atoms.putIfAbsent(key, atom);
    return n.next.computeIfAbsent(key, k -> new Node());
  }

  /**
   * What follows a node: its branches, optional when a phrase may end there (greedy: longest
   * first).
   */
  private static String emit(Node n) {
    if (n.next.isEmpty()) {
      return "";
    }
    List<String> alts = new ArrayList<>();
    n.next.forEach((key, child) -> alts.add(n.atoms.get(key) + emit(child)));
    String body = alts.size() == 1 ? alts.get(0) : "(?:" + String.join("|", alts) + ")";
    return n.end ? "(?:" + body + ")?" : body;
  }

  /**
   * One character of a phrase as a regex atom: letters and digits as they are, anything else
   * escaped.
   */
  private static String atom(int cp) {
    return Character.isLetterOrDigit(cp)
            || Character.getType(cp) == Character.NON_SPACING_MARK
            || Character.getType(cp) == Character.COMBINING_SPACING_MARK
        ? new String(Character.toChars(cp))
        : String.format("\\x{%x}", cp);
  }

  private static JsonNode read(String name) {
    try (InputStream in = Lexicon.class.getResourceAsStream(ROOT + name)) {
      if (in == null) {
        throw new IOException("missing resource " + ROOT + name);
      }
      return Json.mapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the routing lexicon " + ROOT + name, e);
    }
  }

  /**
   * {@code text} in Unicode normalization form C, the form the lexicon's entries are read in: a
   * prompt typed with decomposed diacritics ("e" + U+0302 + U+0301 for Vietnamese "ế") matches the
   * entry written with precomposed ones. Returns {@code text} itself when it is already NFC (every
   * ASCII prompt), {@code null} for {@code null}.
   */
  public static String normalized(String text) {
    if (text == null || Normalizer.isNormalized(text, Normalizer.Form.NFC)) {
      return text;
    }
    return Normalizer.normalize(text, Normalizer.Form.NFC);
  }

  /** The languages merged into this lexicon, in load order. */
  public List<String> languages() {
    return languages;
  }

  /** Every cue category some language defines. */
  public Set<String> categories() {
    return cues.keySet();
  }

  /** Every model_id some language names a brand for. */
  public Set<String> brandModels() {
    return brands.keySet();
  }

  /**
   * The words of {@code text} that are cues of {@code category}, in any language.
   *
   * @return the matched texts as written in {@code text}, distinct (case-insensitively), in order
   *     of appearance; empty when none
   * @throws IllegalArgumentException if no language defines the category
   */
  public List<String> find(String category, String text) {
    Pattern p = cues.get(category);
    if (p == null) {
      throw new IllegalArgumentException("no lexicon defines the cue category " + category);
    }
    return findMemo.get(category, text, t -> List.copyOf(scan(p, t)));
  }

  /**
   * The cues of {@code category} that the prompt does not decline ({@link #declined}): "without
   * LoRA" names a LoRA to say it is not wanted.
   *
   * @return the matched words, distinct, in order; empty when the category is undefined
   */
  public List<String> findAffirmed(String category, String text) {
    Pattern p = cues.get(category);
    if (p == null) {
      return List.of();
    }
    return findMemo.get(
        "affirmed:" + category,
        text,
        t -> {
          Set<String> seen = new LinkedHashSet<>();
          List<String> out = new ArrayList<>();
          Matcher m = p.matcher(t);
          while (m.find()) {
            String hit = m.group().strip();
            if (!hit.isEmpty()
                && !declined(t, m.start(), m.end())
                && seen.add(hit.toLowerCase(java.util.Locale.ROOT))) {
              out.add(hit);
            }
          }
          return List.copyOf(out);
        });
  }

  /** Words a negation may stand before the words it declines ("don't use the new GPT Image"). */
  static final int NEGATION_REACH_WORDS = 3;

  private static final Pattern CLAUSE_END =
      Pattern.compile("[.;:!?\\n\u3002\uFF0C\uFF1B\uFF01\uFF1F\u060C\u061B]|,(?!\\d)");

  /**
   * Whether the words at {@code [start, end)} of {@code text} are declined: a {@code negation} cue
   * ("no need for", "without", "don't use", "ohne", "sans") ends at most {@link
   * #NEGATION_REACH_WORDS} words before them, or a {@code negation_after} cue ("is not needed",
   * "は不要", "필요 없") begins at most that many words after them, in the same clause (no sentence or
   * clause mark between). Languages whose lexicon defines neither category decline nothing.
   */
  public boolean declined(String text, int start, int end) {
    Pattern before = cues.get("negation");
    if (before != null) {
      Matcher m = before.matcher(text);
      while (m.find() && m.start() < start) {
        if (m.end() <= start && within(text.substring(m.end(), start))) {
          return true;
        }
      }
    }
    Pattern after = cues.get("negation_after");
    if (after != null) {
      Matcher m = after.matcher(text);
      if (m.find(end) && within(text.substring(end, m.start()))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a quoted segment is the object of a {@code remove} cue: the cue stands at most {@link
   * #NEGATION_REACH_WORDS} words before the quote ("remove the text „セール“") or after it ("den Text
   * „セール“ entfernen", "「セール」を消して"), in the same clause. Such a quote is text to erase, not text to
   * render.
   *
   * @param quote a segment {@link #quoted} returned for {@code text}
   */
  public boolean removes(String text, String quote) {
    Pattern remove = cues.get("remove");
    int at = text.indexOf(quote);
    if (remove == null || at < 0) {
      return false;
    }
    int end = at + quote.length();
    Matcher m = remove.matcher(text);
    while (m.find()) {
      boolean before = m.end() <= at && within(text.substring(m.end(), at));
      boolean after = m.start() >= end && within(text.substring(end, m.start()));
      if (before || after) {
        return true;
      }
    }
    return false;
  }

  private static boolean within(String between) {
    return !CLAUSE_END.matcher(between).find() && LanguageId.words(between) <= NEGATION_REACH_WORDS;
  }

  private static List<String> scan(Pattern p, String text) {
    Set<String> seen = new LinkedHashSet<>();
    List<String> out = new ArrayList<>();
    Matcher m = p.matcher(text);
    while (m.find()) {
      String hit = m.group().strip();
      if (!hit.isEmpty() && seen.add(hit.toLowerCase(java.util.Locale.ROOT))) {
        out.add(hit);
      }
    }
    return out;
  }

  /**
   * {@code text} with every cue of {@code category} replaced by spaces (same length), so a later
   * {@link #find} of another category does not see words inside those cues ("do not change" is a
   * preservation clause, not a "change" edit).
   *
   * @throws IllegalArgumentException if no language defines the category
   */
  public String blank(String category, String text) {
    Pattern p = cues.get(category);
    if (p == null) {
      throw new IllegalArgumentException("no lexicon defines the cue category " + category);
    }
    return blankMemo.get(category, text, t -> blanked(p, t));
  }

  private static String blanked(Pattern p, String text) {
    StringBuilder out = new StringBuilder(text);
    Matcher m = p.matcher(text);
    while (m.find()) {
      for (int i = m.start(); i < m.end(); i++) {
        out.setCharAt(i, ' ');
      }
    }
    return out.toString();
  }

  /**
   * The model a prompt names by brand ("use flux kontext", "with nano banana"), if any. When
   * several brands match, the longest match wins ("z-image lora" over "z-image"), then the
   * earliest. A brand the prompt declines ({@link #declined}: "no need for GPT Image") does not
   * count.
   */
  public Optional<BrandMatch> brand(String text) {
    return brandMemo.get("brand", text, this::scanBrands);
  }

  private Optional<BrandMatch> scanBrands(String text) {
    BrandMatch best = null;
    int bestStart = Integer.MAX_VALUE;
    for (Map.Entry<String, Pattern> e : brands.entrySet()) {
      Matcher m = e.getValue().matcher(text);
      while (m.find()) {
        String hit = m.group().strip();
        if (declined(text, m.start(), m.end())) {
          continue; // "no need for GPT Image": the brand is named to be declined
        }
        boolean longer = best == null || hit.length() > best.text().length();
        boolean sameEarlier =
            best != null && hit.length() == best.text().length() && m.start() < bestStart;
        if (!hit.isEmpty() && (longer || sameEarlier)) {
          best = new BrandMatch(e.getKey(), hit);
          bestStart = m.start();
        }
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * The quoted segments of {@code text}, between any language's quotation marks ({@code "..."},
   * {@code 「...」}, {@code «...»}), in order of appearance. Scans left to right: at each opening
   * mark the nearest closing mark (on the same line) ends the segment, and scanning resumes after
   * it, so a mark that closes one quote never opens the next. Blank segments are skipped.
   */
  public List<String> quoted(String text) {
    return quotedMemo.get("quoted", text, t -> List.copyOf(scanQuotes(t)));
  }

  /**
   * How many distinct cue words of each language's own lexicon {@code text} holds (any category):
   * evidence of the language a prompt is written in, beside {@link LanguageId}'s statistics. A word
   * shared by two languages ("background" in an English and a German prompt) counts for both.
   *
   * @return language code to count, only languages with at least one word; empty when none
   */
  public Map<String, Integer> votes(String text) {
    return voteMemo.get(
        "votes",
        text,
        t -> {
          Map<String, Integer> out = new LinkedHashMap<>();
          byLanguage.forEach(
              (lang, p) -> {
                java.util.Set<String> words = new java.util.HashSet<>();
                Matcher m = p.matcher(t);
                while (m.find()) {
                  if (!m.group().isBlank()) {
                    words.add(m.group().strip().toLowerCase(java.util.Locale.ROOT));
                  }
                }
                if (!words.isEmpty()) {
                  out.put(lang, words.size());
                }
              });
          return Map.copyOf(out);
        });
  }

  /**
   * {@code text} with each quoted segment ({@link #quoted}) replaced by a space: the instruction
   * without the in-image text it quotes (which is often in another language).
   */
  public String unquoted(String text) {
    String out = text;
    for (String q : quoted(text)) {
      out = out.replace(q, " ");
    }
    return out;
  }

  private List<String> scanQuotes(String text) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < text.length()) {
      int bestClose = -1;
      String[] best = null;
      for (String[] q : quotes) {
        if (text.startsWith(q[0], i)) {
          int close = text.indexOf(q[1], i + q[0].length());
          int newline = text.indexOf('\n', i);
          boolean sameLine = close >= 0 && (newline < 0 || close < newline);
          if (sameLine && (bestClose < 0 || close < bestClose)) {
            bestClose = close;
            best = q;
          }
        }
      }
      if (best == null) {
        i++;
        continue;
      }
      String segment = text.substring(i + best[0].length(), bestClose).strip();
      if (!segment.isEmpty()) {
        out.add(segment);
      }
      i = bestClose + best[1].length();
    }
    return out;
  }
}
