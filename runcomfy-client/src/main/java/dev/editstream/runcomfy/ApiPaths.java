package dev.editstream.runcomfy;

import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Builds RunComfy Model API paths (RunComfy docs, "Async queue endpoints"). Pure.
 *
 * <p>A {@code model_id} keeps its slashes ({@code
 * /models/blackforestlabs/flux-1-kontext/pro/edit}); each of its segments and the whole {@code
 * request_id} are percent-encoded (RFC 3986 unreserved characters stay), so an identifier can never
 * add a path segment, a query or a fragment. Catalog query values are encoded the same way.
 */
public final class ApiPaths {
  /** The largest page RunComfy's catalog serves ({@code runcomfy-live-contract.md} §3). */
  public static final int MAX_MODELS_LIMIT = 500;

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

  /** {@code /models/categories}: the catalog's category names. */
  public static String categories() {
    return "/models/categories";
  }

  /**
   * {@code /models?search=&category=&kind=&include_schema=true&limit=&offset=}: one page of the
   * catalog ({@code runcomfy-live-contract.md} §3). Only the parameters given are sent, each
   * percent-encoded (RFC 3986 unreserved characters stay; a space is {@code %20}).
   *
   * @param search free text, or {@code null}/blank for none
   * @param category e.g. {@code image-to-image}, or {@code null}/blank for none
   * @param kind an entry kind, or {@code null}/blank for none
   * @param includeSchema whether to ask for each entry's {@code input_schema} (sent only when true)
   * @param limit page size 1..{@value #MAX_MODELS_LIMIT}, or 0 for RunComfy's default (not sent)
   * @param offset entries to skip, &gt;= 0 (0 is not sent)
   * @throws IllegalArgumentException naming {@code limit} or {@code offset} when out of range
   */
  public static String models(
      @Nullable String search,
      @Nullable String category,
      @Nullable String kind,
      boolean includeSchema,
      int limit,
      int offset) {
    if (limit < 0 || limit > MAX_MODELS_LIMIT) {
      throw new IllegalArgumentException(
          "limit: must be 1.." + MAX_MODELS_LIMIT + " (0 for the default), was " + limit);
    }
    if (offset < 0) {
      throw new IllegalArgumentException("offset: must be >= 0, was " + offset);
    }
    StringBuilder q = new StringBuilder();
    param(q, "search", search);
    param(q, "category", category);
    param(q, "kind", kind);
    param(q, "include_schema", includeSchema ? "true" : null);
    param(q, "limit", limit > 0 ? Integer.toString(limit) : null);
    param(q, "offset", offset > 0 ? Integer.toString(offset) : null);
    return "/models" + q;
  }

  /** {@code /requests/{request_id}/status}. */
  public static String status(String requestId) {
    return request(requestId) + "/status";
  }

  /** {@code /requests/{request_id}/result}. */
  public static String result(String requestId) {
    return request(requestId) + "/result";
  }

  /**
   * {@code /requests/{request_id}/result}, with {@code ?include_cost=true} when asked (adds the
   * request's {@code cost} in USD; {@code runcomfy-live-contract.md} §3).
   */
  public static String result(String requestId, boolean includeCost) {
    return result(requestId) + (includeCost ? "?include_cost=true" : "");
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

  private static void param(StringBuilder q, String name, @Nullable String value) {
    if (value == null || value.isBlank()) {
      return;
    }
    q.append(q.length() == 0 ? '?' : '&').append(name).append('=').append(encode(value.trim()));
  }

  private static String segment(String field, String raw) {
    if (raw.isEmpty() || raw.equals(".") || raw.equals("..")) {
      throw new IllegalArgumentException(field + ": empty, '.' or '..' path segment");
    }
    return encode(raw);
  }

  /** Percent-encodes every byte of the UTF-8 form except RFC 3986 unreserved characters. */
  private static String encode(String raw) {
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
