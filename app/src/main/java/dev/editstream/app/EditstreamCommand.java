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
    System.exit(commandLine().execute(args));
  }

  /** The configured picocli command line: a bad option value exits 64 with the option's name. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new EditstreamCommand());
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
