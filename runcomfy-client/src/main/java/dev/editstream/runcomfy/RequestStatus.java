package dev.editstream.runcomfy;

import java.util.Set;

/**
 * RunComfy's answer to {@code GET /v1/requests/{id}/status} (RunComfy docs, "Async queue
 * endpoints").
 *
 * @param requestId the request id
 * @param status one of {@link #KNOWN}: {@code in_queue}, {@code in_progress}, {@code completed},
 *     {@code cancelled}, and the variants RunComfy's clients also accept: {@code succeeded}, {@code
 *     failed}, {@code canceled}
 * @param queuePosition position in the queue (while {@code in_queue}), or {@code null}
 */
public record RequestStatus(String requestId, String status, Integer queuePosition) {
  /** Every status value editstream accepts (RunComfy docs plus the CLI's extra spellings). */
  public static final Set<String> KNOWN =
      Set.of(
          "in_queue", "in_progress", "completed", "cancelled", "succeeded", "failed", "canceled");

  /** The terminal values (RunComfy CLI): after one of these, the result is fetched once. */
  public static final Set<String> TERMINAL =
      Set.of("completed", "succeeded", "failed", "cancelled", "canceled");

  /** Whether the request has finished (successfully or not): see {@link #TERMINAL}. */
  public boolean terminal() {
    return TERMINAL.contains(status);
  }
}
