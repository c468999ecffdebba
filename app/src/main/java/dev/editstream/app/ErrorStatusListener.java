package dev.editstream.app;

import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.spi.LifeCycle;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusListener;

/**
 * logback's own status messages: only errors (a broken logging set-up), on standard error. With a
 * listener registered logback no longer prints its warnings on standard output by itself (it did
 * for the appenders {@code logback.xml} leaves unreferenced on purpose, inside {@code status
 * --json}); logback's {@code OnErrorConsoleStatusListener} would print every status, errors or not.
 */
public final class ErrorStatusListener extends ContextAwareBase
    implements StatusListener, LifeCycle {
  private volatile boolean started;

  @Override
  public void addStatusEvent(Status status) {
    if (status.getEffectiveLevel() >= Status.ERROR) {
      System.err.println("logging set-up: " + status);
    }
  }

  @Override
  public void start() {
    started = true;
  }

  @Override
  public void stop() {
    started = false;
  }

  @Override
  public boolean isStarted() {
    return started;
  }
}
