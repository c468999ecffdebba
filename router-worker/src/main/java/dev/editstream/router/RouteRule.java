package dev.editstream.router;

import dev.editstream.core.event.RouteDecision;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * One named row of the routing table: given a job's cues, either a decision or nothing (the next
 * rule is asked). Pure; the name is the {@code rule} of the {@link RouteDecision}.
 *
 * @param name the rule's name, e.g. {@code background-swap}
 * @param decide the decision, or empty when the rule does not apply
 */
public record RouteRule(String name, Function<JobCues, Optional<RouteDecision>> decide) {
  /** Both parts are required. */
  public RouteRule {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(decide, "decide");
  }

  /**
   * A rule that sends a job to one fixed model when {@code when} holds; the evidence's cues become
   * the decision's cues.
   */
  public static RouteRule to(String name, String modelId, Function<JobCues, Evidence> when) {
    return new RouteRule(
        name,
        c -> {
          Evidence e = when.apply(c);
          return e.found()
              ? Optional.of(new RouteDecision(modelId, name, e.cues()))
              : Optional.empty();
        });
  }

  /** Applies the rule to one job. */
  public Optional<RouteDecision> apply(JobCues cues) {
    return decide.apply(cues);
  }
}
