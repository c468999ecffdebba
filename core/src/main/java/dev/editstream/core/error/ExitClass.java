package dev.editstream.core.error;

import com.fasterxml.jackson.annotation.JsonCreator;

/**
 * The error classes of editstream: RunComfy CLI's exit-code contract (source: runcomfy-cli, {@code
 * ../shared/docs/runcomfy-model-api.md}, "The CLI's exit-code contract"), which follows BSD
 * sysexits.
 *
 * <p>On the wire (event envelope version 2) a class is written as its name ({@code "TEMPFAIL"});
 * version 1 wrote its code ({@code 75}), which {@link #fromJson} still reads.
 *
 * <p>Only {@link #UNAVAILABLE} (69) and {@link #TEMPFAIL} (75) are retried; every other class ends
 * the job on the failure topic at once.
 */
public enum ExitClass {
  /** 1: anything else (network error, a failed or cancelled remote job). */
  OTHER(1, false),
  /** 64 EX_USAGE: bad arguments or configuration. */
  USAGE(64, false),
  /**
   * 65 EX_DATAERR: bad input data or a body the model's schema refuses (400, 404 on submit, 422).
   */
  DATA(65, false),
  /** 66 EX_NOINPUT: a local input file does not exist. */
  NO_INPUT(66, false),
  /** 69 EX_UNAVAILABLE: upstream 5xx; retried after backoff. */
  UNAVAILABLE(69, true),
  /** 75 EX_TEMPFAIL: timeout or 429; retried after backoff. */
  TEMPFAIL(75, true),
  /** 77 EX_NOPERM: no token, or the token was refused (401, 403). */
  NOPERM(77, false);

  private final int code;
  private final boolean retryable;

  ExitClass(int code, boolean retryable) {
    this.code = code;
    this.retryable = retryable;
  }

  /** The numeric exit code (1, 64, 65, 66, 69, 75 or 77). */
  public int code() {
    return code;
  }

  /** Whether a failure of this class goes round again through a delay topic. */
  public boolean retryable() {
    return retryable;
  }

  /**
   * The class with the given code.
   *
   * @throws IllegalArgumentException if no class has that code
   */
  public static ExitClass ofCode(int code) {
    for (ExitClass c : values()) {
      if (c.code == code) {
        return c;
      }
    }
    throw new IllegalArgumentException("unknown exit class code: " + code);
  }

  /**
   * The class a JSON value names: its name ({@code "TEMPFAIL"}, event version 2) or its code
   * ({@code 75}, or {@code "75"}; event version 1).
   *
   * @param value a {@link Number} or a {@link String}
   * @throws IllegalArgumentException naming the value when no class has that name or code
   */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static ExitClass fromJson(Object value) {
    if (value instanceof Number n) {
      if (n.doubleValue() != n.intValue()) {
        throw new IllegalArgumentException("unknown exit class code: " + n);
      }
      return ofCode(n.intValue());
    }
    if (value instanceof String s) {
      if (s.matches("\\d{1,3}")) {
        return ofCode(Integer.parseInt(s));
      }
      for (ExitClass c : values()) {
        if (c.name().equals(s)) {
          return c;
        }
      }
      throw new IllegalArgumentException(
          "unknown exit class: \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"");
    }
    throw new IllegalArgumentException(
        "an exit class is a name or a code, was "
            + (value == null ? "null" : value.getClass().getSimpleName()));
  }
}
