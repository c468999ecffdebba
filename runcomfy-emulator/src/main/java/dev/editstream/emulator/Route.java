package dev.editstream.emulator;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Which endpoint an HTTP method and path address. Pure: parses strings, no HTTP types.
 *
 * <p>Paths follow RunComfy's Model API ({@code ../shared/docs/runcomfy-model-api.md}) under {@code
 * /v1}, plus {@code /files/{request_id}/{name}} for the emulator's output files and {@code
 * /_emulator/...} for its own control endpoints (stats, synthetic blobs), and {@code
 * /prod/v2/balance}, RunComfy's balance endpoint (runcomfy-live-contract.md §3; on RunComfy it
 * lives on another host, {@code api.runcomfy.net}). A model_id keeps its slashes, so {@code
 * /v1/models/{model_id...}} is the catalog entry on GET and a submit on POST; {@code GET
 * /v1/models/categories} is the category list, never a model.
 */
public sealed interface Route {
  /**
   * Segments allowed as a request_id or a file name: letters, digits, {@code . _ -}, not dots only.
   */
  Pattern SEGMENT = Pattern.compile("(?!\\.+$)[A-Za-z0-9._-]{1,200}");

  /**
   * {@code POST /v1/models/{model_id}}.
   *
   * @param modelId the model_id, slashes kept
   */
  record Submit(String modelId) implements Route {}

  /**
   * {@code GET /v1/models/{model_id}}.
   *
   * @param modelId the model_id, slashes kept
   */
  record GetModel(String modelId) implements Route {}

  /** {@code GET /v1/models}. */
  record ListModels() implements Route {}

  /** {@code GET /v1/models/categories}. */
  record ListCategories() implements Route {}

  /** {@code GET /prod/v2/balance}. */
  record Balance() implements Route {}

  /**
   * {@code GET /v1/requests/{id}/status}.
   *
   * @param requestId the request_id
   */
  record Status(String requestId) implements Route {}

  /**
   * {@code GET /v1/requests/{id}/result}.
   *
   * @param requestId the request_id
   */
  record Result(String requestId) implements Route {}

  /**
   * {@code POST /v1/requests/{id}/cancel}.
   *
   * @param requestId the request_id
   */
  record Cancel(String requestId) implements Route {}

  /**
   * {@code GET /files/{request_id}/{name}}: an output file, served without authentication.
   *
   * @param requestId the job's request_id
   * @param name the file name
   */
  record OutputFile(String requestId, String name) implements Route {}

  /** {@code GET /_emulator/stats}: the emulator's counters as JSON, no token needed. */
  record Stats() implements Route {}

  /**
   * {@code GET /_emulator/blob/{bytes}[/{name}]}: a synthetic download of {@code bytes} bytes, no
   * token needed, signed like output files.
   *
   * @param bytes the size asked for, bytes (range-checked by the handler)
   * @param name the optional file name segment, else {@code null}
   */
  record Blob(long bytes, @Nullable String name) implements Route {}

  /**
   * {@code GET /_emulator/blob-url?bytes=N}: a signed blob URL, for benchmarks in another process.
   */
  record BlobUrl() implements Route {}

  /** A known path with the wrong method (405). */
  record MethodNotAllowed() implements Route {}

  /** No such endpoint (404). */
  record NotFound() implements Route {}

  /** Whether this endpoint requires {@code Authorization: Bearer <token>} (every API endpoint). */
  default boolean needsAuth() {
    return this instanceof Submit
        || this instanceof GetModel
        || this instanceof ListModels
        || this instanceof ListCategories
        || this instanceof Balance
        || this instanceof Status
        || this instanceof Result
        || this instanceof Cancel;
  }

  /**
   * Parses a request line.
   *
   * @param method the HTTP method, upper case
   * @param path the decoded path without query string
   * @return the route; never {@code null}
   */
  static Route of(String method, String path) {
    String p =
        path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    boolean get = "GET".equals(method);
    boolean post = "POST".equals(method);
    if (p.equals("/v1/models")) {
      return get ? new ListModels() : new MethodNotAllowed();
    }
    if (p.equals("/v1/models/categories") && get) {
      return new ListCategories();
    }
    if (p.equals("/prod/v2/balance")) {
      return get ? new Balance() : new MethodNotAllowed();
    }
    if (p.startsWith("/v1/models/")) {
      String id = p.substring("/v1/models/".length());
      if (java.util.Arrays.stream(id.split("/", -1))
          .anyMatch(seg -> seg.isEmpty() || seg.equals("..") || seg.equals("."))) {
        return new NotFound();
      }
      return get ? new GetModel(id) : post ? new Submit(id) : new MethodNotAllowed();
    }
    String[] s = p.split("/", -1);
    if (s.length == 5
        && s[0].isEmpty()
        && s[1].equals("v1")
        && s[2].equals("requests")
        && SEGMENT.matcher(s[3]).matches()) {
      return switch (s[4]) {
        case "status" -> get ? new Status(s[3]) : new MethodNotAllowed();
        case "result" -> get ? new Result(s[3]) : new MethodNotAllowed();
        case "cancel" -> post ? new Cancel(s[3]) : new MethodNotAllowed();
        default -> new NotFound();
      };
    }
    if (p.startsWith("/_emulator/")) {
      return control(s, get);
    }
    if (s.length == 4
        && s[0].isEmpty()
        && s[1].equals("files")
        && SEGMENT.matcher(s[2]).matches()
        && SEGMENT.matcher(s[3]).matches()) {
      return get ? new OutputFile(s[2], s[3]) : new MethodNotAllowed();
    }
    return new NotFound();
  }

  private static Route control(String[] s, boolean get) {
    if (s.length == 3 && (s[2].equals("stats") || s[2].equals("blob-url"))) {
      return !get ? new MethodNotAllowed() : s[2].equals("stats") ? new Stats() : new BlobUrl();
    }
    if ((s.length == 4 || s.length == 5)
        && s[2].equals("blob")
        && s[3].matches("[0-9]{1,12}")
        && (s.length == 4 || SEGMENT.matcher(s[4]).matches())) {
      return get
          ? new Blob(Long.parseLong(s[3]), s.length == 5 ? s[4] : null)
          : new MethodNotAllowed();
    }
    return new NotFound();
  }
}
