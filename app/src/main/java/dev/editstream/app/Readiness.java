package dev.editstream.app;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Whether a process is ready for work, and why not: the body of {@code /health/ready}. Pure.
 *
 * @param ready true when every check holds
 * @param reasons why not, one per failed check (empty when ready)
 */
public record Readiness(boolean ready, List<String> reasons) {
  /** Copies the reasons. */
  public Readiness {
    reasons = List.copyOf(reasons);
  }

  /**
   * Judges the checks.
   *
   * @param brokerReachable the cluster answered a metadata request lately
   * @param stagesAlive every stage of the process is consuming (or waiting for its assignment)
   * @param pausedReason why submission is paused by the account gate, or null
   */
  public static Readiness of(
      boolean brokerReachable, boolean stagesAlive, @Nullable String pausedReason) {
    List<String> why = new ArrayList<>();
    if (!brokerReachable) {
      why.add("the Kafka cluster does not answer");
    }
    if (!stagesAlive) {
      why.add("a stage stopped consuming");
    }
    if (pausedReason != null && !pausedReason.isBlank()) {
      why.add("submission paused: " + pausedReason);
    }
    return new Readiness(why.isEmpty(), why);
  }
}
