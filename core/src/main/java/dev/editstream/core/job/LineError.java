package dev.editstream.core.job;

import org.jspecify.annotations.Nullable;

/**
 * Why one line of a job file was refused.
 *
 * @param line 1-based line number in the file
 * @param jobId the line's {@code id} when one could be read, else {@code null}
 * @param field the JSON field that broke a rule ({@code "$"} for the whole line)
 * @param rule the rule broken, in words, e.g. "must match [A-Za-z0-9._-]{1,128}"
 * @param exitClass 65 for bad data, 66 for a missing local input file
 */
public record LineError(
    int line, @Nullable String jobId, String field, String rule, int exitClass) {

  /** One readable sentence: {@code line 7 (id "x"): field "images[2]": must be ...}. */
  public String describe() {
    String who = jobId == null ? "" : " (id \"" + jobId + "\")";
    return "line " + line + who + ": field \"" + field + "\": " + rule;
  }
}
