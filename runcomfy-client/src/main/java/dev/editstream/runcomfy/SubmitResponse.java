package dev.editstream.runcomfy;

import org.jspecify.annotations.Nullable;

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
    String requestId,
    @Nullable String statusUrl,
    @Nullable String resultUrl,
    @Nullable String cancelUrl) {}
