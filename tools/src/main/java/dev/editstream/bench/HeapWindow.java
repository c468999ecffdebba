package dev.editstream.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.jspecify.annotations.Nullable;

/**
 * Heap growth over a window that opens when a condition first holds (e.g. "the emulator has seen a
 * download start") and ends when another one first holds (e.g. "the job's output folder is in
 * place") or at {@link #close()}, measured these ways:
 *
 * <ul>
 *   <li><b>used-heap growth</b> ({@link #growthMb()}): a daemon thread samples the used heap
 *       ({@link MemoryMXBean#getHeapMemoryUsage()}) every {@code periodMs}; growth is the largest
 *       sample in the window minus the first one. It counts garbage not yet collected, so it is an
 *       upper bound of live growth that mostly says how much was allocated between two GCs.
 *   <li><b>live-set growth</b> ({@link #liveGrowthMb()}): when the {@code arm} condition first
 *       holds (before the window opens, e.g. "a job was submitted"), the sampler runs one {@link
 *       System#gc()} and takes the used heap right after it as the baseline live set; then every GC
 *       that ends inside the window reports the heap used right after it (the sum over the heap
 *       pools of {@link com.sun.management.GcInfo#getMemoryUsageAfterGc()}); growth is the largest
 *       of those minus the baseline. Without a GC inside the window ({@link #gcsInWindow()} 0)
 *       there is no live figure, and the used-heap growth is the bound.
 *   <li><b>allocated</b> ({@link #allocatedMb()}): what the whole JVM allocated in the window, to
 *       show how much of the used-heap growth can be garbage.
 * </ul>
 */
final class HeapWindow implements AutoCloseable {
  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final @Nullable BooleanSupplier arm;
  private final BooleanSupplier open;
  private final @Nullable BooleanSupplier end;
  private final long periodMs;
  private final Thread thread;
  private final Set<String> heapPools;
  private final List<Runnable> unsubscribe = new ArrayList<>();
  private volatile boolean running = true;
  private volatile boolean armed;
  private volatile @Nullable Instant openedAt;
  private volatile @Nullable Instant endedAt;
  private volatile boolean closed;
  private volatile long baseBytes = -1;
  private volatile long maxBytes = -1;
  private volatile long liveBaseBytes = -1;
  private volatile long liveMaxBytes = -1;
  private volatile int gcsInWindow;
  private volatile long armGcMs = -1;
  private volatile @Nullable Map<Long, Long> allocatedAtOpen;
  private volatile long allocatedInWindow = -1;

