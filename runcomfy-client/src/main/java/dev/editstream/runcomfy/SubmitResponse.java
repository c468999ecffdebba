package dev.editstream.runcomfy;

/**
 * RunComfy's answer to a submit ({@code POST /v1/models/{model_id}}; RunComfy docs, "Async queue
 * endpoints").
 *
 * @param requestId the request id, never empty
 * @param statusUrl absolute status URL, or {@code null} when absent
 * @param resultUrl absolute result URL, or {@code null} when absent (the CLI prefers it when
 *     present)
 * @param cancelUrl absolute cancel URL, or {@code null} when absent
 */
public record SubmitResponse(
    String requestId, String statusUrl, String resultUrl, String cancelUrl) {}
