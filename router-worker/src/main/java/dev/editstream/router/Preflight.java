package dev.editstream.router;

import dev.editstream.core.model.InputValidation;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Checks one input file against one of the input rules RunComfy's catalog attaches to a field
 * ({@code validations}, {@code runcomfy-live-contract.md} §2), before the job is paid for. Pure:
 * the file's facts are read by the caller.
 *
 * <p>A rule is {@code <metric><op>} with op {@code <}, {@code <=}, {@code >}, {@code >=}, or {@code
 * <metric>_between} with a two-element array (inclusive), or {@code file_extension_in} with an
 * array of extensions; metrics: {@code file_size_mb} (MiB, 1,048,576 bytes), {@code width} and
 * {@code height} (px), {@code aspect_ratio} (width / height; a value may be a ratio {@code 1:16} or
 * a number). Any other rule (a video's {@code duration_s}, say), or a fact the caller could not
 * read, is {@link Verdict#unchecked()}.
 */
final class Preflight {
  /**
   * What is known of a local input file.
   *
   * @param bytes its size, bytes
   * @param width its width in px, or {@code null} when it is not an image ImageIO reads
   * @param height its height in px, or {@code null}
   * @param extension its file name's extension, lower case, without the dot ({@code ""} if none)
   */
  record FileFacts(
      long bytes, @Nullable Integer width, @Nullable Integer height, String extension) {
    /** Facts without an extension. */
    FileFacts(long bytes, Integer width, Integer height) {
      this(bytes, width, height, "");
    }
  }

  /**
   * The outcome of one rule on one file.
   *
   * @param breach the breach in words ({@code image_url: 31.2 MB, must be < 30 (RunComfy: ...)}),
   *     or {@code null}
   * @param unchecked whether the rule could not be checked (unknown metric or fact)
   */
  record Verdict(@Nullable String breach, boolean unchecked) {
    static final Verdict OK = new Verdict(null, false);
    static final Verdict UNCHECKED = new Verdict(null, true);
  }

  private Preflight() {}

  /** Checks {@code file} against {@code rule}. */
  static Verdict check(InputValidation rule, FileFacts file) {
    String r = rule.rule().trim();
    if (r.equals("file_extension_in")) {
      java.util.List<String> allowed = list(rule.value());
      if (allowed.isEmpty() || file.extension() == null) {
        return Verdict.UNCHECKED;
      }
      return allowed.stream().anyMatch(a -> a.equalsIgnoreCase(file.extension()))
          ? Verdict.OK
          : breach(
              rule,
              "file_extension \""
                  + file.extension()
                  + "\", must be one of "
                  + String.join(", ", allowed));
    }
    if (r.endsWith("_between")) {
      java.util.List<String> range = list(rule.value());
      if (range.size() != 2) {
        return Verdict.UNCHECKED;
      }
      String metric = r.substring(0, r.length() - "_between".length());
      Verdict low =
          check(new InputValidation(rule.field(), metric + ">=", range.get(0), rule.error()), file);
      return low.breach() != null || low.unchecked()
          ? low
          : check(
              new InputValidation(rule.field(), metric + "<=", range.get(1), rule.error()), file);
    }
    int i = r.length();
    while (i > 0 && "<>=".indexOf(r.charAt(i - 1)) >= 0) {
      i--;
    }
    String metric = r.substring(0, i).trim();
    String op = r.substring(i);
    Optional<Double> limit = number(rule.value());
    if (limit.isEmpty()
        || !(op.equals("<") || op.equals("<=") || op.equals(">") || op.equals(">="))) {
      return Verdict.UNCHECKED;
    }
    Double actual;
    String unit;
    switch (metric) {
      case "file_size_mb" -> {
        actual = file.bytes() / 1_048_576d;
        unit = " MB";
      }
      case "width" -> {
        actual = file.width() == null ? null : file.width().doubleValue();
        unit = " px";
      }
      case "height" -> {
        actual = file.height() == null ? null : file.height().doubleValue();
        unit = " px";
      }
      case "aspect_ratio" -> {
        actual =
            file.width() == null || file.height() == null || file.height() == 0
                ? null
                : file.width() / (double) file.height();
        unit = "";
      }
      default -> {
        return Verdict.UNCHECKED;
      }
    }
    if (actual == null) {
      return Verdict.UNCHECKED;
    }
    boolean holds =
        switch (op) {
          case "<" -> actual < limit.get();
          case "<=" -> actual <= limit.get();
          case ">" -> actual > limit.get();
          default -> actual >= limit.get();
        };
    if (holds) {
      return Verdict.OK;
    }
    String shown =
        metric.equals("aspect_ratio")
            ? file.width() + ":" + file.height()
            : String.format(java.util.Locale.ROOT, "%.1f", actual) + unit;
    return new Verdict(
        rule.field()
            + ": "
            + metric
            + " "
            + shown
            + ", must be "
            + op
            + " "
            + rule.value()
            + (rule.error() == null ? "" : " (RunComfy: " + rule.error() + ")"),
        false);
  }

  private static Verdict breach(InputValidation rule, String what) {
    return new Verdict(
        rule.field()
            + ": "
            + what
            + (rule.error() == null ? "" : " (RunComfy: " + rule.error() + ")"),
        false);
  }

  /** A JSON array value as its elements' texts; empty when it is not an array. */
  private static java.util.List<String> list(String value) {
    if (!value.startsWith("[")) {
      return java.util.List.of();
    }
    try {
      java.util.List<String> out = new java.util.ArrayList<>();
      dev.editstream.core.Json.mapper().readTree(value).forEach(n -> out.add(n.asText()));
      return out;
    } catch (java.io.IOException e) {
      return java.util.List.of();
    }
  }

  /** {@code 30}, {@code 0.5} or a ratio {@code 1:16} as a number; empty when neither. */
  static Optional<Double> number(String v) {
    try {
      int colon = v.indexOf(':');
      if (colon > 0) {
        double a = Double.parseDouble(v.substring(0, colon).trim());
        double b = Double.parseDouble(v.substring(colon + 1).trim());
        return b == 0 ? Optional.empty() : Optional.of(a / b);
      }
      return Optional.of(Double.parseDouble(v.trim()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
