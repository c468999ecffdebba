package dev.editstream.core.job;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The rule for remote inputs in a job line: a public {@code https} URL of at most {@value
 * #MAX_URL_CHARS} chars, no user info, no control or bidi characters, and a host that is neither an
 * IP literal of a private, loopback, link-local, multicast, reserved or unspecified range nor a
 * local-only name ({@code localhost}, {@code *.localhost}, {@code *.local}, {@code *.internal},
 * {@code *.localdomain}, single-label names). Pure: no DNS lookup is made (IP literals are parsed
 * as literals only), so a public name that resolves to a private address is left to the fetcher.
 */
final class UrlRules {
  /** Longest URL accepted, in chars. */
  static final int MAX_URL_CHARS = 2048;

  private static final Pattern DOTTED_V4 =
      Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
  private static final Pattern NUMERIC_HOST = Pattern.compile("[0-9a-fA-FxX.]+(:\\d*)?");
  private static final Pattern NUMERIC_LABEL = Pattern.compile("\\d+|0[xX][0-9a-fA-F]*");

  private UrlRules() {}

  /**
   * Checks one URL.
   *
   * @return {@code null} when it is a public https URL, else the rule broken
   */
  static @Nullable String check(String ref) {
    if (ref.length() > MAX_URL_CHARS) {
      return "must be a URL of at most " + MAX_URL_CHARS + " characters, was " + ref.length();
    }
    String chars = TextRules.strict(ref);
    if (chars != null) {
      return chars;
    }
    URI uri;
    try {
      uri = new URI(ref);
    } catch (URISyntaxException e) {
      return "must be a valid https URL (" + e.getReason() + " at index " + e.getIndex() + ")";
    }
    String scheme = uri.getScheme();
    if (!"https".equalsIgnoreCase(scheme)) {
      return "must be an https URL or a local path (scheme "
          + TextRules.show(String.valueOf(scheme))
          + " refused)";
    }
    String authority = uri.getRawAuthority();
    if (uri.getRawUserInfo() != null || (authority != null && authority.indexOf('@') >= 0)) {
      return "must not carry user info in the URL";
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      if (authority != null && NUMERIC_HOST.matcher(authority).matches()) {
        return "must be a public https URL (numeric host "
            + TextRules.show(authority)
            + " is not a plain dotted IPv4 address)";
      }
      return "must be an https URL with a valid host name (letters, digits, '-' and '.', or an IP literal; "
          + "write international names in punycode)";
    }
    String why = hostRefusal(host);
    return why == null ? null : "must be a public https URL (" + why + ")";
  }

  /** Why a host is not public, or {@code null} when it may be. Package-private for tests. */
  static @Nullable String hostRefusal(String rawHost) {
    String host = rawHost.toLowerCase(Locale.ROOT);
    while (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    if (host.startsWith("[")) {
      return ipv6Refusal(host);
    }
    Matcher m = DOTTED_V4.matcher(host);
    if (m.matches()) {
      byte[] b = new byte[4];
      for (int i = 0; i < 4; i++) {
        String part = m.group(i + 1);
        int v = Integer.parseInt(part);
        if ((part.length() > 1 && part.charAt(0) == '0') || v > 255) {
          return "ambiguous or invalid IPv4 literal " + TextRules.show(host);
        }
        b[i] = (byte) v;
      }
      String range = ipv4Range(b);
      return range == null ? null : range + " address " + host;
    }
    String[] labels = host.split("\\.");
    if (NUMERIC_LABEL.matcher(labels[labels.length - 1]).matches()) {
      return "numeric host " + TextRules.show(host) + " is not a plain dotted IPv4 address";
    }
    if (host.equals("localhost") || host.endsWith(".localhost")) {
      return "loopback host " + TextRules.show(host);
    }
    for (String suffix :
        new String[] {".local", ".internal", ".localdomain", ".home.arpa", ".intranet", ".lan"}) {
      if (host.endsWith(suffix)) {
        return "local-only host " + TextRules.show(host) + " (" + suffix + ")";
      }
    }
    if (labels.length < 2) {
      return "single-label host " + TextRules.show(host) + " is not a public name";
    }
    return null;
  }

  private static @Nullable String ipv6Refusal(String bracketed) {
    if (bracketed.indexOf('%') >= 0) {
      return "IPv6 literal with a zone id " + TextRules.show(bracketed);
    }
    InetAddress a;
    try {
      // a bracketed literal is parsed, never looked up; a malformed one throws
      a = InetAddress.getByName(bracketed);
    } catch (UnknownHostException | SecurityException e) {
      return "invalid IPv6 literal " + TextRules.show(bracketed);
    }
    if (a instanceof Inet4Address) {
      String range = ipv4Range(a.getAddress());
      return range == null ? null : range + " address " + bracketed + " (IPv4-mapped)";
    }
    byte[] b = a.getAddress();
    String range = null;
    if (a.isAnyLocalAddress()) {
      range = "unspecified";
    } else if (a.isLoopbackAddress()) {
      range = "loopback";
    } else if (a.isLinkLocalAddress()) {
      range = "link-local";
    } else if (a.isSiteLocalAddress()) {
      range = "site-local";
    } else if (a.isMulticastAddress()) {
      range = "multicast";
    } else if ((b[0] & 0xfe) == 0xfc) {
      range = "private (unique local)";
    } else if (embedsIpv4((Inet6Address) a, b)) {
      byte[] v4 = {b[12], b[13], b[14], b[15]};
      String inner = ipv4Range(v4);
      range = inner == null ? null : inner + " (embedded IPv4)";
    }
    return range == null ? null : range + " address " + bracketed;
  }

  /**
   * IPv4-compatible ::a.b.c.d and NAT64 64:ff9b::/96 carry an IPv4 address in their last 4 bytes.
   */
  private static boolean embedsIpv4(Inet6Address a, byte[] b) {
    boolean nat64 = b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
    for (int i = 4; nat64 && i < 12; i++) {
      nat64 = b[i] == 0;
    }
    return a.isIPv4CompatibleAddress() || nat64;
  }

  /** The non-public range an IPv4 address is in, or {@code null} when public. */
  static @Nullable String ipv4Range(byte[] b) {
    int a0 = b[0] & 0xff;
    int a1 = b[1] & 0xff;
    if (a0 == 0) {
      return "unspecified";
    }
    if (a0 == 127) {
      return "loopback";
    }
    if (a0 == 10 || (a0 == 172 && a1 >= 16 && a1 <= 31) || (a0 == 192 && a1 == 168)) {
      return "private";
    }
    if (a0 == 100 && a1 >= 64 && a1 <= 127) {
      return "shared (carrier-grade NAT)";
    }
    if (a0 == 169 && a1 == 254) {
      return "link-local";
    }
    if (a0 >= 224 && a0 <= 239) {
      return "multicast";
    }
    if (a0 >= 240) {
      return "reserved";
    }
    return null;
  }
}
