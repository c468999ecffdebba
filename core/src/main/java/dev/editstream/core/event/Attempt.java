package dev.editstream.core.event;

import java.time.Instant;

/**
 * One failed attempt of a stage, kept on the event so the final {@code failed} event shows every
 * attempt.
 *
 * @param stage where it failed
 * @param exitClass 1, 64, 65, 66, 69, 75 or 77
 * @param reason short reason, e.g. {@code http_503}
 * @param message readable message, secrets removed
 * @param at when it failed
 */
public record Attempt(Stage stage, int exitClass, String reason, String message, Instant at) {}
