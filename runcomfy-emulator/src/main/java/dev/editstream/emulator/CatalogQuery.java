package dev.editstream.emulator;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The query of {@code GET /v1/models?search=&category=&kind=&include_schema=true&limit=&offset=}
 * (runcomfy-live-contract.md §3). Pure. Matching is what a plain server does: no spelling tolerance
 * ({@code wan-2-7} does not find {@code wan-2.7}).
 *
 * @param limit page size, 1..{@value #MAX_LIMIT}, default {@value #DEFAULT_LIMIT}
 * @param offset entries skipped, {@code >= 0}, default 0
 * @param search case-insensitive substring of model_id or display_name, or {@code null}
 * @param category an exact category (e.g. {@code edit-video}) the model must list, or {@code null}
 * @param kind the exact kind (e.g. {@code video}), or {@code null}
 * @param includeSchema whether entries carry {@code input_schema}
 */
public record CatalogQuery(
    int limit,
    int offset,
    @Nullable String search,
    @Nullable String category,
    @Nullable String kind,
    boolean includeSchema) {
  /** Default page size. */
  public static final int DEFAULT_LIMIT = 50;

  /** Largest page size. */
  public static final int MAX_LIMIT = 500;

  /**
   * Reads the query parameters (first value of each).
   *
   * @throws IllegalArgumentException with message {@code "<param>: <rule>"} for a bad limit, offset
   *     or include_schema
   */
  public static CatalogQuery parse(Map<String, List<String>> params) {
    int limit = integer(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    int offset = integer(params, "offset", 0, 0, Integer.MAX_VALUE);
    String search = first(params, "search");
    String category = first(params, "category");
    String schema = first(params, "include_schema");
    boolean include = false;
    if (schema != null) {
      if (schema.equalsIgnoreCase("true") || schema.equals("1")) {
        include = true;
      } else if (!(schema.equalsIgnoreCase("false") || schema.equals("0"))) {
        throw new IllegalArgumentException("include_schema: must be true or false");
      }
    }
    return new CatalogQuery(
        limit,
        offset,
        blankToNull(search),
        blankToNull(category),
        blankToNull(first(params, "kind")),
        include);
  }

  /** The models matching search, category and kind, in the given order. */
  public List<EmulatorModel> filter(List<EmulatorModel> all) {
    String s = search == null ? null : search.toLowerCase(Locale.ROOT);
    return all.stream()
        .filter(
            m ->
                s == null
                    || m.modelId().toLowerCase(Locale.ROOT).contains(s)
                    || m.displayName().toLowerCase(Locale.ROOT).contains(s))
        .filter(m -> category == null || m.categories().contains(category))
        .filter(m -> kind == null || kind.equals(m.kind()))
        .toList();
  }

  /** The page {@code [offset, offset + limit)} of {@code matching}. */
  public List<EmulatorModel> page(List<EmulatorModel> matching) {
    int from = Math.min(offset, matching.size());
    return matching.subList(from, Math.min(matching.size(), from + limit));
  }

  private static int integer(
      Map<String, List<String>> params, String name, int dflt, int min, int max) {
    String v = first(params, name);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n < min || n > max) {
        throw new IllegalArgumentException(name + ": must be between " + min + " and " + max);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + ": must be an integer");
    }
  }

  private static @Nullable String first(Map<String, List<String>> params, String name) {
    List<String> v = params.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  private static @Nullable String blankToNull(@Nullable String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
