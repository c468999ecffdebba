package dev.editstream.core.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.editstream.core.model.CostEstimate;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Which model a job goes to, and why.
 *
 * @param modelId the RunComfy model_id, e.g. {@code google/nano-banana-2/edit}
 * @param rule the name of the routing rule that fired, e.g. {@code explicit-model}, {@code mask}
 * @param cues the cues of the job that matched the rule (words, counts, scripts)
 * @param warnings prompt-lint warnings (never failures), e.g. "no preservation clause"
 * @param estimate the expected cost from the catalog's price, or {@code null} when not estimated
 * @param language the prompt's language as the router identified it: an ISO 639-1 code ({@code
 *     de}), or {@code und} when it could not tell; {@code null} when not identified (an explicit
 *     {@code model}, events written before this field)
 * @param confidence how sure the identification is, 0 (a tie with another language) to 1 (no other
 *     language came close); {@code null} with {@code language}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RouteDecision(
    String modelId,
    String rule,
    List<String> cues,
    List<String> warnings,
    @Nullable CostEstimate estimate,
    @Nullable String language,
    @Nullable Double confidence) {
  public RouteDecision {
    cues = cues == null ? List.of() : List.copyOf(cues);
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
  }

  /** A decision without an identified language. */
  public RouteDecision(
      String modelId,
      String rule,
      List<String> cues,
      List<String> warnings,
      @Nullable CostEstimate estimate) {
    this(modelId, rule, cues, warnings, estimate, null, null);
  }

  /** A decision without warnings. */
  public RouteDecision(String modelId, String rule, List<String> cues) {
    this(modelId, rule, cues, List.of(), null);
  }

  /** A decision with warnings, not estimated. */
  public RouteDecision(String modelId, String rule, List<String> cues, List<String> warnings) {
    this(modelId, rule, cues, warnings, null);
  }

  /** A copy with these warnings. */
  public RouteDecision withWarnings(List<String> w) {
    return new RouteDecision(modelId, rule, cues, w, estimate, language, confidence);
  }

  /** A copy with this estimate. */
  public RouteDecision withEstimate(CostEstimate e) {
    return new RouteDecision(modelId, rule, cues, warnings, e, language, confidence);
  }

  /** A copy with the prompt's identified language and its confidence (0-1). */
  public RouteDecision withLanguage(String lang, Double conf) {
    return new RouteDecision(modelId, rule, cues, warnings, estimate, lang, conf);
  }
}
