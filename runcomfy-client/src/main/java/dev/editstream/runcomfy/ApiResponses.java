package dev.editstream.runcomfy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;

/**
 * Reads successful RunComfy answers (already parsed JSON) into records. Pure.
 *
 * <p>A body missing a required field is a {@link StageException} of class OTHER, reason {@code
 * bad_response}; a missing or unknown status is OTHER {@code unknown_status} (RunComfy CLI:
 * "stopping instead of polling forever").
 */
public final class ApiResponses {
  private ApiResponses() {}

  /** Reads a submit answer; {@code request_id} is required. */
  public static SubmitResponse submit(JsonNode body) {
    return new SubmitResponse(
        required(body, "request_id", "submit"),
        text(body, "status_url"),
        text(body, "result_url"),
        text(body, "cancel_url"));
  }

  /**
   * Reads a status answer.
   *
   * @param fallbackId the id that was asked for, used when the body has no {@code request_id}
   */
  public static RequestStatus status(JsonNode body, String fallbackId) {
    object(body, "status");
    String status = knownStatus(body, "status");
    JsonNode qp = body.get("queue_position");
    Integer position =
        qp != null && qp.canConvertToInt() && qp.isIntegralNumber() ? qp.intValue() : null;
    return new RequestStatus(orElse(text(body, "request_id"), fallbackId), status, position);
  }

  /** Reads a result answer; the status must be known (see {@link RequestStatus#KNOWN}). */
  public static RequestResult result(JsonNode body, String fallbackId) {
    object(body, "result");
    String status = knownStatus(body, "result");
    return new RequestResult(
        orElse(text(body, "request_id"), fallbackId),
        status,
        nullToNull(body.get("output")),
        text(body, "created_at"),
        text(body, "finished_at"),
        nullToNull(body.get("error")));
  }

  /** Reads a cancel answer; {@code outcome} is required. */
  public static CancelOutcome cancel(JsonNode body, String fallbackId) {
    return new CancelOutcome(
        orElse(text(body, "request_id"), fallbackId), required(body, "outcome", "cancel"));
  }

  private static String knownStatus(JsonNode body, String what) {
    String status = text(body, "status");
    if (status == null || !RequestStatus.KNOWN.contains(status)) {
      throw new StageException(
          ExitClass.OTHER,
          "unknown_status",
          what
              + " answer has "
              + (status == null ? "no status" : "unknown status '" + clip(status) + "'")
              + "; stopping instead of polling forever");
    }
    return status;
  }

  private static void object(JsonNode body, String what) {
    if (body == null || !body.isObject()) {
      throw new StageException(
          ExitClass.OTHER, "bad_response", what + " answer is not a JSON object");
    }
  }

  private static String required(JsonNode body, String field, String what) {
    object(body, what);
    String v = text(body, field);
    if (v == null || v.isEmpty()) {
      throw new StageException(ExitClass.OTHER, "bad_response", what + " answer has no " + field);
    }
    return v;
  }

  private static String text(JsonNode body, String field) {
    JsonNode v = body.get(field);
    return v == null || v.isNull() || v.isContainerNode() ? null : v.asText();
  }

  private static JsonNode nullToNull(JsonNode n) {
    return n == null || n.isNull() || n.isMissingNode() ? null : n;
  }

  private static String orElse(String v, String fallback) {
    return v == null || v.isEmpty() ? fallback : v;
  }

  private static String clip(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
