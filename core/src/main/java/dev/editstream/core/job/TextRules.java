package dev.editstream.core.job;

import org.jspecify.annotations.Nullable;

/**
 * Character-level rules shared by the job line checks: C0 control characters, Unicode bidirectional
 * controls, unpaired surrogates, and a safe way to show a hostile value in a message. Pure
 * functions; each check returns {@code null} when the text is acceptable, else the rule broken.
 */
final class TextRules {
  private TextRules() {}

  /**
   * Refuses C0 control characters (U+0000 to U+001F) and DEL (U+007F).
   *
   * @param allowLineBreaks whether tab, line feed and carriage return are accepted (prompts and
   *     free-text params)
   * @return the rule broken, or {@code null}
   */
  static @Nullable String controlChars(String s, boolean allowLineBreaks) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((c < 0x20 || c == 0x7f) && !(allowLineBreaks && (c == '\t' || c == '\n' || c == '\r'))) {
        return "must not contain control characters (" + code(c) + " at index " + i + ")";
      }
    }
    return null;
  }

  /**
   * Refuses Unicode bidirectional controls (U+202A..U+202E, U+2066..U+2069, U+200E, U+200F,
   * U+061C).
   */
  static @Nullable String bidiControls(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (isBidi(c)) {
        return "must not contain bidirectional control characters ("
            + code(c)
            + " at index "
            + i
            + ")";
      }
    }
    return null;
  }

  /**
   * Refuses UTF-16 surrogates that do not form a pair (possible through JSON's backslash-u
   * escapes).
   */
  static @Nullable String unpairedSurrogates(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return "must be valid Unicode (unpaired surrogate " + code(c) + " at index " + i + ")";
      }
    }
    return null;
  }

  /**
   * The first of {@link #controlChars}, {@link #bidiControls}, {@link #unpairedSurrogates} broken,
   * or null.
   */
  static @Nullable String strict(String s) {
    String r = controlChars(s, false);
    if (r == null) {
      r = bidiControls(s);
    }
    return r == null ? unpairedSurrogates(s) : r;
  }

  /**
   * A value as it may appear in an error message: quoted, cut to 60 chars, with quotes,
   * backslashes, controls, bidi controls, surrogates and other invisible characters escaped as
   * {@code \}{@code u} and four hex digits, so a message can never reorder or hide text on a
   * terminal.
   */
  static String show(String s) {
    String cut = s.length() > 60 ? s.substring(0, 60) : s;
    String quoted = "\"" + escapeInvisible(cut.replace("\\", "\\\\").replace("\"", "\\\"")) + "\"";
    return s.length() > 60 ? quoted + "..." : quoted;
  }

  /**
   * The text with controls, bidi controls, surrogates and other invisible characters written as
   * {@code \}{@code u} and four hex digits.
   */
  static String escapeInvisible(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f || isBidi(c) || Character.isSurrogate(c) || isInvisible(c)) {
        b.append(String.format("\\u%04X", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /**
   * The path of a key inside {@code parent}, safe to put in {@link LineError#field()}: {@code
   * parent.key} for a plain key ({@code [A-Za-z0-9_.-]{1,64}}), else {@code parent["shown key"]}
   * with the key escaped by {@link #show}; {@code parent} may be empty for a top-level field.
   */
  static String child(String parent, String key) {
    if (key.matches("[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}")) {
      return parent.isEmpty() ? key : parent + "." + key;
    }
    return parent + "[" + show(key) + "]";
  }

  static boolean isBidi(char c) {
    return (c >= '\u202A' && c <= '\u202E')
        || (c >= '\u2066' && c <= '\u2069')
        || c == '\u200E'
        || c == '\u200F'
        || c == '\u061C';
  }

  private static boolean isInvisible(char c) {
    int t = Character.getType(c);
    return t == Character.FORMAT
        || t == Character.LINE_SEPARATOR
        || t == Character.PARAGRAPH_SEPARATOR
        || (c >= 0x80 && c < 0xa0);
  }

  static String code(char c) {
    return String.format("U+%04X", (int) c);
  }
}
