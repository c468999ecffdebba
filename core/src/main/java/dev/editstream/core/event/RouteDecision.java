package dev.editstream.core.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.editstream.core.model.CostEstimate;
import java.util.List;

/**
 * Which model a job goes to, and why.
 *
 * @param modelId the RunComfy model_id, e.g. {@code google/nano-banana-2/edit}
 * @param rule the name of the routing rule that fired, e.g. {@code explicit-model}, {@code mask}
 * @param cues the cues of the job that matched the rule (words, counts, scripts)
 * @param warnings prompt-lint warnings (never failures), e.g. "no preservation clause"
 * @param estimate the expected cost from the catalog's price, or {@code null} when not estimated
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RouteDecision(String modelId, String rule, List<String> cues, List<String> warnings, CostEstimate estimate) {
  public RouteDecision {
    cues = cues == null ? List.of() : List.copyOf(cues);
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
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
    return new RouteDecision(modelId, rule, cues, w, estimate);
  }

  /** A copy with this estimate. */
  public RouteDecision withEstimate(CostEstimate e) {
    return new RouteDecision(modelId, rule, cues, warnings, e);
  }
}
