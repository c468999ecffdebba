package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link Pipeline#async} and {@link Pipeline#await}: start-up steps side by side. */
class PipelineStartTest {
  @Test
  void shouldRunStepsSideBySideOnNamedDaemonThreads() throws Exception {
    CountDownLatch both = new CountDownLatch(2);
    // each step waits for the other: they finish only if they run at the same time
    CompletableFuture<String> a = Pipeline.async("a", () -> step(both, Thread.currentThread()));
    CompletableFuture<String> b = Pipeline.async("b", () -> step(both, Thread.currentThread()));
    assertThat(Pipeline.await(a)).isEqualTo("editstream-start-a daemon");
    assertThat(Pipeline.await(b)).isEqualTo("editstream-start-b daemon");
  }

  private static String step(CountDownLatch both, Thread self) {
    both.countDown();
    try {
      if (!both.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the other step did not run");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return self.getName() + (self.isDaemon() ? " daemon" : "");
  }

  @Test
  void shouldRethrowAStepsOwnExceptionUnwrapped() {
    IllegalStateException boom = new IllegalStateException("view did not catch up");
    CompletableFuture<String> f =
        Pipeline.async(
            "boom",
            () -> {
              throw boom;
            });
    assertThatThrownBy(() -> Pipeline.await(f)).isSameAs(boom);
    CompletableFuture<String> error = new CompletableFuture<>();
    AssertionError e = new AssertionError("x");
    error.completeExceptionally(e);
    assertThatThrownBy(() -> Pipeline.await(error)).isSameAs(e);
  }
}
