package dev.editstream.core.event;

/**
 * Why a job ended on the failure topic.
 *
 * @param exitClass 1, 64, 65, 66, 69, 75 or 77
 * @param reason short machine reason, e.g. {@code schema}, {@code http_422}, {@code deadline}
 * @param message readable message naming the field, status or rule; secrets removed
 * @param stage the stage that gave up
 * @param attempts how many attempts the stage made, &gt;= 1
 */
public record Failure(int exitClass, String reason, String message, Stage stage, int attempts) {}
