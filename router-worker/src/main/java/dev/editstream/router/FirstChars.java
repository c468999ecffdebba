package dev.editstream.router;

import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The characters a match of a lexicon's {@code re:} entry can start with, as a look-ahead to put in
 * front of it: {@code (?=[DdEe])}. A pure function of the regex text.
 *
 * <p>Why: a category's pattern is an alternation of hundreds of entries tried at every position of
 * every prompt. An entry that opens with a look-behind ({@code (?<![\p{L}])}) or a word boundary
 * makes the engine evaluate that assertion at every position before it sees that the first letter
 * is wrong. A one-character class check first rejects almost every position at once.
 *
 * <p>The analysis is deliberately small and conservative: it skips leading zero-width assertions
 * ({@code (?<!…)}, {@code (?<=…)}, {@code (?=…)}, {@code (?!…)}, {@code \b}, {@code ^}) and reads
 * the first consuming element: a literal, an escaped punctuation character, a plain character class
 * (no negation, no class escapes, ranges of at most {@value #MAX_RANGE} characters) or a group
 * whose every alternative starts that way. Anything else (a class escape such as {@code \p{L}} or
 * {@code \s}, a dot, a negated class, an inline flag, a first element that may be empty) gives no
 * look-ahead: the entry is then used as written, which is always correct, only slower. Case
 * variants of each character are included; the lexicon's patterns are compiled case-insensitively
 * anyway.
 */
final class FirstChars {
  /** The widest range of a character class the analysis expands, in characters. */
  static final int MAX_RANGE = 128;

  private static final String ESCAPED_LITERALS = "\\.-()[]{}|?*+^$/#&'\"!:<>=~@%,;`_ ";

  private FirstChars() {}

  /**
   * The look-ahead {@code (?=[…])} that holds wherever a match of {@code regex} can start, or empty
   * when the analysis cannot tell (then no look-ahead may be added).
   *
   * @param regex a Java regex, as written in a lexicon after {@code re:} (before {@code \b} is
   *     rewritten)
   */
  static Optional<String> lookahead(String regex) {
    Set<Integer> set;
    try {
      set = alternation(regex);
    } catch (RuntimeException malformed) {
      return Optional.empty(); // a regex this reader does not follow: Pattern.compile judges it
    }
    if (set == null || set.isEmpty()) {
      return Optional.empty();
    }
    TreeSet<Integer> variants = new TreeSet<>();
    for (int cp : set) {
      variants.add(cp);
      variants.add(Character.toLowerCase(cp));
      variants.add(Character.toUpperCase(cp));
      variants.add(Character.toTitleCase(cp));
    }
    StringBuilder b = new StringBuilder("(?=[");
    for (int cp : variants) {
      if (Character.isLetterOrDigit(cp)) {
        b.appendCodePoint(cp);
      } else {
        b.append("\\x{").append(Integer.toHexString(cp)).append('}');
      }
    }
    return Optional.of(b.append("])").toString());
  }

  /** The first characters of an alternation {@code a|b|…}; null when one alternative is unknown. */
  private static @Nullable Set<Integer> alternation(String s) {
    TreeSet<Integer> out = new TreeSet<>();
    int start = 0;
    for (int i = 0; i <= s.length(); ) {
      if (i == s.length() || s.charAt(i) == '|') {
        Set<Integer> alt = sequence(s.substring(start, i));
        if (alt == null) {
          return null;
        }
        out.addAll(alt);
        start = ++i;
      } else {
        i = skipElement(s, i);
      }
    }
    return out;
  }

  /** The first characters of a sequence without top-level {@code |}; null when unknown or empty. */
  private static @Nullable Set<Integer> sequence(String a) {
    int pos = 0;
    while (pos < a.length()) {
      if (a.startsWith("(?<!", pos)
          || a.startsWith("(?<=", pos)
          || a.startsWith("(?=", pos)
          || a.startsWith("(?!", pos)) {
        pos = closingParen(a, pos) + 1;
      } else if (a.startsWith("\\b", pos)) {
        pos += 2;
      } else if (a.charAt(pos) == '^') {
        pos++;
      } else {
        break;
      }
    }
    if (pos >= a.length()) {
      return null;
    }
    char c = a.charAt(pos);
    Set<Integer> set;
    int next;
    if (c == '(') {
      int close = closingParen(a, pos);
      int inner;
      if (a.startsWith("(?:", pos)) {
        inner = pos + 3;
      } else if (a.startsWith("(?", pos)) {
        return null; // named group, inline flags, atomic group: not followed
      } else {
        inner = pos + 1;
      }
      set = alternation(a.substring(inner, close));
      next = close + 1;
    } else if (c == '[') {
      int close = closingBracket(a, pos);
      set = charClass(a.substring(pos + 1, close));
      next = close + 1;
    } else if (c == '\\') {
      char d = a.charAt(pos + 1);
      if (ESCAPED_LITERALS.indexOf(d) < 0) {
        return null; // \s, \p{…}, \d, \Q, \x…: a class or a construct, not one literal
      }
      set = new TreeSet<>();
      set.add((int) d);
      next = pos + 2;
    } else if (".)*+?{$".indexOf(c) >= 0) {
      return null;
    } else {
      int cp = a.codePointAt(pos);
      set = new TreeSet<>();
      set.add(cp);
      next = pos + Character.charCount(cp);
    }
    if (set == null) {
      return null;
    }
    if (next < a.length()
        && (a.charAt(next) == '?' || a.charAt(next) == '*' || a.startsWith("{0", next))) {
      return null; // the first element may match nothing: the next one could start the match
    }
    return set;
  }

  /** The members of a plain class body ({@code Dd}, {@code 1-9}); null for anything richer. */
  private static @Nullable Set<Integer> charClass(String body) {
    if (body.isEmpty() || body.startsWith("^") || body.contains("[") || body.contains("&&")) {
      return null;
    }
    TreeSet<Integer> out = new TreeSet<>();
    int i = 0;
    while (i < body.length()) {
      int cp;
      if (body.charAt(i) == '\\') {
        char d = body.charAt(i + 1);
        if (ESCAPED_LITERALS.indexOf(d) < 0) {
          return null;
        }
        cp = d;
        i += 2;
      } else {
        cp = body.codePointAt(i);
        i += Character.charCount(cp);
      }
      if (i + 1 < body.length() && body.charAt(i) == '-') {
        int to = body.codePointAt(i + 1);
        if (to == '\\' || to < cp || to - cp >= MAX_RANGE) {
          return null;
        }
        for (int x = cp; x <= to; x++) {
          out.add(x);
        }
        i += 1 + Character.charCount(to);
      } else {
        out.add(cp);
      }
    }
    return out;
  }

  /** The index after the element starting at {@code i} (an escape, a class, a group or a char). */
  private static int skipElement(String s, int i) {
    char c = s.charAt(i);
    if (c == '\\') {
      return i + 2;
    }
    if (c == '[') {
      return closingBracket(s, i) + 1;
    }
    if (c == '(') {
      return closingParen(s, i) + 1;
    }
    return i + 1;
  }

  /** The index of the {@code )} closing the group opened at {@code open} (classes skipped). */
  private static int closingParen(String s, int open) {
    return closing(s, open, '(', ')', true);
  }

  /**
   * The index of the {@code ]} closing the class opened at {@code open} (nested classes counted).
   */
  private static int closingBracket(String s, int open) {
    return closing(s, open, '[', ']', false);
  }

  /**
   * The index of the {@code close} matching the {@code opening} at {@code open}, escapes skipped.
   */
  private static int closing(String s, int open, char opening, char close, boolean skipClasses) {
    int depth = 0;
    for (int i = open; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        i++;
      } else if (skipClasses && c == '[') {
        i = closingBracket(s, i);
      } else if (c == opening) {
        depth++;
      } else if (c == close && --depth == 0) {
        return i;
      }
    }
    throw new IllegalArgumentException("unbalanced " + opening + " at " + open + " in " + s);
  }
}
