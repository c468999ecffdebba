package dev.editstream.core.job;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The rule for one input reference of a job (an image, mask or video): either a public https URL
 * ({@link UrlRules}) or a local file inside one of the allowed input folders. A local path is
 * resolved against the job file's folder and normalised; it must lie inside an allowed folder both
 * as written (so {@code ../} cannot climb out) and after resolving symbolic links with {@link
 * Path#toRealPath} (so a link cannot point out). A missing file is class 66, every other refusal
 * 65.
 */
final class InputRules {
  /** Longest local path accepted, in chars. */
  static final int MAX_PATH_CHARS = 4096;

  /** A refused reference: the rule and its exit class (65 bad data, 66 missing local file). */
  record Refusal(String rule, int exitClass) {}

  private final Path baseDir;
  private final List<Path> roots;
  private final List<Path> realRoots;
  private final String shownRoots;

  /**
   * @param baseDir folder relative paths are resolved against
   * @param allowedRoots folders local inputs must lie inside (at least one)
   * @throws IllegalArgumentException if {@code allowedRoots} is empty
   */
  InputRules(Path baseDir, List<Path> allowedRoots) {
    if (allowedRoots.isEmpty()) {
      throw new IllegalArgumentException("allowedInputRoots must name at least one folder");
    }
    this.baseDir = baseDir.toAbsolutePath().normalize();
    Set<Path> lexical = new LinkedHashSet<>();
    Set<Path> real = new LinkedHashSet<>();
    for (Path r : allowedRoots) {
      Path abs = r.toAbsolutePath().normalize();
      lexical.add(abs);
      try {
        real.add(abs.toRealPath());
      } catch (IOException e) {
        real.add(abs);
      }
    }
    this.roots = List.copyOf(lexical);
    this.realRoots = List.copyOf(real);
    this.shownRoots = roots.stream().map(Path::toString).collect(Collectors.joining(", "));
  }

  /** The allowed folders, absolute and normalised, in the order given. */
  List<Path> roots() {
    return roots;
  }

  /**
   * Checks one reference.
   *
   * @return {@code null} when acceptable, else why not
   */
  @Nullable Refusal check(String ref) {
    if (ref.isBlank()) {
      return bad("must not be empty");
    }
    if (JobLineParser.isUrl(ref)) {
      String rule = UrlRules.check(ref);
      return rule == null ? null : bad(rule);
    }
    return checkLocal(ref);
  }

  private @Nullable Refusal checkLocal(String ref) {
    if (ref.length() > MAX_PATH_CHARS) {
      return bad(
          "must be a local path of at most " + MAX_PATH_CHARS + " characters, was " + ref.length());
    }
    String chars = TextRules.strict(ref);
    if (chars != null) {
      return bad(chars);
    }
    Path p;
    try {
      p = baseDir.resolve(ref).normalize();
    } catch (InvalidPathException e) {
      return bad("must be a valid local path (" + e.getReason() + ")");
    }
    if (!inside(p, roots) && !inside(p, realRoots)) {
      return bad(
          "must be inside an allowed input folder: "
              + shownRoots
              + " ("
              + TextRules.show(ref)
              + " resolves to "
              + TextRules.show(p.toString())
              + ")");
    }
    if (!Files.isRegularFile(p)) {
      return new Refusal("local file not found: " + TextRules.show(ref), 66);
    }
    Path real;
    try {
      real = p.toRealPath();
    } catch (IOException | SecurityException e) {
      return new Refusal("local file not readable: " + TextRules.show(ref), 66);
    }
    if (!inside(real, realRoots)) {
      return bad(
          "must be inside an allowed input folder: "
              + shownRoots
              + " ("
              + TextRules.show(ref)
              + " is a symbolic link to a file outside)");
    }
    return null;
  }

  private static boolean inside(Path p, List<Path> folders) {
    for (Path f : folders) {
      if (p.startsWith(f) && !p.equals(f)) {
        return true;
      }
    }
    return false;
  }

  private static Refusal bad(String rule) {
    return new Refusal(rule, 65);
  }
}
