package dev.editstream.tools;

import dev.editstream.localkafka.StandaloneBroker;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code editstream broker}: a single-node Kafka broker (Kafka's own server) on a fixed port with a
 * persistent data folder, for running the workers as separate processes on one machine.
 */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description =
        "Run a single-node Kafka broker (KRaft) with a persistent data folder, for local multi-process set-ups.")
public final class BrokerCommand implements Callable<Integer> {
  @Option(
      names = "--port",
      defaultValue = "9092",
      description = "Client port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--controller-port",
      defaultValue = "9093",
      description = "KRaft controller port (default: ${DEFAULT-VALUE}).")
  int controllerPort;

  @Option(
      names = "--data-dir",
      defaultValue = "kafka-data",
      description = "Data folder, kept across restarts (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    if (port < 1
        || port > 65535
        || controllerPort < 1
        || controllerPort > 65535
        || port == controllerPort) {
      throw new IllegalArgumentException(
          "--port and --controller-port must be distinct ports in 1..65535");
    }
    System.out.println(
        "Kafka broker on localhost:" + port + " (data in " + dataDir.toAbsolutePath() + ")");
    StandaloneBroker.run(port, controllerPort, dataDir);
    return 0;
  }
}
