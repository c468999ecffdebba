package dev.editstream.pipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ViewResumeTest {
  private static final String ID = ViewResume.identity(1, Map.of("t.done", "A", "t.failed", "B"));

  @Test
  void shouldNameFormatAndTopicsWithTheirIdsInAStableOrder() {
    assertThat(ID).isEqualTo("v1 t.done=A t.failed=B");
    assertThat(ViewResume.identity(1, Map.of("t.failed", "B", "t.done", "A"))).isEqualTo(ID);
    assertThat(ViewResume.identity(2, Map.of("t.done", "A", "t.failed", "B"))).isNotEqualTo(ID);
  }

  @Test
  void shouldResumeFromTheCheckpointWhenTheTopicsAreTheSameAndTheOffsetsInRange() {
    ViewResume.Plan<String> p =
        ViewResume.plan(
            ID,
            ID,
            Map.of("d0", 10L, "d1", 0L, "f0", 7L),
            Map.of("d0", 0L, "d1", 0L, "f0", 3L, "f1", 0L),
            Map.of("d0", 12L, "d1", 0L, "f0", 7L, "f1", 5L));
    assertThat(p.reset()).isFalse();
    assertThat(p.why()).isEmpty();
    // f1 is new since the checkpoint: absent, so read from its beginning
    assertThat(p.from()).isEqualTo(Map.of("d0", 10L, "d1", 0L, "f0", 7L));
  }

  @Test
  void shouldStartOverForANewStore() {
    ViewResume.Plan<String> p = ViewResume.plan(null, ID, Map.of(), Map.of("d0", 0L), Map.of());
    assertThat(p.reset()).isTrue();
    assertThat(p.why()).isEqualTo("new store");
    assertThat(p.from()).isEmpty();
  }

  @Test
  void shouldStartOverWhenTheTopicIdsChanged() {
    String other = ViewResume.identity(1, Map.of("t.done", "A2", "t.failed", "B"));
    ViewResume.Plan<String> p =
        ViewResume.plan(ID, other, Map.of("d0", 3L), Map.of("d0", 0L), Map.of("d0", 9L));
    assertThat(p.reset()).isTrue();
    assertThat(p.why()).contains("deleted and made again");
    assertThat(p.from()).isEmpty();
  }

  @Test
  void shouldStartOverWhenACheckpointLiesPastItsPartitionsEnd() {
    ViewResume.Plan<String> p =
        ViewResume.plan(ID, ID, Map.of("d0", 10L), Map.of("d0", 0L), Map.of("d0", 9L));
    assertThat(p.reset()).isTrue();
    assertThat(p.why()).isEqualTo("partition d0: checkpoint 10 is past its end 9");
    assertThat(p.from()).isEmpty();
  }

  @Test
  void shouldStartOverWhenRecordsTheStoreNeverReadWereDeleted() {
    ViewResume.Plan<String> p =
        ViewResume.plan(ID, ID, Map.of("d0", 4L), Map.of("d0", 6L), Map.of("d0", 9L));
    assertThat(p.reset()).isTrue();
    assertThat(p.why())
        .isEqualTo("partition d0: records 4..5 were deleted before the store read them");
  }

  @Test
  void shouldAcceptCheckpointsAtTheExactEndsOfTheRange() {
    ViewResume.Plan<String> p =
        ViewResume.plan(
            ID, ID, Map.of("a", 6L, "b", 9L), Map.of("a", 6L, "b", 0L), Map.of("a", 8L, "b", 9L));
    assertThat(p.reset()).isFalse();
    assertThat(p.from()).isEqualTo(Map.of("a", 6L, "b", 9L));
  }

  @Test
  void shouldIgnoreACheckpointOfAPartitionThatNoLongerExists() {
    ViewResume.Plan<String> p =
        ViewResume.plan(ID, ID, Map.of("a", 6L, "gone", 9L), Map.of("a", 0L), Map.of("a", 8L));
    assertThat(p.reset()).isFalse();
    assertThat(p.from()).isEqualTo(Map.of("a", 6L));
  }
}
