package dev.editstream.core.event;

import java.time.Instant;

/**
 * A request RunComfy accepted. Source: submit response {@code {request_id, status_url, result_url,
 * cancel_url}} (RunComfy docs, "Async queue endpoints").
 *
 * @param requestId RunComfy's request_id
 * @param statusUrl the status URL RunComfy returned, or {@code null}
 * @param resultUrl the result URL RunComfy returned, or {@code null}
 * @param cancelUrl the cancel URL RunComfy returned, or {@code null}
 * @param submittedAt when the submit answer arrived
 */
public record Submission(
    String requestId, String statusUrl, String resultUrl, String cancelUrl, Instant submittedAt) {}
