package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.pipeline.stage.StageRunner;
import org.junit.jupiter.api.Test;

/**
 * Issue 19, scenario (a): a batch's wall time counts from the later of the first job's publication
 * and the router's first assignment, as {@link System#nanoTime()} values are compared (by
 * difference, so across the counter's wrap too).
 */
class BatchRunWallStartTest {
  @Test
  void shouldCountFromTheRoutersAssignmentWhenTheJobsWerePublishedBeforeIt() {
    assertThat(BatchRun.later(1_000, 1_500)).isEqualTo(1_500);
  }

  @Test
  void shouldCountFromThePublicationWhenTheRouterWasAssignedBeforeIt() {
    assertThat(BatchRun.later(1_500, 1_000)).isEqualTo(1_500);
    assertThat(BatchRun.later(1_500, 1_500)).isEqualTo(1_500);
  }

  @Test
  void shouldCountFromThePublicationWhileTheRouterHasNoPartitions() {
    assertThat(BatchRun.later(1_500, StageRunner.NOT_ASSIGNED)).isEqualTo(1_500);
    assertThat(BatchRun.later(Long.MIN_VALUE + 1, StageRunner.NOT_ASSIGNED))
        .isEqualTo(Long.MIN_VALUE + 1);
  }

  @Test
  void shouldCompareReadingsAcrossTheNanoTimeWrap() {
    long published = Long.MAX_VALUE - 10;
    long assigned = Long.MIN_VALUE + 10; // 21 ns later, past the wrap
    assertThat(BatchRun.later(published, assigned)).isEqualTo(assigned);
    assertThat(BatchRun.later(assigned, published)).isEqualTo(assigned);
  }
}
