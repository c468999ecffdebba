package dev.editstream.app;

import dev.editstream.core.event.JobEvent;
import java.time.Instant;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which failed jobs {@code editstream failed} lists and {@code editstream replay} replays. Pure.
 * Every set criterion must hold; an empty set or {@code null} means "any".
 *
 * @param exitClasses exit classes, e.g. 69, 75
 * @param stages stage names: producer, router, poller, downloader
 * @param batches batch labels
 * @param ids job ids
 * @param since failed at or after this instant
 * @param until failed before this instant
 * @param reasons failure reasons, e.g. {@code budget}, {@code http_422}
 */
public record FailedFilter(
    Set<Integer> exitClasses,
    Set<String> stages,
    Set<String> batches,
    Set<String> ids,
    @Nullable Instant since,
    @Nullable Instant until,
    Set<String> reasons) {

  /** A filter without a reason criterion. */
  public FailedFilter(
      Set<Integer> exitClasses,
      Set<String> stages,
      Set<String> batches,
      Set<String> ids,
      @Nullable Instant since,
      @Nullable Instant until) {
    this(exitClasses, stages, batches, ids, since, until, Set.of());
  }

  public FailedFilter {
    exitClasses = exitClasses == null ? Set.of() : Set.copyOf(exitClasses);
    stages = stages == null ? Set.of() : Set.copyOf(stages);
    batches = batches == null ? Set.of() : Set.copyOf(batches);
    ids = ids == null ? Set.of() : Set.copyOf(ids);
    reasons = reasons == null ? Set.of() : Set.copyOf(reasons);
    if (since != null && until != null && !since.isBefore(until)) {
      throw new IllegalArgumentException("--since must be before --until");
    }
  }

  /** Whether a {@code failed} event matches. */
  public boolean matches(JobEvent failed) {
    if (failed.failure() == null) {
      return false;
    }
    return (exitClasses.isEmpty() || exitClasses.contains(failed.failure().exitClass().code()))
        && (stages.isEmpty() || stages.contains(failed.failure().stage().wire()))
        && (batches.isEmpty()
            || (failed.job() != null
                && failed.job().batch() != null
                && batches.contains(failed.job().batch())))
        && (ids.isEmpty() || ids.contains(failed.jobId()))
        && (since == null || !failed.at().isBefore(since))
        && (until == null || failed.at().isBefore(until))
        && (reasons.isEmpty() || reasons.contains(failed.failure().reasonText()));
  }
}
