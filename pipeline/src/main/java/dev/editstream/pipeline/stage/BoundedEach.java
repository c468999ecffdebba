package dev.editstream.pipeline.stage;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * Runs a piece of work for every element of a {@link Flux}, at most {@code concurrency} at once,
 * and ignores what the work emits: what {@code flux.flatMap(work, concurrency).then()} does for a
 * stage, without its cost. {@code flatMap} merges its inner publishers' values, and each inner
 * completion runs its drain loop over every inner subscriber slot: at the stages' 1,000 records in
 * flight that loop was 2.3% of the pipeline's CPU in bench (b) (docs/benchmarks.md, "(b) fourth
 * pass"), though a stage's work emits nothing. Here an ended piece of work asks the source for one
 * more element, in O(1).
 *
 * <p>Semantics: the source is asked for {@code concurrency} elements, then for one more each time a
 * piece of work ends (completes, with or without a value). The result completes when the source has
 * completed and every piece of work has ended; it fails with the first error of the source, of a
 * piece of work or of {@code work} itself, and then cancels the source and every running piece.
 * Cancelling the result cancels the source and every running piece. Pure Reactor, no Kafka types.
 */
public final class BoundedEach {
  private BoundedEach() {}

  /**
   * The work of every element, at most {@code concurrency} at once.
   *
   * @param source the elements (e.g. received records)
   * @param work the work of one element; its values are ignored; it must not return {@code null}
   * @param concurrency most pieces of work running at once, {@code >= 1}
   * @return completes when all is done, as above
   * @throws IllegalArgumentException if {@code concurrency < 1}
   */
  public static <T> Mono<Void> of(
      Flux<T> source, Function<? super T, ? extends Mono<?>> work, int concurrency) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(work, "work");
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be >= 1, was " + concurrency);
    }
    return Mono.create(
        sink -> {
          Main<T> main = new Main<>(work, concurrency, sink);
          sink.onCancel(main::stop);
          source.subscribe(main);
        });
  }

  private static final class Main<T> extends BaseSubscriber<T> {
    private final Function<? super T, ? extends Mono<?>> work;
    private final int concurrency;
    private final MonoSink<Void> sink;

    /** Running pieces of work, plus one while the source has not completed. */
    private final AtomicInteger open = new AtomicInteger(1);

    private final Set<Inner> running = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean ended = new AtomicBoolean();

    Main(Function<? super T, ? extends Mono<?>> work, int concurrency, MonoSink<Void> sink) {
      this.work = work;
      this.concurrency = concurrency;
      this.sink = sink;
    }

    @Override
    protected void hookOnSubscribe(Subscription s) {
      s.request(concurrency);
    }

    @Override
    protected void hookOnNext(T value) {
      Mono<?> piece;
      try {
        piece = Objects.requireNonNull(work.apply(value), "work returned null");
      } catch (RuntimeException | Error e) {
        fail(e);
        return;
      }
      open.incrementAndGet();
      Inner in = new Inner();
      running.add(in);
      piece.subscribe(in);
    }

    @Override
    protected void hookOnComplete() {
      closeOne();
    }

    @Override
    protected void hookOnError(Throwable e) {
      fail(e);
    }

    void pieceEnded(Inner in) {
      running.remove(in);
      if (!ended.get()) {
        request(1);
      }
      closeOne();
    }

    private void closeOne() {
      if (open.decrementAndGet() == 0 && ended.compareAndSet(false, true)) {
        sink.success();
      }
    }

    void fail(Throwable e) {
      if (ended.compareAndSet(false, true)) {
        cancelAll();
        sink.error(e);
      }
    }

    /** The result was cancelled. */
    void stop() {
      if (ended.compareAndSet(false, true)) {
        cancelAll();
      }
    }

    private void cancelAll() {
      cancel();
      for (Inner in : running) {
        in.cancel();
      }
      running.clear();
    }

    /** One piece of work: its values ignored, its end asks for the next element. */
    private final class Inner extends BaseSubscriber<Object> {
      @Override
      protected void hookOnNext(@Nullable Object value) {
        // ignored: a stage's work emits nothing worth keeping
      }

      @Override
      protected void hookOnComplete() {
        pieceEnded(this);
      }

      @Override
      protected void hookOnError(Throwable e) {
        running.remove(this);
        fail(e);
      }
    }
  }
}
