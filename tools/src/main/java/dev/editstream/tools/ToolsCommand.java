package dev.editstream.tools;

import dev.editstream.app.EditstreamCommand;
import dev.editstream.bench.BenchCommand;
import dev.editstream.emulator.EmulatorCommand;
import java.util.List;
import picocli.CommandLine;

/**
 * The tools jar's main class ({@code ./editstream}): the product's command line ({@link
 * EditstreamCommand}) plus the commands for developers, demos and tests: {@code demo}, {@code
 * bench}, {@code chaos}, {@code emulator}, {@code broker} and {@code assets}. This jar also carries
 * the embedded Kafka broker (module {@code local-kafka}), so {@code run} without {@code
 * --bootstrap-servers} works here and not in the product jar.
 */
public final class ToolsCommand {
  /** The subcommands this jar adds to the product's. */
  public static final List<Class<?>> TOOLS =
      List.of(
          DemoCommand.class,
          BenchCommand.class,
          ChaosCommand.class,
          EmulatorCommand.class,
          BrokerCommand.class,
          AssetsCommand.class);

  private ToolsCommand() {}

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(EditstreamCommand.execute(args, TOOLS, factory()));
  }

  /** The full command line (product and tools), for tests. */
  public static CommandLine commandLine() {
    CommandLine cl = EditstreamCommand.commandLine(factory());
    TOOLS.forEach(cl::addSubcommand);
    return cl;
  }

  /**
   * Creates the command objects: the emulator's {@code --metrics-port} is served by this CLI's ops
   * server.
   */
  static CommandLine.IFactory factory() {
    return new CommandLine.IFactory() {
      @Override
      public <K> K create(Class<K> cls) throws Exception {
        return cls == EmulatorCommand.class
            ? cls.cast(new EmulatorCommand(EmulatorMeters::serve))
            : CommandLine.defaultFactory().create(cls);
      }
    };
  }
}
