package dev.editstream.router;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Starts a load at most once per process on a daemon thread of its own, so start-up can go on
 * meanwhile (the lexicons, Lingua's statistics: issue 19, command to first POST). A caller that
 * needs the loaded value reads it as usual (a class holder's once-only initialisation) and waits
 * for the same load if it has not ended.
 */
final class BackgroundLoad {
  private final AtomicBoolean started = new AtomicBoolean();
  private final String threadName;
  private final Runnable load;

  /**
   * @param threadName the daemon thread's name
   * @param load the work, run once
   */
  BackgroundLoad(String threadName, Runnable load) {
    this.threadName = threadName;
    this.load = load;
  }

  /** Starts the load on its thread, the first time only; later calls do nothing. */
  void start() {
    if (started.compareAndSet(false, true)) {
      Thread t = new Thread(load, threadName);
      t.setDaemon(true);
      t.start();
    }
  }
}
