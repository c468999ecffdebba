package dev.editstream.app;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where and how a process logs, decided before its first logger is made (logback reads the system
 * properties this sets; see {@code logback.xml}). Every line names the process's role (its
 * subcommand, e.g. {@code router-worker}) and instance ({@code <host>-<pid>}), so lines of many
 * processes collected in one place can be told apart.
 *
 * <ul>
 *   <li>{@code EDITSTREAM_LOG} unset: one file per process, {@code logs/<role>-<pid>.log}.
 *   <li>{@code EDITSTREAM_LOG=<path>}: that file.
 *   <li>{@code EDITSTREAM_LOG=stdout}: every line on standard output (containers); the console's
 *       warnings-only copy on standard error is then off.
 *   <li>{@code EDITSTREAM_LOG_FORMAT=json}: one JSON object per line (logback's {@code
 *       JsonEncoder}: timestamp, level, loggerName, message, throwable; role and instance in {@code
 *       context.properties}); {@code text} (the default) otherwise. Any other value fails fast.
 * </ul>
 */
public final class LogSetup {
  /** System property: the process role. */
  public static final String ROLE = "editstream.role";

  /** System property: the process instance. */
  public static final String INSTANCE = "editstream.instance";

  /** System property: the log file. */
  public static final String FILE = "editstream.log.file";

  /**
   * System property: the logback appender every line goes to (FILE, FILE_JSON, STDOUT,
   * STDOUT_JSON).
   */
  public static final String APPENDER = "editstream.log.appender";

  /**
   * System property: the level from which lines are copied to standard error (WARN, or OFF with
   * stdout logging).
   */
  public static final String CONSOLE_LEVEL = "editstream.console.level";

  private LogSetup() {}

  /**
   * The logging properties of a process. Pure.
   *
   * @param args the command line
   * @param env the environment
   * @param commands the subcommand names
   * @param host the host name
   * @param pid the process id
   * @return system property name → value
   * @throws IllegalArgumentException naming {@code EDITSTREAM_LOG_FORMAT} when it is neither text
   *     nor json
   */
  public static Map<String, String> properties(
      String[] args, Map<String, String> env, Set<String> commands, String host, long pid) {
    String role = "editstream";
    for (String a : args) {
      if (commands.contains(a)) {
        role = a;
        break;
      }
    }
    String format =
        env.getOrDefault("EDITSTREAM_LOG_FORMAT", "text").trim().toLowerCase(Locale.ROOT);
    if (!format.equals("text") && !format.equals("json")) {
      throw new IllegalArgumentException(
          "EDITSTREAM_LOG_FORMAT must be text or json, was \""
              + env.get("EDITSTREAM_LOG_FORMAT")
              + "\"");
    }
    String target = env.get("EDITSTREAM_LOG");
    boolean stdout = target != null && target.trim().equalsIgnoreCase("stdout");
    Map<String, String> p = new LinkedHashMap<>();
    p.put(ROLE, role);
    p.put(INSTANCE, (host == null || host.isBlank() ? "localhost" : host) + "-" + pid);
    p.put(
        FILE,
        target == null || target.isBlank() || stdout
            ? "logs/" + role + "-" + pid + ".log"
            : target);
    p.put(APPENDER, (stdout ? "STDOUT" : "FILE") + (format.equals("json") ? "_JSON" : ""));
    p.put(CONSOLE_LEVEL, stdout ? "OFF" : "WARN");
    return p;
  }

  /**
   * Sets the logging properties of this process (before any logger exists); leaves properties given
   * with {@code -D} as they are.
   *
   * @throws IllegalArgumentException as {@link #properties}
   */
  static void apply(String[] args, Set<String> commands) {
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      try {
        host = java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.io.IOException | RuntimeException e) {
        host = "localhost";
      }
    }
    properties(args, System.getenv(), commands, host, ProcessHandle.current().pid())
        .forEach(
            (k, v) -> {
              if (System.getProperty(k) == null) {
                System.setProperty(k, v);
              }
            });
  }
}
