package dev.editstream.storage;

import dev.editstream.core.Redact;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Where objects go: an S3 bucket and a key prefix, parsed from an option value such as {@code
 * s3://media-in} or {@code s3://media-in/runs/2026/}.
 *
 * @param bucket the bucket name, valid by S3's rules (3-63 characters of lowercase letters, digits,
 *     dots and hyphens, starting and ending with a letter or digit, no {@code ..}, not an IPv4
 *     address)
 * @param prefix the key prefix: empty, or ending with {@code /} and never starting with {@code /}
 */
public record ObjectStoreUri(String bucket, String prefix) {
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final String SCHEME = "s3://";

  /**
   * @throws IllegalArgumentException if the bucket breaks S3's naming rules or the prefix is not
   *     empty / {@code /}-terminated
   */
  public ObjectStoreUri {
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(prefix, "prefix");
    String why = bucketProblem(bucket);
    if (why != null) {
      throw new IllegalArgumentException("bucket '" + Redact.text(bucket, 80) + "' " + why);
    }
    if (!prefix.isEmpty()
        && (!prefix.endsWith("/") || prefix.startsWith("/") || prefix.contains("//"))) {
      throw new IllegalArgumentException(
          "prefix must be empty or end with '/' (no leading '/', no '//')");
    }
  }

  /**
   * Parses {@code s3://bucket} or {@code s3://bucket/some/prefix}; the prefix gets a trailing
   * {@code /} when it lacks one, and {@code s3://bucket/} means an empty prefix.
   *
   * @param optionName the option the value came from, e.g. {@code --stage-to}, named in errors
   * @param value the option's value
   * @return the parsed location
   * @throws IllegalArgumentException naming the option and the rule broken: not {@code s3://}, a
   *     query string or fragment, a bad bucket name, an empty path segment ({@code //}), a {@code
   *     .} or {@code ..} segment, or a control character
   */
  public static ObjectStoreUri parse(String optionName, String value) {
    String shown = value == null ? "null" : Redact.text(Redact.url(value), 120);
    if (value == null || !value.startsWith(SCHEME)) {
      throw bad(optionName, shown, "must start with s3:// (s3://bucket or s3://bucket/prefix)");
    }
    if (value.indexOf('?') >= 0 || value.indexOf('#') >= 0) {
      throw bad(optionName, shown, "must not have a query string or fragment");
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i)) || value.charAt(i) == '\\') {
        throw bad(optionName, shown, "must not contain control characters or '\\'");
      }
    }
    String rest = value.substring(SCHEME.length());
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash + 1);
    String why = bucketProblem(bucket);
    if (why != null) {
      throw bad(optionName, shown, "bucket " + why);
    }
    if (!path.isEmpty() && !path.endsWith("/")) {
      path = path + "/";
    }
    if (!path.isEmpty()) {
      for (String segment : path.substring(0, path.length() - 1).split("/", -1)) {
        if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
          throw bad(optionName, shown, "prefix must not have empty, '.' or '..' segments");
        }
      }
    }
    return new ObjectStoreUri(bucket, path);
  }

  /**
   * The object key of {@code name} under this prefix.
   *
   * @param name a relative key, not empty and not starting with {@code /}
   * @throws IllegalArgumentException if {@code name} is empty or starts with {@code /}
   */
  public String key(String name) {
    if (name == null || name.isEmpty() || name.startsWith("/")) {
      throw new IllegalArgumentException("object name must be non-empty and relative");
    }
    return prefix + name;
  }

  /** {@code s3://bucket/key} for a full object key (as returned by {@link #key}). */
  public String uri(String key) {
    return SCHEME + bucket + "/" + key;
  }

  /** {@code s3://bucket/prefix}, the form {@link #parse} reads. */
  @Override
  public String toString() {
    return SCHEME + bucket + "/" + prefix;
  }

  /** Why {@code bucket} breaks S3's bucket naming rules, or {@code null} when it is valid. */
  static @Nullable String bucketProblem(String bucket) {
    if (bucket.length() < 3 || bucket.length() > 63) {
      return "must be 3-63 characters long";
    }
    if (!BUCKET.matcher(bucket).matches()) {
      return "must be lowercase letters, digits, '.' and '-', starting and ending with a letter or digit";
    }
    if (bucket.contains("..") || bucket.contains(".-") || bucket.contains("-.")) {
      return "must not contain '..', '.-' or '-.'";
    }
    if (IPV4.matcher(bucket).matches()) {
      return "must not look like an IP address";
    }
    return null;
  }

  private static IllegalArgumentException bad(String optionName, String shown, String rule) {
    return new IllegalArgumentException(optionName + ": '" + shown + "' " + rule);
  }
}
