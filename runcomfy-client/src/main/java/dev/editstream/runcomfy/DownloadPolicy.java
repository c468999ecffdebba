package dev.editstream.runcomfy;

import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Which output URLs may be downloaded. Pure.
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
 */
public final class DownloadPolicy {
  /** RunComfy CLI's allowed host suffixes. */
  public static final List<String> DEFAULT_SUFFIXES = List.of(".runcomfy.net", ".runcomfy.com");

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern HOST_PORT =
      Pattern.compile("[a-z0-9.-]+:\\d{1,5}|\\[[0-9a-f:.]+\\]:\\d{1,5}");

  private final List<String> suffixes;
  private final boolean httpOnSuffixHosts;
  private final Set<String> localHosts;

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
   * Decides on one URL.
   *
   * @param url the URL (an output URL or a redirect target)
   * @return empty when allowed; else a short reason, without the URL's query string
   */
  public Optional<String> refusal(URI url) {
    if (url == null) {
      return Optional.of("no URL");
    }
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!url.isAbsolute() || url.isOpaque()) {
      return Optional.of("not an absolute hierarchical URL");
    }
    if (!scheme.equals("https") && !scheme.equals("http")) {
      return Optional.of("scheme '" + scheme + "' is not http(s)");
    }
    if (url.getRawUserInfo() != null) {
      return Optional.of("URL carries user info");
    }
    String host = url.getHost();
    if (host == null || host.isEmpty()) {
      return Optional.of("URL has no valid host");
    }
    host = host.toLowerCase(Locale.ROOT);
    int port = url.getPort() >= 0 ? url.getPort() : (scheme.equals("https") ? 443 : 80);
    if (localHosts.contains(host + ":" + port)) {
      return Optional.empty();
    }
    if (!scheme.equals("https") && !httpOnSuffixHosts) {
      return Optional.of("scheme 'http' is only allowed for configured local hosts");
    }
    if (host.startsWith("[") || IPV4.matcher(host).matches()) {
      return Optional.of("IP literal host " + host + " is not allowed");
    }
    for (String suffix : suffixes) {
      if (host.endsWith(suffix)) {
        return Optional.empty();
      }
    }
    return Optional.of("host " + host + " is not under " + String.join(" or ", suffixes));
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new HashSet<>(a);
    all.addAll(b);
    return all;
  }
}
