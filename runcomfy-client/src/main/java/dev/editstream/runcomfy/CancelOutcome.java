package dev.editstream.runcomfy;

/**
 * RunComfy's answer to {@code POST /v1/requests/{id}/cancel} (202; RunComfy CLI's cancel.rs).
 *
 * @param requestId the request id
 * @param outcome {@code cancelled} or {@code not_cancellable} (only a queued request can be
 *     cancelled), as RunComfy sent it
 */
public record CancelOutcome(String requestId, String outcome) {
  /** Whether the request was cancelled. */
  public boolean cancelled() {
    return "cancelled".equals(outcome) || "canceled".equals(outcome);
  }
}
