package dev.editstream.pipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OffsetTrackerTest {

  @Test
  void shouldOfferNothingBeforeAnyRecord() {
    assertThat(new OffsetTracker().committable()).isEqualTo(-1);
  }

  @Test
  void shouldCommitOnlyUpToTheFirstUnfinishedOffset() {
    OffsetTracker t = new OffsetTracker();
    for (long o = 10; o < 15; o++) {
      t.add(o);
    }
    t.complete(12);
    t.complete(13);
    assertThat(t.committable()).isEqualTo(10);
    t.complete(10);
    assertThat(t.committable()).isEqualTo(11);
    t.complete(11);
    assertThat(t.committable()).isEqualTo(14);
    t.complete(14);
    assertThat(t.committable()).isEqualTo(15);
    assertThat(t.inFlight()).isZero();
  }

  @Test
  void shouldNotOfferAnOffsetAlreadyCommitted() {
    OffsetTracker t = new OffsetTracker();
    t.add(0);
    t.complete(0);
    assertThat(t.committable()).isEqualTo(1);
    t.committed(1);
    assertThat(t.committable()).isEqualTo(-1);
    t.add(1);
    assertThat(t.committable()).isEqualTo(-1);
    t.complete(1);
    assertThat(t.committable()).isEqualTo(2);
  }

  @Test
  void shouldRefuseOffsetsOutOfOrder() {
    OffsetTracker t = new OffsetTracker();
    t.add(5);
    assertThatThrownBy(() -> t.add(5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> t.add(3)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldNeverCommitPastAnUnfinishedRecordUnderRandomCompletionOrders() {
    Random random = new Random(42);
    for (int round = 0; round < 200; round++) {
      OffsetTracker t = new OffsetTracker();
      int n = 1 + random.nextInt(50);
      List<Long> order = new ArrayList<>();
      for (long o = 0; o < n; o++) {
        t.add(o);
        order.add(o);
      }
      Collections.shuffle(order, random);
      java.util.Set<Long> done = new java.util.HashSet<>();
      for (long o : order) {
        t.complete(o);
        done.add(o);
        long c = t.committable();
        long expected = 0;
        while (done.contains(expected)) {
          expected++;
        }
        assertThat(c).isEqualTo(expected);
      }
      assertThat(t.committable()).isEqualTo(n);
    }
  }
}
