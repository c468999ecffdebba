package dev.editstream.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;

/**
 * Peak heap and process CPU time over one scenario: {@link #start()} resets the heap pools' peaks
 * and reads the CPU clock ({@code com.sun.management.OperatingSystemMXBean#getProcessCpuTime}).
 */
public final class ResourceMeter {
  private long cpuStartNanos;

  /** Resets the peaks and reads the CPU clock. */
  public void start() {
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        p.resetPeakUsage();
      }
    }
    cpuStartNanos = cpuNanos();
  }

  /**
   * Sum of the heap pools' peak usage since {@link #start()}, MiB (an upper bound of peak heap).
   */
  public double peakHeapMb() {
    long sum = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        sum += p.getPeakUsage().getUsed();
      }
    }
    return sum / (1024.0 * 1024.0);
  }

  /** Process CPU seconds since {@link #start()}. */
  public double cpuSeconds() {
    return (cpuNanos() - cpuStartNanos) / 1e9;
  }

  private static long cpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return 0;
  }
}
