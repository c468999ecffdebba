package dev.editstream.runcomfy;

import dev.editstream.core.error.ExitClass;

/**
 * The class and reason {@link TransportErrorClassifier} gives a throwable.
 *
 * @param exitClass the error class
 * @param reason a short machine-friendly reason, e.g. {@code timeout}, {@code connect_failed}
 */
public record TransportError(ExitClass exitClass, String reason) {}
