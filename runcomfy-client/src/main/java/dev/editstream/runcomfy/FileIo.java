package dev.editstream.runcomfy;

import java.util.concurrent.Callable;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Where blocking file work (create, write, fsync, rename) runs: one bounded-elastic scheduler of
 * threads named {@code editstream-file-io-N} (at most 10 per core, as Reactor's own {@link
 * Schedulers#boundedElastic()}, idle ones end after 60 s), shared by the process.
 *
 * <p>{@link #call} runs the work at once when the caller is already on one of these threads, and
 * moves it there otherwise: a download's steps (create the part file, write, commit, move the job
 * folder) then follow each other on one thread instead of queueing a task and waking a thread for
 * each (a hop costs CPU per step: docs/benchmarks.md, scenario (b)). Work is never run inline on
 * another thread, so neither an event loop nor a Kafka client thread ever blocks on the disk.
 */
public final class FileIo {
  private static final String PREFIX = "editstream-file-io-";

  /** Tasks queued per scheduler at most before submissions are refused. */
  private static final int QUEUE_CAP = 100_000;

  private static final Scheduler SCHEDULER =
      Schedulers.newBoundedElastic(
          10 * Runtime.getRuntime().availableProcessors(), QUEUE_CAP, new Factory(), 60);

  private FileIo() {}

  /** The file-work scheduler. */
  public static Scheduler scheduler() {
    return SCHEDULER;
  }

  /** Whether the calling thread is one of {@link #scheduler()}'s. */
  public static boolean onFileIoThread() {
    return Thread.currentThread() instanceof IoThread;
  }

  /**
   * Lazily runs {@code work} (blocking file I/O) on a file-work thread: at once when subscribed
   * from one, else on {@link #scheduler()}.
   *
   * @return the work's result; its exception as the error
   */
  public static <T> Mono<T> call(Callable<T> work) {
    return Mono.defer(
        () ->
            onFileIoThread()
                ? Mono.fromCallable(work)
                : Mono.fromCallable(work).subscribeOn(SCHEDULER));
  }

  /** As {@link #call}, for work with no result. */
  public static Mono<Void> run(Runnable work) {
    return Mono.defer(
        () ->
            onFileIoThread()
                ? Mono.fromRunnable(work)
                : Mono.<Void>fromRunnable(work).subscribeOn(SCHEDULER));
  }

  /** A thread of the file-work scheduler (recognised by its class, not its name). */
  private static final class IoThread extends Thread {
    IoThread(Runnable r, String name) {
      super(r, name);
      setDaemon(true);
    }
  }

  private static final class Factory implements ThreadFactory {
    private final AtomicInteger next = new AtomicInteger();

    @Override
    public Thread newThread(Runnable r) {
      return new IoThread(r, PREFIX + next.incrementAndGet());
    }
  }
}
