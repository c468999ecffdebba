package dev.editstream.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import reactor.util.Logger;
import reactor.util.Loggers;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Drives the {@link JobBook}: starts queued jobs when a slot frees, keeps each one {@code
 * in_progress} for its drawn latency while its outputs are rendered, then completes or fails it.
 * A job drawn to fail ends with "upstream model error" (the shape of RunComfy's {@code error} is
 * not documented) and renders nothing.
 */
final class JobRunner implements AutoCloseable {
  /** {@code error.message} of a job drawn to fail. */
  static final String UPSTREAM_ERROR = "upstream model error";

  private static final Logger LOG = Loggers.getLogger(JobRunner.class);

  private final JobBook book;
  private final OutputRenderer renderer;
  private final Scheduler timer;
  private final Clock clock;
  private final Disposable.Composite running = Disposables.composite();
  private volatile boolean closed;

  JobRunner(JobBook book, OutputRenderer renderer, Scheduler timer, Clock clock) {
    this.book = book;
    this.renderer = renderer;
    this.timer = timer;
    this.clock = clock;
  }

  /** Starts every job that can start now. Call after each submit. */
  void pump() {
    for (JobBook.Entry e : book.startReady()) {
      run(e);
    }
  }

  private void run(JobBook.Entry job) {
    Mono<Outcome> work = job.draw().fails()
        ? Mono.just(new Outcome(null, UPSTREAM_ERROR))
        : renderer.render(job)
            .map(out -> new Outcome(out, null))
            .onErrorResume(e -> Mono.just(new Outcome(null, message(job, e))));
    Disposable[] self = new Disposable[1];
    Disposable d = Mono.zip(Mono.delay(Duration.ofMillis(job.draw().latencyMs()), timer), work)
        .map(t -> t.getT2())
        .subscribe(o -> finish(job, o, self[0]), e -> finish(job, new Outcome(null, message(job, e)), self[0]));
    self[0] = d;
    if (!running.add(d)) {
      d.dispose();
    } else if (d.isDisposed()) {
      running.remove(d);
    }
  }

  private void finish(JobBook.Entry job, Outcome o, Disposable d) {
    if (o.output() != null) {
      book.complete(job.requestId(), o.output(), clock.instant());
    } else {
      book.fail(job.requestId(), o.error(), clock.instant());
    }
    if (d != null) {
      running.remove(d);
    }
    pump();
  }

  private String message(JobBook.Entry job, Throwable e) {
    if (e instanceof JobFailedException) {
      return e.getMessage();
    }
    if (closed) {
      return "emulator stopped";
    }
    LOG.warn("emulated job {} of {} could not render its outputs", job.requestId(), job.modelId(), e);
    return "emulator could not render the output";
  }

  /** Stops every running job (they stay {@code in_progress}). */
  @Override
  public void close() {
    closed = true;
    running.dispose();
  }

  private record Outcome(JsonNode output, String error) {}
}
