package dev.editstream.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jetbrains.annotations.Contract;
import org.jspecify.annotations.Nullable;

/**
 * Makes text safe to log, publish or put in a metric tag: URL query strings and fragments (signed
 * URLs), bearer tokens and every secret registered in {@link Secrets} are removed, and control
 * characters are escaped.
 *
 * <p>Escaped as <code>&#92;uXXXX</code>: every C0 control (U+0000–U+001F, newline and tab included,
 * so a message stays one line and cannot forge a log line), DEL (U+007F), every C1 control
 * (U+0080–U+009F), the bidirectional marks and overrides U+061C, U+200E, U+200F, U+202A–U+202E and
 * U+2066–U+2069 (a right-to-left override makes a console show text other than the bytes), and the
 * line and paragraph separators U+2028/U+2029.
 */
public final class Redact {
  private static final Pattern URL_QUERY = Pattern.compile("(https?://[^\\s\"'?#]*)[?#][^\\s\"']*");
  private static final Pattern BEARER = Pattern.compile("(?i)(bearer\\s+)[A-Za-z0-9._~+/=-]+");

  /** What replaces a secret. */
  public static final String MARK = "<redacted>";

  private Redact() {}

  /**
   * Returns {@code url} without its query string and fragment ({@code ?...}, {@code #...}),
   * replaced by {@code ?<redacted>}.
   *
   * @param url any string; {@code null} gives {@code null}
   */
  @Contract("!null -> !null")
  public static @Nullable String url(@Nullable String url) {
    if (url == null) {
      return null;
    }
    int cut = url.length();
    int q = url.indexOf('?');
    int h = url.indexOf('#');
    if (q >= 0) {
      cut = Math.min(cut, q);
    }
    if (h >= 0) {
      cut = Math.min(cut, h);
    }
    return cut == url.length() ? url : url.substring(0, cut) + "?" + MARK;
  }

  /**
   * Whether {@code s} is an http(s) URL whose query string or fragment was removed by {@link #url}.
   */
  public static boolean wasRedacted(@Nullable String s) {
    return s != null && s.endsWith("?" + MARK) && isHttpUrl(s);
  }

  /**
   * Returns free text with every URL's query string, every bearer token and every {@link Secrets
   * registered secret} replaced, and control characters escaped ({@link #escape}).
   *
   * @param text any text from anywhere; {@code null} gives {@code null}
   */
  @Contract("!null -> !null")
  public static @Nullable String text(@Nullable String text) {
    if (text == null) {
      return null;
    }
    String s = text;
    for (String secret : Secrets.known()) {
      if (s.contains(secret)) {
        s = s.replace(secret, MARK);
      }
    }
    String noQuery = URL_QUERY.matcher(s).replaceAll("$1?" + MARK);
    return escape(BEARER.matcher(noQuery).replaceAll("$1" + MARK));
  }

  /**
   * {@link #text(String)}, then at most {@code maxChars} characters: a longer result is cut and
   * ends with {@code "… [N chars clipped]"}. Redaction comes first, so a secret is never half cut.
   *
   * @param maxChars the longest result wanted, &gt;= 40
   */
  @Contract("!null, _ -> !null")
  public static @Nullable String text(@Nullable String text, int maxChars) {
    return clip(text(text), maxChars);
  }

  /**
   * At most {@code maxChars} characters of {@code s}; a longer one is cut (never inside a surrogate
   * pair) and ends with {@code "… [N chars clipped]"}.
   *
   * @param maxChars the longest result, &gt;= 40
   */
  @Contract("!null, _ -> !null")
  public static @Nullable String clip(@Nullable String s, int maxChars) {
    if (maxChars < 40) {
      throw new IllegalArgumentException("maxChars must be >= 40, was " + maxChars);
    }
    if (s == null || s.length() <= maxChars) {
      return s;
    }
    String tail = "… [" + (s.length() - maxChars + 32) + " chars clipped]";
    int keep = maxChars - 32;
    if (Character.isHighSurrogate(s.charAt(keep - 1))) {
      keep--;
    }
    return s.substring(0, keep) + tail;
  }

  /**
   * Escapes the characters listed in the class comment as <code>&#92;uXXXX</code>; every other
   * character (any language, emoji) is kept.
   *
   * @param text any text; {@code null} gives {@code null}
   */
  @Contract("!null -> !null")
  public static @Nullable String escape(@Nullable String text) {
    if (text == null) {
      return null;
    }
    int first = -1;
    for (int i = 0; i < text.length(); i++) {
      if (mustEscape(text, i)) {
        first = i;
        break;
      }
    }
    if (first < 0) {
      return text;
    }
    StringBuilder b = new StringBuilder(text.length() + 16);
    b.append(text, 0, first);
    for (int i = first; i < text.length(); i++) {
      char c = text.charAt(i);
      if (mustEscape(text, i)) {
        b.append(String.format("\\u%04X", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /**
   * Whether the char at {@code i} is escaped: {@link #mustEscape(char)}, or a surrogate that is not
   * half of a pair.
   */
  public static boolean mustEscape(String text, int i) {
    char c = text.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1));
    }
    if (Character.isLowSurrogate(c)) {
      return i == 0 || !Character.isHighSurrogate(text.charAt(i - 1));
    }
    return mustEscape(c);
  }

  /** Whether {@link #escape} escapes {@code c}. */
  public static boolean mustEscape(char c) {
    return c < 0x20
        || (c >= 0x7F && c <= 0x9F)
        || c == 0x061C
        || c == 0x200E
        || c == 0x200F
        || c == 0x2028
        || c == 0x2029
        || (c >= 0x202A && c <= 0x202E)
        || (c >= 0x2066 && c <= 0x2069);
  }

  /**
   * A deep copy of a JSON-like value (maps, lists, scalars) with every http(s) URL string passed
   * through {@link #url}: for request bodies and params copied into events after the submit.
   *
   * @param value a map, list, string or scalar; {@code null} gives {@code null}
   */
  @Contract("!null -> !null")
  public static @Nullable Object urls(@Nullable Object value) {
    if (value instanceof String s) {
      return isHttpUrl(s) ? url(s) : s;
    }
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(String.valueOf(k), urls(v)));
      return out;
    }
    if (value instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      l.forEach(v -> out.add(urls(v)));
      return out;
    }
    return value;
  }

  /** {@link #urls(Object)} for a map; {@code null} gives {@code null}. */
  @SuppressWarnings("unchecked")
  @Contract("!null -> !null")
  public static @Nullable Map<String, Object> urlsIn(@Nullable Map<String, Object> map) {
    return map == null ? null : (Map<String, Object>) urls(map);
  }

  private static boolean isHttpUrl(String s) {
    return s.regionMatches(true, 0, "https://", 0, 8) || s.regionMatches(true, 0, "http://", 0, 7);
  }
}
