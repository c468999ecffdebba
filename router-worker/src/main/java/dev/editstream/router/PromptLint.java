package dev.editstream.router;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.core.event.RouteDecision;
import dev.editstream.core.job.Job;
import dev.editstream.core.model.ModelSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Warns about prompts that RunComfy's skills say work badly ({@code ../shared/docs/routing.md},
 * "Prompting tips"). Warnings only, never failures: the job is still submitted, and the warnings
 * travel on the {@link RouteDecision} into the {@code submitted} event. Like the router, every word
 * it looks for comes from the lexicons (all languages at once); the strength ranges and the models
 * that compose from numbered references come from {@code editstream/routing/lint.json}. Pure and
 * thread-safe.
 *
 * <p>Each warning is {@code <code>: <explanation>}, the codes being:
 *
 * <ul>
 *   <li>{@code no-preservation}: no {@code keep} cue ("keep ... unchanged", "保持", "sin cambios");
 *   <li>{@code several-edits}: two or more distinct {@code edit_action} cues (outside quoted text
 *       and preservation phrases such as "do not change"): split into sequential passes;
 *   <li>{@code unnumbered-references}: several images on a model that composes from references, and
 *       no {@code reference} cue ("image 1", "图2", "画像1");
 *   <li>{@code strength-range}: on an inpainting model (one that takes a mask), {@code
 *       params.strength} outside the range the skill gives for the prompt's intent (0.3-0.5
 *       retouch, 0.6-0.7 object replacement, 0.8-1.0 full-region replacement).
 * </ul>
 *
 * A blank prompt gets no warning (an explicit-model job may carry no prompt at all).
 */
public final class PromptLint {
  /** The lexicon category of preservation clauses. */
  public static final String PRESERVATION_CUE = "keep";

  /** The lexicon category of imperative edit verbs. */
  public static final String EDIT_CUE = "edit_action";

  /** The lexicon category of numbered references. */
  public static final String REFERENCE_CUE = "reference";

  private static final String DATA = "/editstream/routing/lint.json";

  /**
   * The strength the skill advises for one intent.
   *
   * @param intent a readable name, e.g. {@code retouch}
   * @param cue the lexicon category whose cues state this intent
   * @param min lowest advised strength, inclusive (0..1)
   * @param max highest advised strength, inclusive (0..1)
   */
  public record StrengthRange(String intent, String cue, double min, double max) {}

  private final Lexicon lexicon;
  private final Set<String> referenceModels;
  private final Set<String> strengthCategories;
  private final List<StrengthRange> ranges;

  /**
   * @param lexicon the cue words; must define {@code keep}, {@code edit_action}, {@code reference}
   *     and every range's cue category
   * @param referenceModels model_ids that compose from numbered references
   * @param strengthCategories model categories whose {@code strength} is checked (e.g. {@code
   *     image-inpainting})
   * @param ranges the strength ranges, in priority order (the first whose cue the prompt has wins)
   * @throws IllegalArgumentException if the lexicon lacks a category this lint needs
   */
  public PromptLint(
      Lexicon lexicon,
      Set<String> referenceModels,
      Set<String> strengthCategories,
      List<StrengthRange> ranges) {
    this.lexicon = lexicon;
    this.referenceModels = Set.copyOf(referenceModels);
    this.strengthCategories = Set.copyOf(strengthCategories);
    this.ranges = List.copyOf(ranges);
    Set<String> needed = new HashSet<>(List.of(PRESERVATION_CUE, EDIT_CUE, REFERENCE_CUE));
    ranges.forEach(r -> needed.add(r.cue()));
    for (String c : needed) {
      if (!lexicon.categories().contains(c)) {
        throw new IllegalArgumentException("prompt lint: no lexicon defines the cue category " + c);
      }
    }
  }

  /** The lint over the built-in lexicons and {@code editstream/routing/lint.json}. */
  public static PromptLint builtIn() {
    return of(Lexicon.builtIn());
  }

