package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.editstream.emulator.JobBook.State;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class JobBookTest {
  static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
  static final FaultPlan.JobDraw OK = new FaultPlan.JobDraw(false, 100);

  static JobBook bookWith(int concurrency, String... ids) {
    JobBook b = new JobBook(concurrency);
    for (String id : ids) {
      b.submit(id, "m", JsonNodeFactory.instance.objectNode(), OK, T0);
    }
    return b;
  }

  @Test
  void shouldQueueNewJobsUntilStarted() {
    JobBook b = bookWith(2, "a");
    assertThat(b.find("a").orElseThrow().state()).isEqualTo(State.IN_QUEUE);
    assertThat(b.queuePosition("a")).hasValue(1);
  }

  @Test
  void shouldStartAtMostConcurrencyJobsInOrderAndNumberTheRest() {
    JobBook b = bookWith(2, "a", "b", "c", "d");
    assertThat(b.startReady()).extracting(JobBook.Entry::requestId).containsExactly("a", "b");
    assertThat(b.startReady()).isEmpty();
    assertThat(b.running()).isEqualTo(2);
    assertThat(b.find("b").orElseThrow().state()).isEqualTo(State.IN_PROGRESS);
    assertThat(b.queuePosition("a")).isEmpty();
    assertThat(b.queuePosition("c")).hasValue(1);
    assertThat(b.queuePosition("d")).hasValue(2);
  }

  @Test
  void shouldFreeASlotWhenAJobCompletesOrFails() {
    JobBook b = bookWith(1, "a", "b", "c");
    b.startReady();
    JobBook.Entry done =
        b.complete("a", JsonNodeFactory.instance.objectNode().put("video", "u"), T0.plusSeconds(3));
    assertThat(done.state()).isEqualTo(State.COMPLETED);
    assertThat(done.finishedAt()).isEqualTo(T0.plusSeconds(3));
    assertThat(done.output().path("video").asText()).isEqualTo("u");
    assertThat(b.startReady()).extracting(JobBook.Entry::requestId).containsExactly("b");
    JobBook.Entry failed = b.fail("b", "boom", T0.plusSeconds(4));
    assertThat(failed.state()).isEqualTo(State.FAILED);
    assertThat(failed.error()).isEqualTo("boom");
    assertThat(b.startReady()).extracting(JobBook.Entry::requestId).containsExactly("c");
  }

  @Test
  void shouldCancelOnlyQueuedJobs() {
    JobBook b = bookWith(1, "a", "b", "c");
    b.startReady();
    JobBook.CancelResult queued = b.cancel("b", T0.plusSeconds(1)).orElseThrow();
    JobBook.CancelResult running = b.cancel("a", T0.plusSeconds(1)).orElseThrow();
    JobBook.CancelResult again = b.cancel("b", T0.plusSeconds(2)).orElseThrow();

    assertThat(queued.cancelled()).isTrue();
    assertThat(queued.entry().state()).isEqualTo(State.CANCELLED);
    assertThat(queued.entry().finishedAt()).isEqualTo(T0.plusSeconds(1));
    assertThat(running.cancelled()).isFalse();
    assertThat(running.entry().state()).isEqualTo(State.IN_PROGRESS);
    assertThat(again.cancelled()).isFalse();
    assertThat(b.queuePosition("c")).hasValue(1);
    assertThat(b.cancel("zzz", T0)).isEmpty();
  }

  @Test
  void shouldRefuseIllegalTransitions() {
    JobBook b = bookWith(1, "a", "b");
    assertThatThrownBy(() -> b.complete("a", null, T0)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> b.fail("zzz", "x", T0)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> b.submit("a", "m", null, OK, T0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new JobBook(0)).hasMessageContaining("concurrency");
    b.startReady();
    b.complete("a", null, T0);
    assertThatThrownBy(() -> b.complete("a", null, T0)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void shouldNameStatesAsRunComfyDoes() {
    assertThat(State.values())
        .extracting(State::wire)
        .containsExactly("in_queue", "in_progress", "completed", "failed", "cancelled");
    assertThat(State.values())
        .filteredOn(State::terminal)
        .containsExactly(State.COMPLETED, State.FAILED, State.CANCELLED);
  }

  static JobBook.Entry admit(JobBook b, String id, String account, int cap) {
    return b.admit(id, account, "m", JsonNodeFactory.instance.objectNode(), () -> OK, cap, T0)
        .orElse(null);
  }

  @Test
  void shouldRefuseASubmitOverTheAccountsCapUntilOneOfItsJobsEnds() {
    JobBook b = new JobBook(1);
    int[] draws = {0};
    assertThat(admit(b, "a", "acc-1", 2)).isNotNull();
    assertThat(admit(b, "b", "acc-1", 2)).isNotNull();
    assertThat(
            b.admit(
                "c",
                "acc-1",
                "m",
                null,
                () -> {
                  draws[0]++;
                  return OK;
                },
                2,
                T0))
        .isEmpty();
    assertThat(draws[0]).as("no fate is drawn for a refused job").isZero();
    assertThat(admit(b, "x", "acc-2", 2)).as("another account has its own cap").isNotNull();
    assertThat(b.live("acc-1")).isEqualTo(2);

    b.startReady();
    b.complete("a", null, T0);
    assertThat(b.live("acc-1")).isEqualTo(1);
    assertThat(admit(b, "c", "acc-1", 2)).isNotNull();
    assertThat(b.cancel("c", T0).orElseThrow().cancelled()).isTrue();
    assertThat(b.live("acc-1")).isEqualTo(1);
    assertThat(admit(b, "d", "acc-1", 0)).as("cap 0 = none").isNotNull();
    assertThat(admit(b, "e", "acc-1", 0)).isNotNull();
    assertThat(b.live("acc-1")).isEqualTo(3);
  }

  @Test
  void shouldDropTheBodyOfATerminalJob() {
    JobBook b = bookWith(1, "a");
    assertThat(b.find("a").orElseThrow().body()).isNotNull();
    b.startReady();
    assertThat(b.complete("a", null, T0).body()).isNull();
  }

  @Test
  void shouldNumberTwentyThousandQueuedJobsAndCloseGapsOnCancel() {
    JobBook b = new JobBook(4);
    for (int i = 0; i < 20_000; i++) {
      b.submit("j" + i, "m", null, OK, T0);
    }
    b.startReady();
    assertThat(b.queued()).isEqualTo(19_996);
    assertThat(b.queuePosition("j4")).hasValue(1);
    assertThat(b.queuePosition("j19999")).hasValue(19_996);
    b.cancel("j10000", T0);
    b.cancel("j5", T0);
    assertThat(b.queuePosition("j19999")).hasValue(19_994);
    assertThat(b.queuePosition("j9999")).hasValue(9_995);
    assertThat(b.queuePosition("j10001")).hasValue(9_996);
    assertThat(b.queuePosition("j6")).hasValue(2);
  }
}
