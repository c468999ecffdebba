package dev.editstream.core.job;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The rules for a job's {@code params} (extra model fields copied into the request body): a JSON
 * object of at most {@value #MAX_KEYS} keys per object, nested at most {@value #MAX_DEPTH} levels
 * (the params object itself is level 1), arrays of at most {@value #MAX_ARRAY_ITEMS} items, keys
 * like {@code aspect_ratio}, strings of at most {@value #MAX_STRING_CHARS} chars without control
 * characters other than tab and line breaks, finite numbers, no {@code null}s, no keys the job's
 * own fields set, and any URL-looking string a public https URL. Pure.
 */
final class ParamsRules {
  static final int MAX_KEYS = 50;
  static final int MAX_DEPTH = 5;
  static final int MAX_ARRAY_ITEMS = 500;
  static final int MAX_STRING_CHARS = 2048;

  /** Keys filled from the job's own fields (prompt, images, mask, video). */
  static final List<String> RESERVED =
      List.of(
          "prompt",
          "image_urls",
          "images",
          "image_url",
          "mask_image_url",
          "video",
          "video_url",
          "text");

  private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,63}");
  private static final Pattern URL_LIKE =
      Pattern.compile(
          "(?i)^\\s*([a-z][a-z0-9+.-]*://|(data|javascript|file|vbscript):).*", Pattern.DOTALL);

  /** The outcome: exactly one of {@code value} and ({@code field}, {@code rule}) is set. */
  record Checked(
      @Nullable Map<String, Object> value, @Nullable String field, @Nullable String rule) {}

  private ParamsRules() {}

  /**
   * Checks and converts a params object.
   *
   * @param params the {@code params} node, an object
   * @return the params as a map (ints as Integer/Long/BigInteger, decimals as Double/BigDecimal,
   *     arrays as lists, objects as ordered maps), or the first field and rule broken
   */
  static Checked check(JsonNode params) {
    for (String reserved : RESERVED) {
      if (params.has(reserved)) {
        return new Checked(
            null, "params." + reserved, "is set from the job's own fields; remove it from params");
      }
    }
    Walk w = new Walk();
    Object value = w.convert(params, "params", 1);
    if (w.field != null) {
      return new Checked(null, w.field, w.rule);
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> map = (Map<String, Object>) value;
    return new Checked(map, null, null);
  }

  /** One walk over the tree; stops at the first rule broken. */
  private static final class Walk {
    @Nullable String field;
    @Nullable String rule;

    @Nullable Object convert(JsonNode n, String path, int depth) {
      if (n.isObject()) {
        if (depth > MAX_DEPTH) {
          return fail(path, "must nest at most " + MAX_DEPTH + " levels deep (params is level 1)");
        }
        if (n.size() > MAX_KEYS) {
          return fail(path, "must hold at most " + MAX_KEYS + " keys, held " + n.size());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : n.properties()) {
          if (field != null) {
            break;
          }
          if (!KEY.matcher(e.getKey()).matches()) {
            return fail(
                TextRules.child(path, e.getKey()),
                "must be a key of letters, digits, '_', '.' or '-' (at most 64, not starting with a digit)");
          }
          m.put(e.getKey(), convert(e.getValue(), path + "." + e.getKey(), depth + 1));
        }
        return m;
      }
      if (n.isArray()) {
        if (depth > MAX_DEPTH) {
          return fail(path, "must nest at most " + MAX_DEPTH + " levels deep (params is level 1)");
        }
        if (n.size() > MAX_ARRAY_ITEMS) {
          return fail(path, "must hold at most " + MAX_ARRAY_ITEMS + " items, held " + n.size());
        }
        List<Object> l = new ArrayList<>(n.size());
        for (int i = 0; i < n.size() && field == null; i++) {
          l.add(convert(n.get(i), path + "[" + i + "]", depth + 1));
        }
        return l;
      }
      if (n.isNull()) {
        return fail(path, "must not be null (leave the key out to use the model's default)");
      }
      if (n.isTextual()) {
        return text(n.asText(), path);
      }
      if (n.isNumber()) {
        if ((n.isDouble() || n.isFloat()) && !Double.isFinite(n.doubleValue())) {
          return fail(path, "must be a finite number");
        }
        return n.numberValue();
      }
      if (n.isBoolean()) {
        return n.booleanValue();
      }
      return fail(path, "must be a JSON string, number, boolean, array or object");
    }

    private @Nullable Object text(String s, String path) {
      if (s.length() > MAX_STRING_CHARS) {
        return fail(
            path,
            "must be a string of at most " + MAX_STRING_CHARS + " characters, was " + s.length());
      }
      String r = TextRules.controlChars(s, true);
      if (r == null) {
        r = TextRules.unpairedSurrogates(s);
      }
      if (r == null && URL_LIKE.matcher(s).matches()) {
        r = UrlRules.check(s);
      }
      return r == null ? s : fail(path, r);
    }

    private @Nullable Object fail(String path, String why) {
      if (field == null) {
        field = path;
        rule = why;
      }
      return null;
    }
  }
}
