package dev.editstream.emulator;

/**
 * A job cannot produce outputs: it ends {@code failed} with this message as {@code error.message}.
 * Messages never carry a URL's query string.
 */
final class JobFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  JobFailedException(String message) {
    super(message, null, false, false);
  }
}
