package dev.editstream.pipeline.stage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class KeyedSerializerTest {

  @Test
  void shouldRunWorkOfOneKeyInOrderAndOfOtherKeysConcurrently() {
    KeyedSerializer s = new KeyedSerializer();
    List<String> log = new CopyOnWriteArrayList<>();
    StepVerifier.withVirtualTime(
            () ->
                Flux.merge(
                        s.run(
                            "a",
                            () ->
                                Mono.delay(Duration.ofSeconds(3))
                                    .doOnNext(x -> log.add("a1"))
                                    .then()),
                        s.run(
                            "a",
                            () ->
                                Mono.delay(Duration.ofSeconds(1))
                                    .doOnNext(x -> log.add("a2"))
                                    .then()),
                        s.run(
                            "b",
                            () ->
                                Mono.delay(Duration.ofSeconds(2))
                                    .doOnNext(x -> log.add("b1"))
                                    .then()))
                    .then())
        .thenAwait(Duration.ofSeconds(2))
        .then(() -> assertThat(log).containsExactly("b1"))
        .thenAwait(Duration.ofSeconds(1))
        .then(() -> assertThat(log).containsExactly("b1", "a1"))
        .thenAwait(Duration.ofSeconds(1))
        .verifyComplete();
    assertThat(log).containsExactly("b1", "a1", "a2");
    assertThat(s.pending()).isZero();
  }

  @Test
  void shouldRunTheNextWorkOfAKeyAfterAnEarlierOneFailed() {
    KeyedSerializer s = new KeyedSerializer();
    StepVerifier.create(s.run("k", () -> Mono.error(new IllegalStateException("boom"))))
        .verifyError(IllegalStateException.class);
    StepVerifier.create(s.run("k", () -> Mono.just(7))).expectNext(7).verifyComplete();
    assertThat(s.pending()).isZero();
  }
}
