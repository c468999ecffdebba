package dev.editstream.core.job;

/**
 * A rule a job line broke; stackless, it only carries the {@link LineError} parts out of the
 * checks.
 */
final class Refused extends Exception {
  private static final long serialVersionUID = 1L;
  final String jobId;
  final String field;
  final String rule;
  final int exitClass;

  Refused(String jobId, String field, String rule) {
    this(jobId, field, rule, 65);
  }

  Refused(String jobId, String field, String rule, int exitClass) {
    super(rule, null, false, false);
    this.jobId = jobId;
    this.field = field;
    this.rule = rule;
    this.exitClass = exitClass;
  }
}
