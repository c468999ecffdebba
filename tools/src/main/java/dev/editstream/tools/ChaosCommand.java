package dev.editstream.tools;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code editstream chaos}: the repeatable chaos run of {@code docs/reliability.md}. A broker, the
 * emulator (10% 5xx, 5% 429, slow and hung calls, truncated downloads) and each worker run as
 * separate processes; while {@code --jobs} jobs flow, every worker is killed with SIGKILL at random
 * moments ({@code --kills} times each) and restarted, and the broker is killed and restarted once.
 * Then the invariants are checked and a report printed. Exits 0 when they hold.
 */
@Command(
    name = "chaos",
    mixinStandardHelpOptions = true,
    description =
        "Kill workers and the broker while a batch runs, then check nothing was lost or paid twice.")
public final class ChaosCommand implements Callable<Integer> {
  @Option(
      names = "--jobs",
      defaultValue = "1000",
      description = "Jobs in the batch (default: ${DEFAULT-VALUE}).")
  int jobs;

  @Option(
      names = "--kills",
      defaultValue = "2",
      description = "SIGKILLs per worker process (default: ${DEFAULT-VALUE}).")
  int kills;

  @Option(
      names = "--work",
      defaultValue = "chaos-run",
      description = "Working folder, emptied first (default: ${DEFAULT-VALUE}).")
  Path work;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description =
          "Seed of the kill schedule and the emulator's faults (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--timeout-s",
      defaultValue = "1500",
      description = "Give up waiting after this many seconds (default: ${DEFAULT-VALUE}).")
  long timeoutSeconds;

  @Override
  public Integer call() throws Exception {
    if (jobs < 1 || kills < 0) {
      throw new IllegalArgumentException("--jobs must be >= 1 and --kills >= 0");
    }
    Path home =
        Path.of(System.getenv().getOrDefault("EDITSTREAM_HOME", ".")).toAbsolutePath().normalize();
    ChaosRun.Report r =
        new ChaosRun(
                work.toAbsolutePath(),
                home.resolve("examples"),
                jobs,
                kills,
                seed,
                timeoutSeconds,
                System.out)
            .run();
    System.out.println();
    System.out.println(r.markdown());
    return r.invariantsHold() ? 0 : 1;
  }
}
