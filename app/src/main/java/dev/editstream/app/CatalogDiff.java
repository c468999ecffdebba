package dev.editstream.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.core.model.ModelSpec;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What changed between two catalogs (usually the live one against editstream's built-in snapshot):
 * models added and removed, and per model the fields added and removed, required fields, body field
 * roles and prices. Pure.
 */
final class CatalogDiff {
  private CatalogDiff() {}

  /**
   * @param now the catalog read now
   * @param before the catalog compared with
   * @return one line per change, sorted by model; empty when nothing changed
   */
  static List<String> lines(ModelCatalog now, ModelCatalog before) {
    List<String> out = new ArrayList<>();
    Set<String> ids = new TreeSet<>();
    now.all().forEach(m -> ids.add(m.modelId()));
    before.all().forEach(m -> ids.add(m.modelId()));
    for (String id : ids) {
      ModelSpec a = now.find(id).orElse(null);
      ModelSpec b = before.find(id).orElse(null);
      if (a == null) {
        String other = now.resolve(id).map(ModelSpec::modelId).orElse(null);
        out.add(other == null ? "- " + id + ": gone" : "~ " + id + ": now spelt " + other);
        continue;
      }
      if (b == null) {
        if (before.resolve(id).isEmpty()) {
          out.add("+ " + id + ": new (" + a.category() + ", " + price(a) + ")");
        }
        continue;
      }
      fields(id, a, b, out);
    }
    now.problems()
        .forEach((id, why) -> out.add("! " + id + ": input_schema not understood: " + why));
    return out;
  }

  private static void fields(String id, ModelSpec a, ModelSpec b, List<String> out) {
    Set<String> pa = names(a.inputSchema().path("properties"));
    Set<String> pb = names(b.inputSchema().path("properties"));
    Set<String> added = new TreeSet<>(pa);
    added.removeAll(pb);
    Set<String> removed = new TreeSet<>(pb);
    removed.removeAll(pa);
    if (!added.isEmpty()) {
      out.add("~ " + id + ": new fields " + String.join(", ", added));
    }
    if (!removed.isEmpty()) {
      out.add("~ " + id + ": fields gone " + String.join(", ", removed));
    }
    if (!new TreeSet<>(a.required()).equals(new TreeSet<>(b.required()))) {
      out.add("~ " + id + ": required " + b.required() + " -> " + a.required());
    }
    if (!a.fields().equals(b.fields())) {
      out.add("~ " + id + ": job fields " + roles(b.fields()) + " -> " + roles(a.fields()));
    }
    if (Math.abs(a.price().baseUsd() - b.price().baseUsd()) > 1e-9
        || !Objects.equals(a.price().unit(), b.price().unit())
        || !Objects.equals(a.price().mode(), b.price().mode())) {
      out.add("~ " + id + ": price " + price(b) + " -> " + price(a));
    }
  }

  private static Set<String> names(JsonNode props) {
    Set<String> s = new TreeSet<>();
    for (Iterator<String> it = props.fieldNames(); it.hasNext(); ) {
      s.add(it.next());
    }
    return s;
  }

  static String price(ModelSpec m) {
    return String.format(
        Locale.ROOT,
        "$%.4f/%s%s",
        m.price().baseUsd(),
        m.price().unit(),
        m.price().mode() == null ? "" : " " + m.price().mode());
  }

  private static String roles(ModelSpec.Fields f) {
    return "{prompt "
        + f.prompt()
        + ", images "
        + f.images()
        + (f.imagesArray() ? "[]" : "")
        + ", mask "
        + f.mask()
        + ", video "
        + f.video()
        + "}";
  }
}
