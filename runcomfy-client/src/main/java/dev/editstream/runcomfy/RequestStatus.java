package dev.editstream.runcomfy;

import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * RunComfy's answer to {@code GET /v1/requests/{id}/status} (RunComfy docs, "Async queue
 * endpoints"): {@code {request_id, status, queue_position?, status_url, result_url}}.
 *
 * @param requestId the request id
 * @param status the {@code status} word as RunComfy sent it (not lower-cased; clipped to 64
 *     characters), or {@code null} when the answer had none: for messages; decisions use {@link
 *     #phase()}
 * @param queuePosition position in the queue (while queued), or {@code null}
 */
public record RequestStatus(
    String requestId, @Nullable String status, @Nullable Integer queuePosition) {
  /**
   * Every status word editstream recognises, lower case (see {@link RequestPhase}; any case is
   * accepted).
   */
  public static final Set<String> KNOWN = RequestPhase.knownWords();

  /** The recognised words of a terminal phase (after one of these, the result is fetched once). */
  public static final Set<String> TERMINAL =
      KNOWN.stream()
          .filter(w -> RequestPhase.of(w).terminal())
          .collect(Collectors.toUnmodifiableSet());

  /** The phase {@link #status()} names ({@link RequestPhase#of}); never {@code null}. */
  public RequestPhase phase() {
    return RequestPhase.of(status);
  }

  /**
   * Whether the request has finished (successfully or not): {@link RequestPhase#terminal()}. An
   * unknown status is not terminal.
   */
  public boolean terminal() {
    return phase().terminal();
  }
}
