package dev.editstream.router;

import java.lang.Character.UnicodeScript;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Which writing systems a text uses, by the Unicode script property of its letters (the Unicode
 * Character Database, as Java's {@link UnicodeScript} exposes it). Language-neutral: the router
 * tells "Japanese kana in the quote" from "Latin prompt" without knowing any language.
 */
public final class Scripts {
  private Scripts() {}

  /**
   * The non-Latin scripts of the letters of {@code text}, as display names ({@code Hiragana},
   * {@code Han}, {@code Cyrillic}, {@code Arabic}, ...), sorted. Digits, punctuation and marks
   * ({@code COMMON}, {@code INHERITED}) are ignored.
   *
   * @param text any text; {@code null} is treated as empty
   * @return the scripts, empty when the text is Latin-only or has no letters
   */
  public static Set<String> nonLatin(@Nullable String text) {
    Set<String> out = new TreeSet<>();
    if (text == null) {
      return out;
    }
    text.codePoints()
        .filter(Character::isLetter)
        .mapToObj(UnicodeScript::of)
        .filter(
            s ->
                s != UnicodeScript.LATIN
                    && s != UnicodeScript.COMMON
                    && s != UnicodeScript.INHERITED)
        .forEach(s -> out.add(displayName(s)));
    return out;
  }

  /**
   * The name {@link #typography} gives Latin letters beyond Latin-1 (Vietnamese ệ, Polish ł,
   * Turkish ğ).
   */
  public static final String LATIN_EXTENDED = "Latin_Extended";

  /**
   * The writing systems of {@code text} that call for multilingual typography, as the seed table's
   * text-rewrite row means it ("multilingual / non-Latin"): its {@link #nonLatin} scripts, plus
   * {@value #LATIN_EXTENDED} when a Latin letter lies beyond Latin-1 (U+00FF). Vietnamese ("Giảm
   * giá"), Polish, Turkish, Czech or Romanian text is Latin, but its stacked or uncommon diacritics
   * are what weak typography gets wrong; English, French, Spanish or German text (Latin-1) is not
   * counted. Expects NFC text (a decomposed "ệ" is "e" plus marks).
   *
   * @param text any text; {@code null} is treated as empty
   * @return the scripts, sorted; empty when the text is Latin-1 only or has no letters
   */
  public static Set<String> typography(@Nullable String text) {
    Set<String> out = nonLatin(text);
    if (text != null
        && text.codePoints()
            .anyMatch(
                cp ->
                    cp > 0xFF
                        && Character.isLetter(cp)
                        && UnicodeScript.of(cp) == UnicodeScript.LATIN)) {
      out.add(LATIN_EXTENDED);
    }
    return out;
  }

  /** {@code HIRAGANA} → {@code Hiragana}, {@code OLD_ITALIC} → {@code Old_Italic}. */
  static String displayName(UnicodeScript script) {
    StringBuilder b = new StringBuilder();
    for (String part : script.name().split("_")) {
      if (b.length() > 0) {
        b.append('_');
      }
      b.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
    }
    return b.toString();
  }
}
