package dev.editstream.runcomfy;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

/**
 * RunComfy's answer to {@code GET /v1/requests/{id}/result} (fields as in RunComfy CLI's result
 * struct: {@code {request_id, status, output, created_at, finished_at, error}}, plus {@code cost}
 * with {@code ?include_cost=true}). Before completion the documented older shape is a 200 carrying
 * only the current state; today's RunComfy answers 400 with {@code error_code} 400005 instead
 * ({@code runcomfy-live-contract.md} §3), which {@link RunComfyClient#result} turns into {@link
 * #notReady(String)}.
 *
 * @param requestId the request id
 * @param status the result's own {@code status} word as sent (clipped to 64 characters), or {@code
 *     null}; decisions use {@link #phase()}
 * @param output the model's output (shape per model; see {@link OutputUrls}), or {@code null}
 * @param createdAt creation time as RunComfy wrote it (format undocumented), or {@code null}
 * @param finishedAt finish time as RunComfy wrote it, or {@code null}
 * @param error the error object of a failed request (shape undocumented), or {@code null}
 * @param cost the request's actual cost in USD (a JSON number or numeric string, finite and &gt;=
 *     0), or {@code null} when RunComfy gave none (not asked for, not yet known, or unreadable)
 * @param notReady {@code true} when RunComfy answered "result not ready" (error_code 400005): the
 *     request has not finished; every other field but {@code requestId} is then {@code null}
 */
public record RequestResult(
    String requestId,
    @Nullable String status,
    @Nullable JsonNode output,
    @Nullable String createdAt,
    @Nullable String finishedAt,
    @Nullable JsonNode error,
    @Nullable Double cost,
    boolean notReady) {

  /** A result without cost, as read before {@code include_cost} existed. */
  public RequestResult(
      String requestId,
      String status,
      JsonNode output,
      String createdAt,
      String finishedAt,
      JsonNode error) {
    this(requestId, status, output, createdAt, finishedAt, error, null, false);
  }

  /**
   * The answer "result not ready" (HTTP 400, {@code error_code} 400005): the request is still
   * queued or running.
   */
  public static RequestResult notReady(String requestId) {
    return new RequestResult(requestId, null, null, null, null, null, null, true);
  }

  /**
   * The result's phase: {@link RequestPhase#RUNNING} when {@link #notReady()}, else the phase of
   * {@link #status()} ({@link RequestPhase#UNKNOWN} for a missing or unrecognised word).
   */
  public RequestPhase phase() {
    return notReady ? RequestPhase.RUNNING : RequestPhase.of(status);
  }

  /**
   * The result's {@code error} as text safe to log, print or publish: a string as it is, an object
   * by its {@code message} (or {@code error_message}, {@code detail}) when it has one, else its
   * JSON; then {@code secret} and every bearer token and URL query string removed, control and bidi
   * characters escaped, at most 500 characters ({@link ApiErrors#safe}).
   *
   * @param secret the bearer token (or any text that must not appear), or {@code null}
   * @return the text, or {@code "no error given"} when {@link #error()} is absent or JSON null
   */
  public String errorText(String secret) {
    if (error == null || error.isNull() || error.isMissingNode()) {
      return "no error given";
    }
    String text;
    if (error.isTextual()) {
      text = error.asText();
    } else {
      JsonNode m = null;
      for (String field : new String[] {"message", "error_message", "detail"}) {
        JsonNode v = error.get(field);
        if (v != null && v.isTextual()) {
          m = v;
          break;
        }
      }
      text = m != null ? m.asText() : error.toString();
    }
    return ApiErrors.safe(text, secret);
  }

  /**
   * Whether the result's own status says the request succeeded ({@link RequestPhase#SUCCEEDED}).
   */
  public boolean succeeded() {
    return phase() == RequestPhase.SUCCEEDED;
  }
}
