package dev.editstream.core.event;

import java.util.List;

/**
 * Which model a job goes to, and why.
 *
 * @param modelId the RunComfy model_id, e.g. {@code google/nano-banana-2/edit}
 * @param rule the name of the routing rule that fired, e.g. {@code explicit-model}, {@code mask}
 * @param cues the cues of the job that matched the rule (words, counts, scripts)
 */
public record RouteDecision(String modelId, String rule, List<String> cues) {
  public RouteDecision {
    cues = cues == null ? List.of() : List.copyOf(cues);
  }
}
