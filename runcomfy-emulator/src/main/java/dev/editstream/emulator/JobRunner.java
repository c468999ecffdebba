package dev.editstream.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Drives the {@link JobBook}: starts queued jobs when a slot frees, keeps each one {@code
 * in_progress} for its drawn latency while its outputs are rendered, then completes or fails it. A
 * job drawn to fail ends with "upstream model error" (the shape of RunComfy's {@code error} is not
 * documented) and renders nothing. A latency of 0 completes the job as soon as its outputs are
 * ready, without a timer. A completed job is billed ({@link Billing}) before it turns {@code
 * completed}, so its debit is visible as soon as its status is. {@link #pump()} is a drain loop, so
 * jobs finishing synchronously inside it never recurse into it (20,000 queued zero-latency jobs do
 * not grow the stack).
 */
final class JobRunner implements AutoCloseable {
  /** {@code error.message} of a job drawn to fail. */
  static final String UPSTREAM_ERROR = "upstream model error";

  private static final Logger LOG = Loggers.getLogger(JobRunner.class);

  private final JobBook book;
  private final OutputRenderer renderer;
  private final Scheduler timer;
  private final Clock clock;
  private final EmulatorStats stats;
  private final Billing billing;
  private final Disposable.Composite running = Disposables.composite();
  private final AtomicInteger pumpRequests = new AtomicInteger();
  private volatile boolean closed;

  JobRunner(
      JobBook book,
      OutputRenderer renderer,
      Scheduler timer,
      Clock clock,
      EmulatorStats stats,
      Billing billing) {
    this.billing = billing;
    this.book = book;
    this.renderer = renderer;
    this.timer = timer;
    this.clock = clock;
    this.stats = stats;
  }

  /**
   * Starts every job that can start now. Call after each submit; safe from any thread,
   * re-entrantly.
   */
  void pump() {
    if (pumpRequests.getAndIncrement() != 0) {
      return;
    }
    do {
      for (JobBook.Entry e : book.startReady()) {
        run(e);
      }
    } while (pumpRequests.decrementAndGet() != 0);
  }

  private void run(JobBook.Entry job) {
    Mono<Outcome> work =
        job.draw().fails()
            ? Mono.just(new Outcome(null, UPSTREAM_ERROR))
            : renderer
                .render(job)
                .map(out -> new Outcome(out, null))
                .onErrorResume(e -> Mono.just(new Outcome(null, message(job, e))));
    Disposable[] self = new Disposable[1];
    long latency = job.draw().latencyMs();
    Mono<Outcome> timed =
        latency == 0
            ? work
            : Mono.zip(Mono.delay(Duration.ofMillis(latency), timer), work).map(t -> t.getT2());
    Disposable d =
        timed.subscribe(
            o -> finish(job, o, self[0]),
            e -> finish(job, new Outcome(null, message(job, e)), self[0]));
    self[0] = d;
    if (!running.add(d)) {
      d.dispose();
    } else if (d.isDisposed()) {
      running.remove(d);
    }
  }

  private void finish(JobBook.Entry job, Outcome o, Disposable d) {
    if (o.output() != null) {
      double cost = billing.charge(job, o.output());
      book.complete(job.requestId(), o.output(), cost, clock.instant());
    } else {
      book.fail(job.requestId(), o.error(), clock.instant());
    }
    stats.terminal();
    if (d != null) {
      running.remove(d);
    }
    pump();
  }

  private @Nullable String message(JobBook.Entry job, Throwable e) {
    if (e instanceof JobFailedException) {
      return e.getMessage();
    }
    if (closed) {
      return "emulator stopped";
    }
    LOG.warn(
        "emulated job {} of {} could not render its outputs", job.requestId(), job.modelId(), e);
    return "emulator could not render the output";
  }

  /**
   * Stops every running job (they stay {@code in_progress}) and waits for file writes in progress
   * ({@link OutputRenderer#close()}), so the output folder can be deleted once this returns.
   */
  @Override
  public void close() {
    closed = true;
    running.dispose();
    renderer.close();
  }

  private record Outcome(@Nullable JsonNode output, @Nullable String error) {}
}
