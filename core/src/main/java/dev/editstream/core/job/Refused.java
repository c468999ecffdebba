package dev.editstream.core.job;

import org.jspecify.annotations.Nullable;

/**
 * A rule a job line broke; stackless, it only carries the {@link LineError} parts out of the
 * checks.
 */
final class Refused extends Exception {
  private static final long serialVersionUID = 1L;
  final @Nullable String jobId;
  final String field;
  final String rule;
  final int exitClass;

  Refused(@Nullable String jobId, String field, String rule) {
    this(jobId, field, rule, 65);
  }

  Refused(@Nullable String jobId, String field, String rule, int exitClass) {
    super(rule, null, false, false);
    this.jobId = jobId;
    this.field = field;
    this.rule = rule;
    this.exitClass = exitClass;
  }
}
