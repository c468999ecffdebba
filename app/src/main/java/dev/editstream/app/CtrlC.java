package dev.editstream.app;

import java.io.BufferedReader;
import java.io.Reader;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Ctrl-C (SIGINT) on {@code run}: the first press asks once what to do with the batch, the second
 * stops at once; the run always ends with its summary. On a terminal the question is asked and
 * answered on the console; elsewhere the answer is {@code --on-interrupt} (default {@link
 * Choice#FINISH}). Jobs left in flight or queued resume with the same command.
 *
 * <p>Uses {@code sun.misc.Signal} (module {@code jdk.unsupported}, present in every JDK; by
 * reflection, see {@link SigInt}) to replace the JVM's default SIGINT action (exit at once, no
 * summary) while the run lasts; the previous handler is restored by {@link #close()}.
 */
final class CtrlC implements AutoCloseable {
  /** What the person asked for. */
  enum Choice {
    /** No Ctrl-C yet (or "go on"). */
    NONE,
    /** Stop submitting; wait for the submitted jobs; the queued ones wait for the next run. */
    FINISH,
    /** Stop submitting; cancel the queued jobs here and at RunComfy; wait for the running ones. */
    CANCEL,
    /** Stop now: summary and exit; everything in flight resumes with the same command. */
    STOP;

    /**
     * Reads an answer or an {@code --on-interrupt} value: {@code f}/{@code finish}, {@code
     * c}/{@code cancel}, {@code s}/{@code stop}; empty or anything else is {@link #NONE}.
     */
    static Choice parse(@Nullable String answer) {
      String a = answer == null ? "" : answer.trim().toLowerCase(Locale.ROOT);
      return switch (a) {
        case "f", "finish" -> FINISH;
        case "c", "cancel" -> CANCEL;
        case "s", "stop" -> STOP;
        default -> NONE;
      };
    }
  }

  /** The question asked on a terminal. */
  static final String QUESTION =
      "Ctrl-C: [f] finish the submitted jobs and stop (queued ones wait for the same command), "
          + "[c] cancel the queued jobs (here and at RunComfy) and stop, [Enter] go on? (Ctrl-C again: stop now) ";

  private final AtomicInteger presses = new AtomicInteger();
  private volatile Choice choice = Choice.NONE;
  private final @Nullable Object previous;

  private CtrlC(@Nullable Object previous) {
    this.previous = previous;
  }

  /**
   * Installs the handler.
   *
   * @param ask the terminal to ask on, or null to take {@code otherwise} at once
   * @param otherwise the answer when not asking
   * @param say prints one line to the person
   */
  static CtrlC install(@Nullable Reader ask, Choice otherwise, Consumer<String> say) {
    CtrlC[] self = new CtrlC[1];
    Object prev = SigInt.handle(() -> self[0].pressed(ask, otherwise, say));
    if (prev != null && prev == SigInt.IGNORED) {
      // started in the background (nohup, a CI runner): the JVM keeps SIGINT ignored and installs
      // nothing
      say.accept(
          "SIGINT is ignored by this process (started in the background): Ctrl-C does nothing here; "
              + "stop the run with SIGTERM, and resume it with the same command");
    }
    self[0] = new CtrlC(prev);
    return self[0];
  }

  /**
   * {@code sun.misc.Signal} (module {@code jdk.unsupported}) reached by reflection: javac warns
   * about every compile-time use of it, and that warning cannot be suppressed under {@code
   * -Werror}.
   */
  static final class SigInt {
    private static final @Nullable Class<?> SIGNAL;
    private static final @Nullable Class<?> HANDLER;

    /** {@code SignalHandler.SIG_IGN}, or null when the API is missing. */
    static final @Nullable Object IGNORED;

    static {
      Class<?> signal = null;
      Class<?> handler = null;
      Object ignored = null;
      try {
        signal = Class.forName("sun.misc.Signal");
        handler = Class.forName("sun.misc.SignalHandler");
        ignored = handler.getField("SIG_IGN").get(null);
      } catch (ReflectiveOperationException | LinkageError e) {
        // no jdk.unsupported: Ctrl-C keeps the JVM's default
      }
      SIGNAL = signal;
      HANDLER = handler;
      IGNORED = ignored;
    }

    private SigInt() {}

    /**
     * Installs {@code onSignal} for SIGINT.
     *
     * @return the previous handler (restore it with {@link #restore(Object)}), or null when none
     *     could be installed
     */
    static @Nullable Object handle(Runnable onSignal) {
      if (SIGNAL == null) {
        return null;
      }
      try {
        Object handler =
            java.lang.reflect.Proxy.newProxyInstance(
                CtrlC.class.getClassLoader(),
                new Class<?>[] {HANDLER},
                (proxy, m, args) -> {
                  switch (m.getName()) {
                    case "handle" -> onSignal.run();
                    case "hashCode" -> {
                      return System.identityHashCode(proxy);
                    }
                    case "equals" -> {
                      return proxy == args[0];
                    }
                    case "toString" -> {
                      return "editstream Ctrl-C handler";
                    }
                    default -> {
                      // no other methods
                    }
                  }
                  return null;
                });
        return install(handler);
      } catch (RuntimeException e) {
        return null;
      }
    }

    /** Puts back a handler {@link #handle(Runnable)} returned. */
    static void restore(@Nullable Object previous) {
      if (SIGNAL != null && previous != null) {
        try {
          install(previous);
        } catch (RuntimeException e) {
          // nothing was installed
        }
      }
    }

    private static Object install(Object handler) {
      try {
        Class<?> signal = Objects.requireNonNull(SIGNAL, "SIGNAL"); // checked by the callers
        Object sig = signal.getConstructor(String.class).newInstance("INT");
        return signal.getMethod("handle", signal, HANDLER).invoke(null, sig, handler);
      } catch (java.lang.reflect.InvocationTargetException e) {
        // IllegalArgumentException: no SIGINT on this platform, or it is reserved by the VM
        throw new IllegalStateException(e.getCause());
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** One press (also called by tests). */
  void pressed(@Nullable Reader ask, Choice otherwise, Consumer<String> say) {
    int n = presses.incrementAndGet();
    if (n >= 2) {
      choice = Choice.STOP;
      say.accept("Ctrl-C again: stopping now; what is in flight resumes with the same command");
      return;
    }
    if (ask == null) {
      choice = otherwise == Choice.NONE ? Choice.FINISH : otherwise;
      say.accept("Ctrl-C: " + describe(choice) + " (Ctrl-C again: stop now)");
      return;
    }
    Thread t =
        new Thread(
            () -> {
              say.accept(QUESTION);
              String line;
              try {
                line = new BufferedReader(ask).readLine();
              } catch (java.io.IOException e) {
                line = null;
              }
              Choice c = Choice.parse(line);
              if (choice != Choice.STOP) {
                choice = c;
                say.accept(c == Choice.NONE ? "going on" : describe(c));
                if (c == Choice.NONE) {
                  presses.set(0);
                }
              }
            },
            "editstream-ctrl-c");
    t.setDaemon(true);
    t.start();
  }

  static String describe(Choice c) {
    return switch (c) {
      case FINISH ->
          "no more submissions; waiting for the submitted jobs to end (the queued ones wait for the same command)";
      case CANCEL ->
          "no more submissions; cancelling the queued jobs, waiting for the ones RunComfy is running";
      case STOP -> "stopping now";
      case NONE -> "going on";
    };
  }

  /** The latest answer. */
  Choice choice() {
    return choice;
  }

  /** Restores the previous SIGINT handler. */
  @Override
  public void close() {
    SigInt.restore(previous);
  }
}
