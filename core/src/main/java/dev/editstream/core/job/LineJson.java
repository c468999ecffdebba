package dev.editstream.core.job;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The JSON layer of a job line: a strict reader of its own (duplicate keys refused, at most {@value
 * JobLineParser#MAX_JSON_DEPTH} levels of nesting, nothing after the object; the shared {@code
 * Json.mapper()} is not touched) and syntax errors turned into a field path and a short rule.
 */
final class LineJson {
  private static final StreamReadConstraints LIMITS =
      StreamReadConstraints.builder().maxNestingDepth(JobLineParser.MAX_JSON_DEPTH).build();
  private static final JsonFactory STRICT_FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(LIMITS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();
  private static final JsonFactory LENIENT_FACTORY =
      JsonFactory.builder().streamReadConstraints(LIMITS).build();
  private static final ObjectMapper STRICT = new ObjectMapper(STRICT_FACTORY);

  private LineJson() {}

  /**
   * Reads a line that must be one JSON object.
   *
   * @param claim takes a candidate id for a line refused as a whole and returns it when it may be
   *     reported (valid and not used before), else {@code null}
   * @throws Refused naming the field the syntax broke in ("$" for the whole line)
   */
  static ObjectNode readObject(String text, UnaryOperator<String> claim) throws Refused {
    JsonNode node;
    try (JsonParser p = STRICT.createParser(text)) {
      try {
        node = STRICT.readTree(p);
      } catch (JsonProcessingException e) {
        throw syntax(text, p, e, claim);
      }
      try {
        if (p.nextToken() != null) {
          throw new Refused(
              claim.apply(idOf(node)), "$", "must be one JSON object with nothing after it");
        }
      } catch (JsonProcessingException e) {
        throw new Refused(
            claim.apply(idOf(node)),
            "$",
            "must be one JSON object with nothing after it ("
                + jacksonReason(String.valueOf(e.getOriginalMessage()))
                + ")");
      }
    } catch (IOException e) {
      throw new Refused(
          null, "$", "must be one JSON object (" + e.getClass().getSimpleName() + ")");
    }
    if (node == null || !node.isObject()) {
      String kind = node == null ? "nothing" : node.getNodeType().name().toLowerCase(Locale.ROOT);
      throw new Refused(
          null,
          "$",
          "must be one JSON object, was "
              + ("array".equals(kind) ? "an array" : kind.equals("nothing") ? kind : "a " + kind));
    }
    return (ObjectNode) node;
  }

  /** A syntax error: names the field it happened in when the parser was inside one. */
  private static Refused syntax(
      String text, JsonParser p, JsonProcessingException e, UnaryOperator<String> claim) {
    String msg = String.valueOf(e.getOriginalMessage());
    String lower = msg.toLowerCase(Locale.ROOT);
    JsonToken last = p.currentToken();
    // the break is inside a field's value when the parser stopped after its name, or inside its
    // string
    boolean inValue =
        last == JsonToken.FIELD_NAME
            || (last == JsonToken.VALUE_STRING
                && (lower.contains("string value") || lower.contains("escape")));
    String field = pathOf(p.getParsingContext(), inValue);
    String where = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
    String rule;
    if (msg.startsWith("Duplicate field")) {
      field = pathOf(p.getParsingContext(), true);
      rule = "must appear only once in its object (duplicate key" + where + ")";
    } else if (e instanceof StreamConstraintsException && msg.contains("nesting depth")) {
      String top = field.split("[.\\[]", 2)[0];
      field = top.isEmpty() ? "$" : top;
      rule =
          "must nest arrays and objects at most "
              + JobLineParser.MAX_JSON_DEPTH
              + " levels deep (the line is level 1"
              + where
              + ")";
    } else {
      rule = "must be valid JSON (" + jacksonReason(msg) + where + ")";
    }
    boolean idItself = field.equals("id");
    return new Refused(idItself ? null : claim.apply(readableId(text)), field, rule);
  }

  /** "params.loras[0]" for the context the parser stopped in; "$" at the top. */
  private static String pathOf(JsonStreamContext ctx, boolean includeCurrentName) {
    Deque<JsonStreamContext> chain = new ArrayDeque<>();
    for (JsonStreamContext c = ctx; c != null && !c.inRoot(); c = c.getParent()) {
      chain.addFirst(c);
    }
    String path = "";
    for (JsonStreamContext c : chain) {
      boolean innermost = c == ctx;
      if (c.inObject() && c.getCurrentName() != null && (!innermost || includeCurrentName)) {
        path = TextRules.child(path, c.getCurrentName());
      } else if (c.inArray() && !innermost) {
        path = path + "[" + Math.max(0, c.getCurrentIndex()) + "]";
      }
    }
    return path.isEmpty() ? "$" : path;
  }

  /**
   * Jackson's message, shortened to its first clause: no source excerpt, no advice on parser
   * features, at most 140 chars, invisible characters escaped.
   */
  private static String jacksonReason(String msg) {
    String m = msg;
    for (String cut :
        new String[] {
          "\n", " (start marker at", " (not recognized", ": enable `", "; enable `", " at [Source"
        }) {
      int i = m.indexOf(cut);
      if (i > 0) {
        m = m.substring(0, i);
      }
    }
    if (m.length() > 140) {
      int space = m.lastIndexOf(' ', 140);
      m = m.substring(0, space > 60 ? space : 140) + "...";
    }
    return TextRules.escapeInvisible(m);
  }

  private static @Nullable String idOf(JsonNode node) {
    return node != null && node.path("id").isTextual() ? node.get("id").asText() : null;
  }

  /**
   * The top-level string {@code id} read before the text breaks, or {@code null}; not yet checked.
   */
  static @Nullable String readableId(String text) {
    String found = null;
    try (JsonParser p = LENIENT_FACTORY.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      for (JsonToken t = p.nextToken(); t != null && found == null; t = p.nextToken()) {
        if (t == JsonToken.FIELD_NAME
            && p.getParsingContext().getParent().inRoot()
            && "id".equals(p.currentName())) {
          found = p.nextToken() == JsonToken.VALUE_STRING ? p.getText() : "";
        } else if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
          p.skipChildren();
        }
      }
    } catch (IOException | RuntimeException e) {
      // the break came first; whatever id was read before it is used below
    }
    return found;
  }
}
