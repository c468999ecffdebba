package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

class FileIoTest {
  @Test
  void shouldMoveWorkOffAThreadThatIsNotAFileWorkThread() {
    String caller = Thread.currentThread().getName();

    String ran = FileIo.call(() -> Thread.currentThread().getName()).block(Duration.ofSeconds(5));

    assertThat(ran).startsWith("editstream-file-io-").isNotEqualTo(caller);
    assertThat(FileIo.onFileIoThread()).isFalse();
  }

  @Test
  void shouldMoveWorkOffANonBlockingThread() {
    String ran =
        Mono.just(1)
            .publishOn(Schedulers.parallel())
            .flatMap(x -> FileIo.call(() -> Thread.currentThread().getName()))
            .block(Duration.ofSeconds(5));

    assertThat(ran).startsWith("editstream-file-io-");
  }

  @Test
  void shouldRunTheNextStepInlineWhenAlreadyOnAFileWorkThread() {
    AtomicReference<Thread> second = new AtomicReference<>();

    Thread first =
        FileIo.call(Thread::currentThread)
            .flatMap(t -> FileIo.run(() -> second.set(Thread.currentThread())).thenReturn(t))
            .block(Duration.ofSeconds(5));

    assertThat(first).isSameAs(second.get());
    assertThat(first.getName()).startsWith("editstream-file-io-");
  }

  @Test
  void shouldSignalTheWorksExceptionAsTheError() {
    StepVerifier.create(
            FileIo.call(
                () -> {
                  throw new IOException("disk full");
                }))
        .expectErrorMatches(e -> e instanceof IOException && e.getMessage().equals("disk full"))
        .verify(Duration.ofSeconds(5));
  }

  @Test
  void shouldDoNothingUntilSubscribed() {
    AtomicReference<String> ran = new AtomicReference<>();
    Mono<Void> lazy = FileIo.run(() -> ran.set("ran"));

    assertThat(ran.get()).isNull();
    lazy.block(Duration.ofSeconds(5));
    assertThat(ran.get()).isEqualTo("ran");
  }
}
