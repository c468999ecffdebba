package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AdmissionQueueTest {
  @Test
  void shouldNumberMembersInOrderAndPollTheHead() {
    AdmissionQueue q = new AdmissionQueue();
    long a = q.admit();
    long b = q.admit();
    long c = q.admit();
    assertThat(new long[] {a, b, c}).containsExactly(0, 1, 2);
    assertThat(q.position(c)).isEqualTo(3);
    assertThat(q.pollFirst()).isEqualTo(a);
    assertThat(q.position(a)).isZero();
    assertThat(q.position(b)).isEqualTo(1);
    assertThat(q.position(c)).isEqualTo(2);
    assertThat(q.size()).isEqualTo(2);
  }

  @Test
  void shouldCloseTheGapWhenAMemberInTheMiddleLeaves() {
    AdmissionQueue q = new AdmissionQueue();
    long a = q.admit();
    long b = q.admit();
    long c = q.admit();
    long d = q.admit();
    assertThat(q.remove(b)).isTrue();
    assertThat(q.remove(b)).isFalse();
    assertThat(q.position(c)).isEqualTo(2);
    assertThat(q.position(d)).isEqualTo(3);
    assertThat(q.pollFirst()).isEqualTo(a);
    assertThat(q.pollFirst()).isEqualTo(c);
    assertThat(q.position(d)).isEqualTo(1);
    assertThat(q.pollFirst()).isEqualTo(d);
    assertThat(q.pollFirst()).isEqualTo(-1);
    assertThat(q.size()).isZero();
  }

  @Test
  void shouldAgreeWithANaiveListOverTwentyThousandMembersAndRandomRemovals() {
    AdmissionQueue q = new AdmissionQueue();
    List<Long> naive = new ArrayList<>();
    SplittableRandom r = new SplittableRandom(11);
    for (int step = 0; step < 60_000; step++) {
      int op = r.nextInt(10);
      if (op < 6 || naive.isEmpty()) {
        naive.add(q.admit());
      } else if (op < 8) {
        assertThat(q.pollFirst()).isEqualTo(naive.remove(0));
      } else {
        long victim = naive.remove(r.nextInt(naive.size()));
        assertThat(q.remove(victim)).isTrue();
      }
      if (step % 997 == 0 && !naive.isEmpty()) {
        int i = r.nextInt(naive.size());
        assertThat(q.position(naive.get(i))).isEqualTo(i + 1);
      }
    }
    assertThat(q.size()).isEqualTo(naive.size()).isGreaterThan(5_000);
    for (int i = 0; i < naive.size(); i += 101) {
      assertThat(q.position(naive.get(i))).isEqualTo(i + 1);
    }
  }

  @Test
  void shouldKeepPositionsThroughWindowRebasesWhenTheQueueStaysShort() {
    AdmissionQueue q = new AdmissionQueue();
    for (int i = 0; i < 100_000; i++) {
      q.admit();
      if (q.size() > 3) {
        q.pollFirst();
      }
    }
    long last = q.admit();
    assertThat(q.position(last)).isEqualTo(4);
    assertThat(q.position(last - 3)).isEqualTo(1);
  }
}
