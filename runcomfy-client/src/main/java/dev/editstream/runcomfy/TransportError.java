package dev.editstream.runcomfy;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;

/**
 * The class and reason {@link TransportErrorClassifier} gives a throwable.
 *
 * @param exitClass the error class
 * @param reason the machine reason, e.g. {@link FailureReason#TIMEOUT}
 * @param reasonText its exact wire text (e.g. {@code http_503} of a {@link StageException}); {@code
 *     null} means {@code reason.wire()}
 */
public record TransportError(ExitClass exitClass, FailureReason reason, String reasonText) {
  /** Fills {@code reasonText} from the reason. */
  public TransportError {
    java.util.Objects.requireNonNull(reason, "reason");
    reasonText = reasonText == null ? reason.wire() : reasonText;
  }

  /** A transport error whose wire text is the reason's own. */
  public TransportError(ExitClass exitClass, FailureReason reason) {
    this(exitClass, reason, java.util.Objects.requireNonNull(reason, "reason").wire());
  }
}
