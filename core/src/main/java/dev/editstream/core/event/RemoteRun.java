package dev.editstream.core.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/**
 * What RunComfy told about a finished request beyond its outputs: its actual price and whether it
 * ran past the job's deadline. Carried from {@code completed} to {@code done}.
 *
 * @param costUsd the actual cost in USD from {@code GET /requests/{id}/result?include_cost=true}
 *     ({@code runcomfy-live-contract.md} §3), summed over the parts of a split batch; {@code null}
 *     when RunComfy gave none
 * @param pastDeadline whether the request was still running at the job's deadline and could not be
 *     cancelled ({@code not_cancellable}): RunComfy finished and billed it, so it was followed to
 *     its end and downloaded
 * @param note a human sentence on the above, or {@code null}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RemoteRun(@Nullable Double costUsd, boolean pastDeadline, @Nullable String note) {
  /** A run with a known (or unknown: {@code null}) cost, within its deadline. */
  public static RemoteRun cost(@Nullable Double costUsd) {
    return new RemoteRun(costUsd, false, null);
  }

  /**
   * The runs of several requests of one job as one: costs summed (unknown if any is), flags or-ed.
   */
  public RemoteRun plus(@Nullable RemoteRun other) {
    if (other == null) {
      return this;
    }
    Double sum = costUsd == null || other.costUsd == null ? null : costUsd + other.costUsd;
    String n = note == null ? other.note : other.note == null ? note : note + "; " + other.note;
    return new RemoteRun(sum, pastDeadline || other.pastDeadline, n);
  }
}
