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
    JobBook.Entry done = b.complete("a", JsonNodeFactory.instance.objectNode().put("video", "u"), T0.plusSeconds(3));
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
    assertThatThrownBy(() -> b.submit("a", "m", null, OK, T0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new JobBook(0)).hasMessageContaining("concurrency");
    b.startReady();
    b.complete("a", null, T0);
    assertThatThrownBy(() -> b.complete("a", null, T0)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void shouldNameStatesAsRunComfyDoes() {
    assertThat(State.values()).extracting(State::wire)
        .containsExactly("in_queue", "in_progress", "completed", "failed", "cancelled");
    assertThat(State.values()).filteredOn(State::terminal).containsExactly(State.COMPLETED, State.FAILED, State.CANCELLED);
  }
}