  /**
   * Starts sampling.
   *
   * @param arm the condition that triggers the baseline GC (checked at each sample until it holds),
   *     or {@code null} to take the baseline when the window opens
   * @param open the condition that opens the window (checked at each sample)
   * @param end the condition that ends the open window (checked at each sample after the heap was
   *     read), or {@code null} to end it at {@link #close()}
   * @param periodMs sampling period, ms, at least 1
   * @throws IllegalArgumentException if {@code periodMs} is below 1
   */
  HeapWindow(
      @Nullable BooleanSupplier arm,
      BooleanSupplier open,
      @Nullable BooleanSupplier end,
      long periodMs) {
    if (periodMs < 1) {
      throw new IllegalArgumentException("periodMs must be >= 1, was " + periodMs);
    }
    this.arm = arm;
    this.open = open;
    this.end = end;
    this.periodMs = periodMs;
    this.heapPools =
        ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP)
            .map(MemoryPoolMXBean::getName)
            .collect(Collectors.toUnmodifiableSet());
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter emitter) {
        NotificationListener l = this::onGc;
        emitter.addNotificationListener(l, null, null);
        unsubscribe.add(
            () -> {
              try {
                emitter.removeNotificationListener(l);
              } catch (javax.management.ListenerNotFoundException ignored) {
                // already gone
              }
            });
      }
    }
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

  private void sample() {
    if (!armed && arm != null && arm.getAsBoolean()) {
      baselineGc();
    }
    synchronized (this) {
      if (endedAt != null) {
        return;
      }
      if (openedAt == null) {
        if (!open.getAsBoolean()) {
          return;
        }
        openedAt = Instant.now();
        allocatedAtOpen = allocatedBytesByThread();
      }
      long used = memory.getHeapMemoryUsage().getUsed();
      if (baseBytes < 0) {
        baseBytes = used;
      }
      maxBytes = Math.max(maxBytes, used);
      if (end != null && end.getAsBoolean()) {
        finish();
      }
    }
    if (!armed) {
      baselineGc();
    }
  }

  /** One full GC; the used heap right after it is the live baseline. */
  private void baselineGc() {
    armed = true;
    long t0 = System.nanoTime();
    System.gc();
    armGcMs = (System.nanoTime() - t0) / 1_000_000;
    liveBaseBytes = memory.getHeapMemoryUsage().getUsed();
  }

  private void onGc(Notification n, Object handback) {
    if (!n.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)
        || openedAt == null
        || closed
        || liveBaseBytes < 0) {
      return;
    }
    GarbageCollectionNotificationInfo info =
        GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
    if (info.getGcCause().equals("System.gc()")) {
      return; // the baseline GC (notifications arrive late, possibly after the window opened)
    }
    long after = 0;
    for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
      if (heapPools.contains(e.getKey())) {
        after += e.getValue().getUsed();
      }
    }
    synchronized (this) {
      gcsInWindow++;
      liveMaxBytes = Math.max(liveMaxBytes, after);
    }
  }

  /** Ends the window: no more samples or GCs counted. */
  private void finish() {
    endedAt = Instant.now();
    Map<Long, Long> atOpen = allocatedAtOpen;
    allocatedInWindow = atOpen == null ? -1 : allocatedSince(atOpen, allocatedBytesByThread());
    closed = true;
  }

  /** When the window ended (end condition or {@link #close()}), or {@code null}. */
  @Nullable Instant endedAt() {
    return endedAt;
  }

  /** When the window opened (the first sample where the condition held), or {@code null}. */
  @Nullable Instant openedAt() {
    return openedAt;
  }

  /** Largest used heap in the window minus the first sample, MiB; 0 if the window never opened. */
  double growthMb() {
    return baseBytes < 0 ? 0 : Math.max(0, maxBytes - baseBytes) / (1024.0 * 1024.0);
  }

  /** GCs reported inside the window, explicit ones ({@code System.gc()}, the baseline) excluded. */
  int gcsInWindow() {
    return gcsInWindow;
  }

  /**
   * Largest heap used right after a GC inside the window minus the baseline live set, MiB; {@code
   * NaN} when no GC ended inside the window.
   */
  double liveGrowthMb() {
    return gcsInWindow == 0 || liveBaseBytes < 0
        ? Double.NaN
        : Math.max(0, liveMaxBytes - liveBaseBytes) / (1024.0 * 1024.0);
  }

  /**
   * Bytes the whole JVM allocated on the heap between the window's opening and {@link #close()},
   * MiB (summed per thread over the threads alive at the close, so a lower bound: a thread that
   * ended inside the window takes its share with it); 0 before it closed.
   */
  double allocatedMb() {
    return allocatedInWindow < 0 ? 0 : allocatedInWindow / (1024.0 * 1024.0);
  }

  /**
   * Bytes allocated between two readings of the per-thread counters: for each thread alive at the
   * second reading, its counter minus its counter at the first (0 for a thread born in between).
   * Counting per thread matters: a plain difference of two sums goes down, even below zero, when a
   * thread that allocated a lot before the window ends inside it.
   *
   * @param before thread id → bytes allocated, at the first reading
   * @param after thread id → bytes allocated, at the second reading
   * @return bytes, never negative
   */
  static long allocatedSince(Map<Long, Long> before, Map<Long, Long> after) {
    long sum = 0;
    for (Map.Entry<Long, Long> e : after.entrySet()) {
      sum += Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0L));
    }
    return sum;
  }

  /** Heap bytes allocated so far per live thread id (HotSpot's per-thread counters), or empty. */
  private static Map<Long, Long> allocatedBytesByThread() {
    Map<Long, Long> out = new java.util.HashMap<>();
    if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
        && t.isThreadAllocatedMemorySupported()
        && t.isThreadAllocatedMemoryEnabled()) {
      long[] ids = t.getAllThreadIds();
      long[] bytes = t.getThreadAllocatedBytes(ids);
      for (int i = 0; i < ids.length; i++) {
        if (bytes[i] >= 0) {
          out.put(ids[i], bytes[i]);
        }
      }
    }
    return out;
  }

  /** How long the baseline {@link System#gc()} took, ms; -1 if it has not run. */
  long baselineGcMs() {
    return armGcMs;
  }

  /**
   * Takes a last sample (unless the window already ended) and stops the sampler and the GC
   * listeners.
   */
  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      if (openedAt != null && endedAt == null) {
        long used = memory.getHeapMemoryUsage().getUsed();
        maxBytes = Math.max(maxBytes, used);
        finish();
      }
    }
    closed = true;
    unsubscribe.forEach(Runnable::run);
  }
}
