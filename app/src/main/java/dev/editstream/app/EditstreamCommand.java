package dev.editstream.app;

import dev.editstream.emulator.EmulatorCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code editstream}: the command line of the whole product. Subcommands: {@code demo}, {@code
 * run}, {@code status}, {@code list}, {@code cancel}, {@code produce}, {@code router-worker}, {@code poller-worker}, {@code downloader-worker},
 * {@code emulator}. Exit codes follow RunComfy's CLI classes where they apply (64 bad usage, 65 bad
 * data, 77 no token).
 */
@Command(
    name = "editstream",
    mixinStandardHelpOptions = true,
    version = "editstream 0.1.0",
    description = "Bulk AI image and video edits on the RunComfy Model API, as a reactive Kafka pipeline.",
    subcommands = {
        DemoCommand.class,
        RunCommand.class,
        ProduceCommand.class,
        RouteCommand.class,
        ModelsCommand.class,
        PresignCommand.class,
        WorkerCommand.Router.class,
        WorkerCommand.Poller.class,
        WorkerCommand.Downloader.class,
        BrokerCommand.class,
        AssetsCommand.class,
        BatchCommands.Status.class,
        BatchCommands.ListJobs.class,
        BatchCommands.Cancel.class,
        FailedCommand.ListFailed.class,
        FailedCommand.Replay.class,
        ChaosCommand.class,
        dev.editstream.bench.BenchCommand.class,
        EmulatorCommand.class,
        CommandLine.HelpCommand.class
    })
public final class EditstreamCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    try {
      LogSetup.apply(args, commandNames());
    } catch (IllegalArgumentException e) {
      System.err.println("editstream: " + e.getMessage());
      System.exit(64);
    }
    System.exit(commandLine().execute(args));
  }

  /**
   * The subcommand names, read from the annotations alone: no command class is initialized (so no
   * logger exists before {@link LogSetup} has chosen where logs go).
   */
  static java.util.Set<String> commandNames() {
    java.util.Set<String> names = new java.util.TreeSet<>();
    for (Class<?> c : EditstreamCommand.class.getAnnotation(CommandLine.Command.class).subcommands()) {
      CommandLine.Command cmd = c.getAnnotation(CommandLine.Command.class);
      if (cmd != null) {
        names.add(cmd.name());
      }
    }
    return names;
  }

  /** The configured picocli command line: a bad option value exits 64 with the option's name. */
  public static CommandLine commandLine() {
    // the emulator's --metrics-port is served by this CLI's ops server
    CommandLine.IFactory factory = new CommandLine.IFactory() {
      @Override
      public <K> K create(Class<K> cls) throws Exception {
        return cls == EmulatorCommand.class ? cls.cast(new EmulatorCommand(EmulatorMeters::serve)) : CommandLine.defaultFactory().create(cls);
      }
    };
    CommandLine cl = new CommandLine(new EditstreamCommand(), factory);
    cl.setExitCodeExceptionMapper(e -> e instanceof IllegalArgumentException ? 64 : 1);
    cl.setParameterExceptionHandler((ex, args) -> {
      ex.getCommandLine().getErr().println("editstream: " + ex.getMessage());
      ex.getCommandLine().usage(ex.getCommandLine().getErr());
      return 64;
    });
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      if (ex instanceof IllegalArgumentException) {
        commandLine.getErr().println("editstream: " + ex.getMessage());
        return 64;
      }
      if (ex instanceof IllegalStateException && ex.getMessage() != null && ex.getMessage().startsWith("another editstream process")) {
        commandLine.getErr().println("editstream: " + ex.getMessage());
        return 75;
      }
      if (ex instanceof dev.editstream.core.error.StageException se) {
        commandLine.getErr().println("editstream: " + se.getMessage());
        return se.exitClass().code();
      }
      throw ex;
    });
    return cl;
  }
}
