package dev.editstream.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about starting and watching a child JVM that runs this jar's commands. */
public final class ChildJvm {
  private ChildJvm() {}

  /** The {@code java} of the running JDK. */
  public static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * The jar (or classes folder) this class was loaded from: the tools jar, whose main class runs
   * every product command.
   *
   * @throws IllegalStateException if the location is not a path
   */
  public static String jarPath() {
    try {
      return Path.of(ChildJvm.class.getProtectionDomain().getCodeSource().getLocation().toURI())
          .toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A process's resident set, MB, from {@code /proc/<pid>/status} ({@code VmRSS}); 0 where there is
   * none (not Linux, or the process ended).
   *
   * @param pid the process id ({@link ProcessHandle#pid()})
   */
  public static double rssMb(long pid) {
    return statusKb(Path.of("/proc", Long.toString(pid), "status"), "VmRSS:") / 1024.0;
  }

  /** A {@code kB} line of a {@code /proc/.../status} file, or 0. */
  static long statusKb(Path status, String field) {
    try {
      for (String line : Files.readAllLines(status, StandardCharsets.US_ASCII)) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }
}
