package dev.editstream.runcomfy;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Local file names for downloaded outputs. Pure (the "taken" test is passed in).
 *
 * <p>As RunComfy's CLI: the URL's last path segment, sanitised; {@code -1}, {@code -2}, ... before
 * the extension on collision. editstream's sanitising: percent-decoding, then only {@code
 * [A-Za-z0-9._-]} (others become {@code _}), no leading or trailing dots, no Windows device names
 * ({@code CON}, {@code NUL}, {@code COM1}... get a {@code _} prefix), at most {@value #MAX_LENGTH}
 * characters (extension kept), fallback {@value #FALLBACK}.
 */
public final class FileNames {
  /** Longest name produced, characters. */
  public static final int MAX_LENGTH = 120;

  /** The name used when nothing usable is left. */
  public static final String FALLBACK = "output";

  private static final Set<String> DEVICES =
      Set.of(
          "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7",
          "COM8", "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9");
  private static final int MAX_EXTENSION = 16;

  private FileNames() {}

  /** The sanitised last path segment of {@code url} ({@value #FALLBACK} when there is none). */
  public static String fromUrl(URI url) {
    String path = url == null ? null : url.getRawPath();
    if (path == null) {
      return FALLBACK;
    }
    int slash = path.lastIndexOf('/');
    return sanitise(path.substring(slash + 1));
  }

  /**
   * Sanitises a proposed name.
   *
   * @param raw any text, possibly percent-encoded, possibly {@code null}
   * @return a safe file name, never empty
   */
  public static String sanitise(@Nullable String raw) {
    if (raw == null) {
      return FALLBACK;
    }
    String decoded;
    try {
      decoded = URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      decoded = raw;
    }
    StringBuilder sb = new StringBuilder(decoded.length());
    for (int i = 0; i < decoded.length(); i++) {
      char c = decoded.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == '-';
      sb.append(ok ? c : '_');
    }
    String name = strip(sb.toString());
    if (name.isEmpty() || name.chars().allMatch(c -> c == '_')) {
      return FALLBACK;
    }
    String stem = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
    if (DEVICES.contains(stem.toUpperCase(Locale.ROOT))) {
      name = "_" + name;
    }
    return clip(name, MAX_LENGTH);
  }

  /**
   * The first name not taken: {@code name}, then {@code stem-1.ext}, {@code stem-2.ext}, ...
   *
   * @param name a sanitised name
   * @param taken tells whether a name is already used
   * @throws IllegalStateException after 100,000 taken candidates
   */
  public static String firstFree(String name, Predicate<String> taken) {
    if (!taken.test(name)) {
      return name;
    }
    int dot = name.lastIndexOf('.');
    String ext = dot > 0 && name.length() - dot <= MAX_EXTENSION ? name.substring(dot) : "";
    String stem = name.substring(0, name.length() - ext.length());
    for (int i = 1; i <= 100_000; i++) {
      String suffix = "-" + i + ext;
      String candidate = clip(stem, MAX_LENGTH - suffix.length()) + suffix;
      if (!taken.test(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("no free name for " + name);
  }

  private static String strip(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && s.charAt(start) == '.') {
      start++;
    }
    while (end > start && s.charAt(end - 1) == '.') {
      end--;
    }
    return s.substring(start, end);
  }

  /** Cuts to {@code max} characters, keeping a short extension. */
  private static String clip(String name, int max) {
    if (name.length() <= max) {
      return name;
    }
    int dot = name.lastIndexOf('.');
    String ext = dot > 0 && name.length() - dot <= MAX_EXTENSION ? name.substring(dot) : "";
    return strip(name.substring(0, max - ext.length())) + ext;
  }
}
