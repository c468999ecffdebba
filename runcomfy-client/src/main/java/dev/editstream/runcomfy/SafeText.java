package dev.editstream.runcomfy;

import org.jspecify.annotations.Nullable;

/**
 * Makes text from outside (server answers, URLs, file names) safe to print in a console, a log line
 * or a Kafka record. Pure.
 *
 * <p>Every code point that can move the cursor, end a line, change the terminal's state or reorder
 * what a reader sees is written as {@code \}{@code uXXXX} (a surrogate pair's code point as two
 * such escapes): C0 controls U+0000–U+001F (tab and newline too), DEL U+007F, C1 controls
 * U+0080–U+009F, the line and paragraph separators U+2028/U+2029, the bidi marks U+200E/U+200F and
 * U+061C, the bidi embeddings and overrides U+202A–U+202E and isolates U+2066–U+2069, and unpaired
 * surrogates. A backslash stays as it is (the output is for people, not for re-parsing). The result
 * is clipped to at most {@code maxChars} characters of output plus {@code ...}, never in the middle
 * of an escape or a surrogate pair.
 */
public final class SafeText {
  /** What a clipped text ends with. */
  public static final String ELLIPSIS = "...";

  private SafeText() {}

  /**
   * Escapes and clips.
   *
   * @param text any text; {@code null} gives {@code ""}
   * @param maxChars the most characters kept before {@link #ELLIPSIS}, at least 0
   * @return the escaped text, at most {@code maxChars + 3} characters long
   * @throws IllegalArgumentException when {@code maxChars} is negative
   */
  public static String of(@Nullable String text, int maxChars) {
    if (maxChars < 0) {
      throw new IllegalArgumentException("maxChars: must not be negative, was " + maxChars);
    }
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(Math.min(text.length(), maxChars) + 8);
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      String piece;
      int width;
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        piece = text.substring(i, i + 2);
        width = 2;
      } else if (unsafe(c)) {
        piece = escape(c);
        width = 1;
      } else {
        piece = null;
        width = 1;
      }
      int len = piece == null ? 1 : piece.length();
      if (out.length() + len > maxChars) {
        return out.append(ELLIPSIS).toString();
      }
      if (piece == null) {
        out.append(c);
      } else {
        out.append(piece);
      }
      i += width;
    }
    return out.toString();
  }

  /**
   * Removes {@code secret} (e.g. the bearer token) wherever it appears, then escapes and clips as
   * {@link #of(String, int)}. The secret is removed before clipping, so no prefix of it survives.
   *
   * @param secret the text to replace by {@code <redacted>}; {@code null} or blank for none
   */
  public static String of(String text, int maxChars, @Nullable String secret) {
    if (text != null && secret != null && !secret.isBlank()) {
      text = text.replace(secret, "<redacted>");
    }
    return of(text, maxChars);
  }

  /** Whether a UTF-16 unit must be escaped (see the class comment). */
  static boolean unsafe(char c) {
    // one list of what is escaped, core's (a paired surrogate never gets here)
    return dev.editstream.core.Redact.mustEscape(c) || Character.isSurrogate(c);
  }

  private static String escape(char c) {
    return String.format("\\u%04X", (int) c);
  }
}
