package dev.editstream.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The process-wide registry of secrets this process knows (the RunComfy token, the signatures of
 * pre-signed input URLs, asset-server keys): {@link Redact#text(String)} removes every registered
 * secret wherever it appears, so a token echoed back in a server's error text never reaches a
 * topic, a log line or the console. Thread-safe.
 *
 * <p>Meant for the process's own handful of secrets: {@link Redact#text(String)} costs one {@code
 * contains} per registered secret, so do not register one value per job (signatures inside URLs are
 * removed by the query-string rule anyway).
 *
 * <p>Values shorter than {@link #MIN_LENGTH} characters are ignored: redacting a short common
 * string everywhere would garble every message and protect nothing (a short value is no secret).
 */
public final class Secrets {
  /** The shortest value that is registered, characters. */
  public static final int MIN_LENGTH = 8;

  private static final Set<String> KNOWN = ConcurrentHashMap.newKeySet();
  private static volatile List<String> longestFirst = List.of();

  private Secrets() {}

  /**
   * Registers a secret; from now on {@link Redact#text(String)} replaces it with {@code
   * <redacted>}.
   *
   * @param secret the secret; {@code null}, blank or shorter than {@link #MIN_LENGTH} is ignored
   * @return whether it was registered (false when ignored or already known)
   */
  public static boolean register(@Nullable String secret) {
    if (secret == null || secret.isBlank() || secret.length() < MIN_LENGTH) {
      return false;
    }
    boolean added = KNOWN.add(secret);
    if (added) {
      refresh();
    }
    return added;
  }

  /**
   * Registers the query-string values of a pre-signed URL (e.g. {@code X-Amz-Signature}, {@code
   * X-Amz-Credential}, {@code sig}): each value of {@link #MIN_LENGTH} characters or more.
   *
   * @param url any URL; one without a query string registers nothing
   * @return how many values were newly registered
   */
  public static int registerUrlSignature(String url) {
    if (url == null) {
      return 0;
    }
    int q = url.indexOf('?');
    if (q < 0) {
      return 0;
    }
    int h = url.indexOf('#', q);
    String query = url.substring(q + 1, h < 0 ? url.length() : h);
    int n = 0;
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String value = eq < 0 ? pair : pair.substring(eq + 1);
      if (register(value)) {
        n++;
      }
      String decoded = decode(value);
      if (!decoded.equals(value) && register(decoded)) {
        n++;
      }
    }
    return n;
  }

  /** Forgets one secret (tests, a rotated token). */
  public static void forget(String secret) {
    if (secret != null && KNOWN.remove(secret)) {
      refresh();
    }
  }

  /** The registered secrets, longest first (so a secret containing another is removed whole). */
  static List<String> known() {
    return longestFirst;
  }

  private static synchronized void refresh() {
    List<String> l = new ArrayList<>(KNOWN);
    l.sort(Comparator.comparingInt(String::length).reversed());
    longestFirst = List.copyOf(l);
  }

  private static String decode(String v) {
    try {
      return java.net.URLDecoder.decode(v, java.nio.charset.StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return v;
    }
  }
}
