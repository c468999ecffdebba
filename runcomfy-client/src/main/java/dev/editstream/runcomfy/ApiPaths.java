package dev.editstream.runcomfy;

import java.nio.charset.StandardCharsets;

/**
 * Builds RunComfy Model API paths (RunComfy docs, "Async queue endpoints"). Pure.
 *
 * <p>A {@code model_id} keeps its slashes ({@code
 * /models/blackforestlabs/flux-1-kontext/pro/edit}); each of its segments and the whole {@code
 * request_id} are percent-encoded (RFC 3986 unreserved characters stay), so an identifier can never
 * add a path segment, a query or a fragment.
 */
public final class ApiPaths {
  private ApiPaths() {}

  /**
   * {@code /models/{model_id}} (submit and catalog entry).
   *
   * @throws IllegalArgumentException when the id is empty or has an empty, {@code .} or {@code ..}
   *     segment
   */
  public static String model(String modelId) {
    if (modelId == null || modelId.isEmpty()) {
      throw new IllegalArgumentException("modelId: must not be empty");
    }
    StringBuilder sb = new StringBuilder("/models");
    for (String segment : modelId.split("/", -1)) {
      sb.append('/').append(segment("modelId", segment));
    }
    return sb.toString();
  }

  /** {@code /requests/{request_id}/status}. */
  public static String status(String requestId) {
    return request(requestId) + "/status";
  }

  /** {@code /requests/{request_id}/result}. */
  public static String result(String requestId) {
    return request(requestId) + "/result";
  }

  /** {@code /requests/{request_id}/cancel}. */
  public static String cancel(String requestId) {
    return request(requestId) + "/cancel";
  }

  private static String request(String requestId) {
    if (requestId == null || requestId.isEmpty()) {
      throw new IllegalArgumentException("requestId: must not be empty");
    }
    return "/requests/" + segment("requestId", requestId);
  }

  private static String segment(String field, String raw) {
    if (raw.isEmpty() || raw.equals(".") || raw.equals("..")) {
      throw new IllegalArgumentException(field + ": empty, '.' or '..' path segment");
    }
    StringBuilder sb = new StringBuilder();
    for (byte b : raw.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~') {
        sb.append((char) c);
      } else {
        sb.append('%')
            .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return sb.toString();
  }
}
