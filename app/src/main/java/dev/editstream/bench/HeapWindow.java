package dev.editstream.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * Heap growth over a window that opens when a condition first holds (e.g. "the emulator has seen a
 * download start") and closes at {@link #close()}. A daemon thread samples the used heap ({@link
 * MemoryMXBean#getHeapMemoryUsage()}) every {@code periodMs}; growth is the largest sample in the
 * window minus the first one (garbage not yet collected included, so an upper bound of live growth).
 */
final class HeapWindow implements AutoCloseable {
  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final BooleanSupplier open;
  private final long periodMs;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Instant openedAt;
  private volatile long baseBytes = -1;
  private volatile long maxBytes = -1;

  /**
   * Starts sampling.
   *
   * @param open the condition that opens the window (checked at each sample)
   * @param periodMs sampling period, ms, at least 1
   */
  HeapWindow(BooleanSupplier open, long periodMs) {
    if (periodMs < 1) {
      throw new IllegalArgumentException("periodMs must be >= 1, was " + periodMs);
    }
    this.open = open;
    this.periodMs = periodMs;
    this.thread = new Thread(this::loop, "bench-heap-window");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    while (running) {
      sample();
      try {
        Thread.sleep(periodMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private synchronized void sample() {
    if (openedAt == null) {
      if (!open.getAsBoolean()) {
        return;
      }
      openedAt = Instant.now();
    }
    long used = memory.getHeapMemoryUsage().getUsed();
    if (baseBytes < 0) {
      baseBytes = used;
    }
    maxBytes = Math.max(maxBytes, used);
  }

  /** When the window opened (the first sample where the condition held), or {@code null}. */
  Instant openedAt() {
    return openedAt;
  }

  /** Largest used heap in the window minus the first sample, MiB; 0 if the window never opened. */
  double growthMb() {
    return baseBytes < 0 ? 0 : Math.max(0, maxBytes - baseBytes) / (1024.0 * 1024.0);
  }

  /** Takes a last sample and stops the sampler. */
  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sample();
  }
}
