package dev.editstream.runcomfy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Redact;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.HttpErrorClassifier;
import dev.editstream.core.error.StageException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Turns a RunComfy error answer into a {@link StageException}. Pure: no HTTP types.
 *
 * <p>RunComfy error bodies (RunComfy docs, "Error codes") are JSON with a numeric {@code
 * error_code} where known and a message in {@code error_message}, {@code message}, {@code error} or
 * {@code detail}; a 422 carries a {@code detail} array of {@code {loc, msg}}. Some RunComfy APIs
 * answer 2xx with a top-level {@code error_code}: that is an error too. The class comes from core's
 * {@link HttpErrorClassifier}.
 */
public final class ApiErrors {
  /**
   * RunComfy's {@code error_code} for "result not ready": {@code GET /requests/{id}/result} before
   * the request finished ({@code runcomfy-live-contract.md} §3; seen with HTTP 400).
   */
  public static final int RESULT_NOT_READY = 400005;

  /** The most characters of server text kept in a message (after escaping). */
  static final int MAX_SERVER_MESSAGE = 500;

  /** The most items of a 422 {@code detail} array read. */
  private static final int MAX_DETAIL_ITEMS = 20;

  private ApiErrors() {}

  /**
   * Whether a failure is RunComfy's "result not ready" answer: a {@link StageException} read from
   * an answer whose {@code error_code} is {@value #RESULT_NOT_READY}, whatever its HTTP status.
   */
  public static boolean resultNotReady(Throwable error) {
    return error instanceof StageException s
        && s.errorCode().filter(c -> c == RESULT_NOT_READY).isPresent();
  }

  /**
   * Whether an answer is an error: a status outside 2xx, or a 2xx whose body has a top-level {@code
   * error_code}.
   */
  public static boolean isError(int status, @Nullable JsonNode body) {
    return status < 200 || status > 299 || errorCode(body) != null;
  }

  /**
   * Builds the exception for an error answer.
   *
   * @param method HTTP method, e.g. {@code POST}
   * @param url the request URL or path; its query string is removed
   * @param status the HTTP status
   * @param body the response body text (may be empty or not JSON)
   * @param retryAfter the parsed Retry-After, or {@code null}
   * @param secret a string that must never appear in the message (the token), or {@code null}
   * @return the classified exception; its message names method, path, status, error_code and the
   *     server's message, with URL query strings, bearer tokens and {@code secret} removed and
   *     control and bidi characters escaped ({@link SafeText}), the server's part at most {@value
   *     #MAX_SERVER_MESSAGE} characters
   */
  public static StageException toException(
      String method,
      String url,
      int status,
      String body,
      @Nullable Duration retryAfter,
      @Nullable String secret) {
    JsonNode json = parse(body);
    Integer code = errorCode(json);
    ExitClass cls = HttpErrorClassifier.classify(status, code);
    StringBuilder msg = new StringBuilder();
    msg.append(method).append(' ').append(Redact.url(url)).append(" -> HTTP ").append(status);
    if (code != null) {
      msg.append(" error_code ").append(code);
    }
    String server = serverMessage(json, body, secret);
    if (!server.isEmpty()) {
      msg.append(": ").append(server);
    }
    String text = SafeText.of(Redact.text(msg.toString()), 2 * MAX_SERVER_MESSAGE, secret);
    return new StageException(
        cls, HttpErrorClassifier.reason(status, code), text, retryAfter, status, code);
  }

  /** The top-level numeric {@code error_code} (number or digit string), or {@code null}. */
  public static @Nullable Integer errorCode(@Nullable JsonNode body) {
    if (body == null || !body.isObject()) {
      return null;
    }
    JsonNode c = body.get("error_code");
    if (c == null || c.isNull()) {
      return null;
    }
    if (c.canConvertToInt() && c.isIntegralNumber()) {
      return c.intValue();
    }
    if (c.isTextual() && c.asText().matches("\\d{1,9}")) {
      return Integer.valueOf(c.asText());
    }
    return null;
  }

  /** As {@link #serverMessage(JsonNode, String, String)} without a secret. */
  static String serverMessage(@Nullable JsonNode json, String raw) {
    return serverMessage(json, raw, null);
  }

  /**
   * The server's message: {@code error_message}, {@code message}, {@code error} or {@code detail}
   * (first present), plus the {@code loc: msg} items of a {@code detail} array; for a body that is
   * not JSON, its text. Made safe by {@link #safe}: {@code secret}, bearer tokens and URL queries
   * removed, control and bidi characters escaped, at most {@value #MAX_SERVER_MESSAGE} characters.
   */
  static String serverMessage(@Nullable JsonNode json, String raw, @Nullable String secret) {
    return safe(rawServerMessage(json, raw), secret);
  }

  /**
   * Makes server text printable: removes {@code secret} (before clipping, so no part of it
   * survives), bearer tokens and URL query strings ({@link Redact#text}), then escapes and clips
   * ({@link SafeText}, {@value #MAX_SERVER_MESSAGE} characters).
   *
   * @param text server text, any length; {@code null} gives {@code ""}
   * @param secret the token, or {@code null}
   */
  public static String safe(@Nullable String text, @Nullable String secret) {
    if (text == null) {
      return "";
    }
    if (secret != null && !secret.isBlank()) {
      text = text.replace(secret, "<redacted>");
    }
    return SafeText.of(Redact.text(text.strip()), MAX_SERVER_MESSAGE);
  }

  private static String rawServerMessage(@Nullable JsonNode json, String raw) {
    if (json == null) {
      return raw == null ? "" : raw;
    }
    if (!json.isObject()) {
      return json.isTextual() ? json.asText() : json.toString();
    }
    List<String> parts = new ArrayList<>();
    for (String field : List.of("error_message", "message", "error", "detail")) {
      JsonNode v = json.get(field);
      if (v != null && !v.isNull() && !v.isArray()) {
        parts.add(describe(v));
        break;
      }
    }
    JsonNode detail = json.get("detail");
    if (detail != null && detail.isArray()) {
      List<String> items = new ArrayList<>();
      for (JsonNode item : detail) {
        if (items.size() == MAX_DETAIL_ITEMS) {
          items.add("... (" + (detail.size() - MAX_DETAIL_ITEMS) + " more)");
          break;
        }
        items.add(detailItem(item));
      }
      parts.add(String.join("; ", items));
    }
    return String.join(": ", parts);
  }

  private static String detailItem(JsonNode item) {
    if (!item.isObject()) {
      return describe(item);
    }
    List<String> loc = new ArrayList<>();
    JsonNode l = item.get("loc");
    if (l != null && l.isArray()) {
      l.forEach(p -> loc.add(p.asText()));
    } else if (l != null && !l.isNull()) {
      loc.add(l.asText());
    }
    JsonNode m = item.get("msg");
    String msg = m == null || m.isNull() ? describe(item) : m.asText();
    return loc.isEmpty() ? msg : String.join(".", loc) + ": " + msg;
  }

  private static String describe(JsonNode v) {
    if (v.isTextual()) {
      return v.asText();
    }
    if (v.isObject() && v.hasNonNull("message")) {
      return v.get("message").asText();
    }
    return v.toString();
  }

  private static @Nullable JsonNode parse(String body) {
    return ApiJson.parse(body);
  }
}
