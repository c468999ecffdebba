package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EvidenceTest {
  private final Evidence a = Evidence.of("a:1");
  private final Evidence b = Evidence.of("b:2");
  private final Evidence none = Evidence.none();

  @Test
  void andHoldsOnlyWhenBothHoldAndKeepsBothCues() {
    assertThat(a.and(b).cues()).containsExactly("a:1", "b:2");
    assertThat(a.and(none).found()).isFalse();
    assertThat(none.and(a).found()).isFalse();
  }

  @Test
  void orKeepsTheFirstThatHolds() {
    assertThat(a.or(b).cues()).containsExactly("a:1");
    assertThat(none.or(b).cues()).containsExactly("b:2");
    assertThat(none.or(none).found()).isFalse();
  }

  @Test
  void unlessIsVetoedByAnyCueOfTheOther() {
    assertThat(a.unless(b).found()).isFalse();
    assertThat(a.unless(none).cues()).containsExactly("a:1");
  }

  @Test
  void aConditionWithoutCuesCanStillHold() {
    assertThat(Evidence.of(java.util.List.of()).found()).isTrue();
    assertThat(none.cues()).isEmpty();
  }
}
