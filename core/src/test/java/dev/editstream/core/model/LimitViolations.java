package dev.editstream.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The limit-violation bodies of {@code editstream/models/limit-violations.json} (core's test jar),
 * shared by the router's schema-check test and the emulator's client contract test, so both refuse
 * the same list.
 */
public final class LimitViolations {
  private LimitViolations() {}

  /** One body breaking one limit: the body, and the field and rule hint the refusal must name. */
  public record Violation(
      String model, String what, ObjectNode body, String field, String ruleHint) {
    @Override
    public String toString() {
      return model + ": " + what;
    }
  }

  private static JsonNode data() {
    try (java.io.InputStream in =
        LimitViolations.class.getResourceAsStream("/editstream/models/limit-violations.json")) {
      if (in == null) {
        throw new IOException("missing test resource editstream/models/limit-violations.json");
      }
      return Json.mapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fresh copy of the body {@code model} accepts. */
  public static ObjectNode valid(String model) {
    JsonNode v = data().path("valid").get(model);
    if (v == null) {
      throw new IllegalArgumentException("no valid body for " + model);
    }
    return (ObjectNode) v.deepCopy();
  }

  /** Every model that has a valid body. */
  public static List<String> models() {
    List<String> out = new ArrayList<>();
    data().path("valid").fieldNames().forEachRemaining(out::add);
    return out;
  }

  public static List<Violation> all() {
    List<Violation> out = new ArrayList<>();
    for (JsonNode v : data().path("violations")) {
      String model = v.path("model").asText();
      ObjectNode body = valid(model);
      v.path("urls")
          .properties()
          .forEach(
              e -> {
                ArrayNode arr = body.putArray(e.getKey());
                for (int i = 1; i <= e.getValue().asInt(); i++) {
                  arr.add("https://a.example/" + i + ".jpg");
                }
              });
      v.path("remove").forEach(f -> body.remove(f.asText()));
      v.path("rename")
          .properties()
          .forEach(e -> body.set(e.getValue().asText(), body.remove(e.getKey())));
      v.path("set").properties().forEach(e -> body.set(e.getKey(), e.getValue()));
      out.add(
          new Violation(
              model,
              v.path("what").asText(),
              body,
              v.path("field").asText(),
              v.path("rule_hint").asText()));
    }
    return out;
  }
}
