package dev.editstream.core;

import java.util.regex.Pattern;

/**
 * Removes secrets from text before it is logged, published or put in a metric tag: URL query
 * strings and fragments (signed URLs) and bearer tokens.
 */
public final class Redact {
  private static final Pattern URL_QUERY = Pattern.compile("(https?://[^\\s\"'?#]*)[?#][^\\s\"']*");
  private static final Pattern BEARER = Pattern.compile("(?i)(bearer\\s+)[A-Za-z0-9._~+/=-]+");

  private Redact() {}

  /**
   * Returns {@code url} without its query string and fragment ({@code ?...}, {@code #...}).
   *
   * @param url any string; {@code null} gives {@code null}
   */
  public static String url(String url) {
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
    return cut == url.length() ? url : url.substring(0, cut) + "?<redacted>";
  }

  /** Returns free text with every URL's query string and every bearer token replaced. */
  public static String text(String text) {
    if (text == null) {
      return null;
    }
    String noQuery = URL_QUERY.matcher(text).replaceAll("$1?<redacted>");
    return BEARER.matcher(noQuery).replaceAll("$1<redacted>");
  }
}
