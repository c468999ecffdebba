package dev.editstream.pipeline.stage;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;

/**
 * Runs work for the same key one after the other, and work for different keys concurrently. A stage
 * processes records of one partition out of order; two events of one job (a duplicate, a retry
 * released early) must not be handled at the same time, or both could pass the {@link
 * TerminalGuard}. Thread-safe.
 */
final class KeyedSerializer {
  private final ConcurrentHashMap<String, Mono<Void>> tails = new ConcurrentHashMap<>();

  /** {@code work} for {@code key}, started after every earlier work of that key finished. */
  <T> Mono<T> run(String key, Supplier<Mono<T>> work) {
    return Mono.defer(
        () -> {
          java.util.concurrent.atomic.AtomicReference<Mono<T>> mine =
              new java.util.concurrent.atomic.AtomicReference<>();
          Mono<Void> tail =
              tails.compute(
                  key,
                  (k, prev) -> {
                    Mono<Void> before =
                        prev == null ? Mono.empty() : prev.onErrorResume(e -> Mono.empty());
                    Mono<T> m = before.then(Mono.defer(work)).cache();
                    mine.set(m);
                    return m.then().onErrorResume(e -> Mono.empty()).cache();
                  });
          return java.util.Objects.requireNonNull(mine.get(), "set by compute")
              .doFinally(s -> tails.remove(key, tail));
        });
  }

  /** Keys with work pending (for tests). */
  int pending() {
    return tails.size();
  }
}
