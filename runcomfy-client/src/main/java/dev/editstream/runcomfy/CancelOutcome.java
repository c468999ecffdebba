package dev.editstream.runcomfy;

import java.util.Locale;

/**
 * RunComfy's answer to {@code POST /v1/requests/{id}/cancel} (202; RunComfy CLI's cancel.rs). Only
 * a queued request can be cancelled; a running one is {@code not_cancellable}, finishes and is
 * billed ({@code runcomfy-live-contract.md} §4).
 *
 * @param requestId the request id
 * @param outcome {@code cancelled} or {@code not_cancellable}, as RunComfy sent it
 */
public record CancelOutcome(String requestId, String outcome) {
  /** Whether the request was cancelled: {@code cancelled} or {@code canceled}, any case. */
  public boolean cancelled() {
    String o = normalised();
    return "cancelled".equals(o) || "canceled".equals(o);
  }

  /**
   * Whether RunComfy refused because the request is already running ({@code not_cancellable}, any
   * case): it will finish and be billed.
   */
  public boolean notCancellable() {
    return "not_cancellable".equals(normalised());
  }

  private String normalised() {
    return outcome == null ? "" : outcome.trim().toLowerCase(Locale.ROOT);
  }
}
