package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FirstCharsTest {
  private static final int FLAGS = Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;

  @ParameterizedTest
  @CsvSource(
      delimiterString = " => ",
      quoteCharacter = '"',
      value = {
        "abc => (?=[Aa])",
        "(?<![\\p{L}])неб(?:о|а) => (?=[Нн])",
        "\\bz[\\s\\-]*image => (?=[Zz])",
        "(?:use|using|with)\\s+x => (?=[UWuw])",
        "[1-9]\\.\\s*foto => (?=[123456789])",
        "\\.net => (?=[\\x{2e}])",
        "foo|bar => (?=[BFbf])",
        "(?<!không\\s)(?<!đã\\s)xóa => (?=[Xx])",
        "(?:ab)+c => (?=[Aa])",
        "ใส่(?!ใจ) => (?=[ใ])"
      })
  void shouldGiveTheLettersAMatchCanStartWith(String regex, String expected) {
    assertThat(FirstChars.lookahead(regex)).contains(expected);
  }

  @ParameterizedTest
  @CsvSource(
      delimiterString = " => ",
      value = {
        "\\p{L}+ab",
        "\\s*x",
        "a?b",
        "a*b",
        "a{0,2}b",
        "(?:a|)b",
        ".ab",
        "[^a]b",
        "(?i)ab",
        "(?<name>a)b",
        "\\d+",
        "[\\p{L}]x",
        "[a-\\x{ff}]",
        "(?=x)",
        "a|\\sb",
        "[a-zA-Z0-9\\x{e0}-\\x{ff}]",
        "(unbalanced"
      })
  void shouldGiveNoLookAheadWhereItCannotTell(String regex) {
    assertThat(FirstChars.lookahead(regex)).isEmpty();
  }

  /**
   * Every {@code re:} entry of every shipped lexicon matches exactly where it did before the
   * look-ahead was put in front of it, over every labelled prompt in three casings.
   */
  @Test
  void everyShippedEntryMatchesTheSameWithItsLookAhead() {
    List<String> texts = new ArrayList<>();
    for (RoutingCases.Case c : RoutingCases.ownCases()) {
      texts.add(c.job().prompt());
      texts.add(c.job().prompt().toUpperCase(Locale.ROOT));
      texts.add(c.job().prompt().toLowerCase(Locale.ROOT));
    }
    int withLookAhead = 0;
    int entries = 0;
    for (String lang : Lexicon.builtIn().languages()) {
      for (String re : reEntries(lang)) {
        entries++;
        Optional<String> ahead = FirstChars.lookahead(re);
        if (ahead.isEmpty()) {
          continue;
        }
        withLookAhead++;
        String plain = Lexicon.latinBoundaries(re);
        Pattern slow = Pattern.compile(plain, FLAGS);
        Pattern fast = Pattern.compile(ahead.get() + plain, FLAGS);
        for (String text : texts) {
          assertThat(matches(fast, text))
              .as("%s: %s in %s", lang, re, text)
              .isEqualTo(matches(slow, text));
        }
      }
    }
    assertThat(withLookAhead)
        .as("entries given a look-ahead, of %s", entries)
        .isGreaterThan(entries / 2);
  }

  private static List<String> matches(Pattern p, String text) {
    List<String> out = new ArrayList<>();
    Matcher m = p.matcher(text);
    while (m.find()) {
      out.add(m.start() + ":" + m.group());
    }
    return out;
  }

  private static List<String> reEntries(String lang) {
    JsonNode doc;
    try (InputStream in =
        FirstCharsTest.class.getResourceAsStream("/editstream/routing/lexicon-" + lang + ".json")) {
      doc = Json.mapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> out = new ArrayList<>();
    collect(doc, out);
    return out;
  }

  private static void collect(JsonNode node, List<String> out) {
    if (node.isTextual() && node.asText().startsWith("re:")) {
      out.add(node.asText().substring(3));
    }
    node.forEach(child -> collect(child, out));
  }
}
