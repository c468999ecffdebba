package dev.editstream.runcomfy;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * RunComfy's answer to {@code GET /v1/requests/{id}/result} (fields as in RunComfy CLI's result
 * struct). Before completion it carries only the current state.
 *
 * @param requestId the request id
 * @param status the request's own status (decides success; see {@link RequestStatus#KNOWN})
 * @param output the model's output (shape per model; see {@link OutputUrls}), or {@code null}
 * @param createdAt creation time as RunComfy wrote it (format undocumented), or {@code null}
 * @param finishedAt finish time as RunComfy wrote it, or {@code null}
 * @param error the error object of a failed request (shape undocumented), or {@code null}
 */
public record RequestResult(
    String requestId,
    String status,
    JsonNode output,
    String createdAt,
    String finishedAt,
    JsonNode error) {

  /**
   * Whether the result's own status says the request succeeded ({@code completed}/{@code
   * succeeded}).
   */
  public boolean succeeded() {
    return "completed".equals(status) || "succeeded".equals(status);
  }
}
