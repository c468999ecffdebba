package dev.editstream.runcomfy;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Which output URLs may be downloaded, and the exact URI to fetch. Pure.
 *
 * <p>RunComfy CLI rule (newest runcomfy-cli, {@code runcomfy-live-contract.md} §3): scheme {@code
 * http} or {@code https}, no user info, no IP literal, and the host, lower-cased, must end with one
 * of the suffixes including the leading dot ({@code .runcomfy.net}, {@code .runcomfy.com}), so
 * {@code runcomfy.net.evil.com}, {@code cdn.runcomfy.net@evil.com}, IP literals and {@code ftp://}
 * are refused. A policy built with {@link #DownloadPolicy(List, Set)} keeps the older, stricter
 * rule (https only on suffix hosts). editstream adds explicitly configured local hosts ({@code
 * host:port}, e.g. the emulator's {@code 127.0.0.1:8123}) that may use http or https. The same
 * check applies to every redirect hop. The token is never sent with a download (see {@link
 * OutputDownloader}).
 *
 * <p><b>One parser for check and use</b> (issue 14, defect 1). {@link #check(String)} parses the
 * text once with {@link URI} (RFC 2396, strict) and returns a URI rebuilt from the checked parts
 * ({@code scheme://host[:port]path[?query]}, scheme and host lower-cased); {@link OutputDownloader}
 * hands the HTTP client that very object. Because browsers, WHATWG-style parsers and HTTP clients
 * disagree on them, these are refused outright rather than interpreted: any character that is not
 * printable ASCII (whitespace, controls, DEL, non-ASCII, so IDNs must come as punycode), a
 * backslash anywhere, a fragment (and so any {@code #}), an authority with anything but letters,
 * digits, {@code .}, {@code -}, an optional {@code :port} of 1–5 digits (1–65535) or a bracketed
 * IPv6 literal (so {@code @}, {@code %}, {@code #}, {@code \}, {@code _} are out), an authority
 * whose re-serialisation differs from the input (e.g. {@code :0443}), a host with a trailing dot or
 * an empty label, and a host whose last label is a number ({@code 2130706433}, {@code 0x7f.1},
 * {@code 127.1}: WHATWG parsers read those as IPv4). URLs longer than {@value #MAX_URL_CHARS}
 * characters are refused too. Resolved addresses of suffix hosts are checked at connect time
 * ({@link AddressRules}, {@link OutputDownloader}).
 */
public final class DownloadPolicy {
  /** RunComfy CLI's allowed host suffixes. */
  public static final List<String> DEFAULT_SUFFIXES = List.of(".runcomfy.net", ".runcomfy.com");

  /** The longest URL accepted, characters. */
  public static final int MAX_URL_CHARS = 8192;

  private static final Pattern HOST_PORT =
      Pattern.compile("[a-z0-9.-]+:\\d{1,5}|\\[[0-9a-f:.]+\\]:\\d{1,5}");
  private static final Pattern AUTHORITY =
      Pattern.compile("([a-z0-9.-]+|\\[[0-9a-f:.]+\\])(:[0-9]{1,5})?");
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final Pattern NUMERIC_LABEL = Pattern.compile("0x[0-9a-f]*|[0-9]+");

  private final List<String> suffixes;
  private final boolean httpOnSuffixHosts;
  private final Set<String> localHosts;

  /**
   * The outcome of {@link #check(String)}: either the URI to fetch or a refusal.
   *
   * @param uri the checked, normalised URI (hand exactly this to the HTTP client), or {@code null}
   *     when refused
   * @param refusal a short reason without the URL's query string, or {@code null} when allowed
   * @param suffixHost whether the host was allowed by a suffix (its resolved addresses must then
   *     pass {@link AddressRules}); {@code false} for a configured local host or a refusal
   */
  public record Checked(@Nullable URI uri, @Nullable String refusal, boolean suffixHost) {
    /** Whether the URL may be fetched. */
    public boolean allowed() {
      return uri != null;
    }

    static Checked refused(String why) {
      return new Checked(null, why, false);
    }
  }

  /**
   * A policy allowing only https on suffix hosts.
   *
   * @param suffixes allowed host suffixes, each starting with {@code .} (lower-cased here)
   * @param localHosts exact {@code host:port} entries allowed over http or https (lower-cased)
   * @throws IllegalArgumentException naming the bad entry
   */
  public DownloadPolicy(List<String> suffixes, Set<String> localHosts) {
    this(suffixes, false, localHosts);
  }

  /**
   * @param suffixes allowed host suffixes, each starting with {@code .} (lower-cased here)
   * @param httpOnSuffixHosts whether plain http is allowed on suffix hosts too (RunComfy's CLI
   *     allows it), else https only
   * @param localHosts exact {@code host:port} entries allowed over http or https (lower-cased)
   * @throws IllegalArgumentException naming the bad entry
   */
  public DownloadPolicy(List<String> suffixes, boolean httpOnSuffixHosts, Set<String> localHosts) {
    this.httpOnSuffixHosts = httpOnSuffixHosts;
    this.suffixes = suffixes.stream().map(s -> s.toLowerCase(Locale.ROOT)).toList();
    for (String s : this.suffixes) {
      if (s.length() < 3 || !s.startsWith(".")) {
        throw new IllegalArgumentException("suffixes: entry must start with '.': " + s);
      }
    }
    this.localHosts =
        localHosts.stream()
            .map(h -> h.toLowerCase(Locale.ROOT))
            .collect(Collectors.toUnmodifiableSet());
    for (String h : this.localHosts) {
      if (!HOST_PORT.matcher(h).matches()) {
        throw new IllegalArgumentException("localHosts: entry must be host:port: " + h);
      }
    }
  }

  /**
   * The CLI's policy: {@code http} or {@code https} on hosts under {@code .runcomfy.net} or {@code
   * .runcomfy.com} only ({@code runcomfy-live-contract.md} §3).
   */
  public static DownloadPolicy runComfyDefault() {
    return new DownloadPolicy(DEFAULT_SUFFIXES, true, Set.of());
  }

  /** A copy that also allows the given {@code host:port} entries (http or https). */
  public DownloadPolicy withLocalHosts(Set<String> hostPorts) {
    return new DownloadPolicy(suffixes, httpOnSuffixHosts, union(localHosts, hostPorts));
  }

  /**
   * Decides on one URL. Same rule as {@link #check(String)} on {@code url.toString()} (a parsed
   * {@link URI} keeps its input text).
   *
   * @param url the URL (an output URL or a redirect target)
   * @return empty when allowed; else a short reason, without the URL's query string
   */
  public Optional<String> refusal(URI url) {
    if (url == null) {
      return Optional.of("no URL");
    }
    return Optional.ofNullable(check(url.toString()).refusal());
  }

  /**
   * Parses and decides on one URL: the only way a URL becomes fetchable (see the class comment).
   *
   * @param url the URL text as received (an output URL, or a redirect target already resolved
   *     against the URL it came from)
   * @return the URI to fetch, or the reason for refusing it (without the query string); never
   *     {@code null}
   */
  public Checked check(@Nullable String url) {
    if (url == null || url.isEmpty()) {
      return Checked.refused("no URL");
    }
    if (url.length() > MAX_URL_CHARS) {
      return Checked.refused("URL longer than " + MAX_URL_CHARS + " characters");
    }
    for (int i = 0; i < url.length(); i++) {
      char c = url.charAt(i);
      if (c <= 0x20 || c == 0x7f) {
        return Checked.refused("URL contains whitespace or a control character");
      }
      if (c > 0x7e) {
        return Checked.refused("URL contains a non-ASCII character (IDNs must be punycode)");
      }
      if (c == '\\') {
        return Checked.refused("URL contains a backslash");
      }
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return Checked.refused("not a valid URI");
    }
    if (!uri.isAbsolute() || uri.isOpaque()) {
      return Checked.refused("not an absolute hierarchical URL");
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      return Checked.refused("scheme '" + SafeText.of(scheme, 20) + "' is not http(s)");
    }
    if (uri.getRawFragment() != null) {
      return Checked.refused("URL carries a fragment ('#')");
    }
    String rawAuthority = uri.getRawAuthority();
    if (rawAuthority == null || rawAuthority.isEmpty()) {
      return Checked.refused("URL has no valid host");
    }
    if (rawAuthority.indexOf('@') >= 0) {
      return Checked.refused("URL carries user info");
    }
    String authority = rawAuthority.toLowerCase(Locale.ROOT);
    if (!AUTHORITY.matcher(authority).matches()) {
      return Checked.refused("URL has no valid host (authority characters outside [a-z0-9.-:])");
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      // java.net.URI leaves the host empty for names it cannot read as a host, e.g. 127.1
      String name = authority.replaceFirst(":[0-9]*$", "");
      String[] parts = name.split("\\.", -1);
      if (!name.startsWith("[") && NUMERIC_LABEL.matcher(parts[parts.length - 1]).matches()) {
        return Checked.refused("IP literal host " + name + " is not allowed (numeric last label)");
      }
      return Checked.refused("URL has no valid host");
    }
    host = host.toLowerCase(Locale.ROOT);
    int explicitPort = uri.getPort();
    if (authority.indexOf(':', authority.lastIndexOf(']') + 1) >= 0
        && (explicitPort < 1 || explicitPort > 65535)) {
      return Checked.refused("URL has an invalid port");
    }
    String rebuiltAuthority = host + (explicitPort >= 0 ? ":" + explicitPort : "");
    if (!rebuiltAuthority.equals(authority)) {
      return Checked.refused("URL authority is ambiguous (re-serialised differently)");
    }
    int port = explicitPort >= 0 ? explicitPort : (scheme.equals("https") ? 443 : 80);
    String rawPath =
        uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String rebuilt =
        scheme
            + "://"
            + rebuiltAuthority
            + rawPath
            + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    URI checked;
    try {
      checked = new URI(rebuilt);
    } catch (URISyntaxException e) {
      return Checked.refused("not a valid URI");
    }
    if (!host.equals(checked.getHost()) || checked.getPort() != explicitPort) {
      return Checked.refused("URL authority is ambiguous (re-serialised differently)");
    }
    if (localHosts.contains(host + ":" + port)) {
      return new Checked(checked, null, false);
    }
    if (!scheme.equals("https") && !httpOnSuffixHosts) {
      return Checked.refused("scheme 'http' is only allowed for configured local hosts");
    }
    if (host.startsWith("[")) {
      return Checked.refused("IP literal host " + host + " is not allowed");
    }
    if (host.endsWith(".")) {
      return Checked.refused("host " + host + " ends with a dot");
    }
    String[] labels = host.split("\\.", -1);
    if (NUMERIC_LABEL.matcher(labels[labels.length - 1]).matches()) {
      return Checked.refused("IP literal host " + host + " is not allowed (numeric last label)");
    }
    if (host.length() > 253) {
      return Checked.refused("URL has no valid host (longer than 253 characters)");
    }
    for (String label : labels) {
      if (!LABEL.matcher(label).matches()) {
        return Checked.refused("URL has no valid host (bad label)");
      }
    }
    for (String suffix : suffixes) {
      if (host.endsWith(suffix)) {
        return new Checked(checked, null, true);
      }
    }
    return Checked.refused("host " + host + " is not under " + String.join(" or ", suffixes));
  }

  /**
   * Whether a connection to {@code host:port} is exempt from {@link AddressRules}: true only for a
   * configured local host entry (the emulator, the asset server).
   *
   * @param host a host name or IP literal as in a checked URI (IPv6 with brackets)
   */
  public boolean isLocalHost(String host, int port) {
    return host != null && localHosts.contains(host.toLowerCase(Locale.ROOT) + ":" + port);
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new HashSet<>(a);
    all.addAll(b);
    return all;
  }
}