  /**
   * The lint over {@code lexicon} with the data of {@code editstream/routing/lint.json}.
   *
   * @throws UncheckedIOException if the data file is missing or not JSON
   */
  public static PromptLint of(Lexicon lexicon) {
    JsonNode data;
    try (InputStream in = PromptLint.class.getResourceAsStream(DATA)) {
      if (in == null) {
        throw new IOException("missing resource " + DATA);
      }
      data = Json.mapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the prompt-lint data " + DATA, e);
    }
    List<StrengthRange> ranges = new ArrayList<>();
    for (JsonNode r : data.path("strength")) {
      ranges.add(
          new StrengthRange(
              r.path("intent").asText(),
              r.path("cue").asText(),
              r.path("min").asDouble(),
              r.path("max").asDouble()));
    }
    return new PromptLint(
        lexicon,
        texts(data.path("reference_models")),
        texts(data.path("strength_categories")),
        ranges);
  }

  private static Set<String> texts(JsonNode array) {
    Set<String> out = new HashSet<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /**
   * Lints one routed job.
   *
   * @param job the job
   * @param route where the router sent it
   * @param spec the model it was sent to
   * @return the warnings, in the order of the class description; empty when none
   */
  public List<String> lint(Job job, RouteDecision route, ModelSpec spec) {
    String prompt = Lexicon.normalized(job.prompt());
    List<String> out = new ArrayList<>();
    if (prompt.isBlank()) {
      return out;
    }
    if (route.language() != null
        && !LanguageId.UNDETERMINED.equals(route.language())
        && !lexicon.languages().contains(route.language())) {
      // no lexicon reads this language: every check below would be a guess (the router's
      // uncovered-language warning says so once)
      return out;
    }
    if (lexicon.find(PRESERVATION_CUE, prompt).isEmpty()) {
      out.add(
          "no-preservation: the prompt does not say what must stay unchanged; lead with it"
              + " (\"keep the face, pose and lighting unchanged\"), then the change");
    }
    String unquoted = withoutQuotes(prompt);
    String edits = lexicon.blank(PRESERVATION_CUE, unquoted);
    List<String> actions = lexicon.find(EDIT_CUE, edits);
    if (actions.size() >= 2) {
      out.add(
          "several-edits: "
              + actions.size()
              + " edits in one prompt ("
              + String.join(", ", actions)
              + "); compound edits drift, split them into sequential passes (one job per edit)");
    }
    int n = job.images().size();
    if (n >= 2
        && referenceModels.contains(route.modelId())
        && lexicon.find(REFERENCE_CUE, prompt).isEmpty()) {
      out.add(
          "unnumbered-references: "
              + n
              + " images but the prompt does not number them;"
              + " refer to them as image 1, image 2, ... (image 1 is the primary)");
    }
    strength(job, spec, intentText(unquoted, edits)).ifPresent(out::add);
    return out;
  }

  private Optional<String> strength(Job job, ModelSpec spec, String intentText) {
    Object s = job.params().get("strength");
    if (!(s instanceof Number num)
        || (spec.fields().mask() == null && !strengthCategories.contains(spec.category()))) {
      return Optional.empty();
    }
    double v = num.doubleValue();
    for (StrengthRange r : ranges) {
      List<String> cues = lexicon.find(r.cue(), intentText);
      if (!cues.isEmpty()) {
        if (v < r.min() || v > r.max()) {
          return Optional.of(
              "strength-range: strength "
                  + fmt(v)
                  + " is outside "
                  + fmt(r.min())
                  + "-"
                  + fmt(r.max())
                  + " advised for a "
                  + r.intent()
                  + " (cue "
                  + r.cue()
                  + ":"
                  + cues.get(0)
                  + ")");
        }
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /**
   * The text that states the edit's intent: the clauses without a preservation cue ("keep the
   * background, replace the cup" states an object replacement), or, when every clause has one, the
   * whole text with the preservation cues blanked.
   */
  private String intentText(String unquoted, String blanked) {
    StringBuilder b = new StringBuilder();
    for (String clause :
        unquoted.split("[.,;:!?\\n\u3002\uFF0C\uFF1B\uFF01\uFF1F\u3001\u060C\u061B]")) {
      if (lexicon.find(PRESERVATION_CUE, clause).isEmpty()) {
        b.append(clause).append(' ');
      }
    }
    return b.toString().isBlank() ? blanked : b.toString();
  }

  private String withoutQuotes(String prompt) {
    String out = prompt;
    for (String q : lexicon.quoted(prompt)) {
      out = out.replace(q, " ".repeat(q.length()));
    }
    return out;
  }

  private static String fmt(double d) {
    return d == Math.rint(d)
        ? String.format(Locale.ROOT, "%.1f", d)
        : String.format(Locale.ROOT, "%s", d);
  }
}
