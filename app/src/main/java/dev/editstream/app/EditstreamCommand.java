package dev.editstream.app;

import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code editstream}: the product's command line (the product jar's main class). Subcommands:
 * {@code run}, {@code produce}, {@code route}, {@code models}, {@code presign}, the three workers,
 * {@code status}, {@code list}, {@code cancel}, {@code failed}, {@code replay}. The tools jar
 * ({@code dev.editstream.tools.ToolsCommand}) adds {@code demo}, {@code bench}, {@code chaos},
 * {@code emulator}, {@code broker} and {@code assets} through {@link #execute(String[], List,
 * CommandLine.IFactory)}. Exit codes follow RunComfy's CLI classes where they apply (64 bad usage,
 * 65 bad data, 77 no token).
 */
@Command(
    name = "editstream",
    mixinStandardHelpOptions = true,
    version = "editstream 0.1.0",
    description =
        "Bulk AI image and video edits on the RunComfy Model API, as a reactive Kafka pipeline.")
public final class EditstreamCommand implements Runnable {
  /** The product's subcommands, in the order the usage lists them. */
  public static final List<Class<?>> COMMANDS =
      List.of(
          RunCommand.class,
          ProduceCommand.class,
          RouteCommand.class,
          ModelsCommand.class,
          PresignCommand.class,
          WorkerCommand.Router.class,
          WorkerCommand.Poller.class,
          WorkerCommand.Downloader.class,
          BatchCommands.Status.class,
          BatchCommands.ListJobs.class,
          BatchCommands.Cancel.class,
          FailedCommand.ListFailed.class,
          FailedCommand.Replay.class,
          CommandLine.HelpCommand.class);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(execute(args, List.of(), CommandLine.defaultFactory()));
  }

  /**
   * Chooses where logs go, then runs the command line with more subcommands.
   *
   * @param args the arguments
   * @param extra more subcommand classes (annotated with {@link Command}); the tools jar's
   * @param factory creates the command objects
   * @return the exit code (64 for a bad option or setting)
   */
  public static int execute(String[] args, List<Class<?>> extra, CommandLine.IFactory factory) {
    try {
      LogSetup.apply(args, commandNames(extra));
    } catch (IllegalArgumentException e) {
      System.err.println("editstream: " + e.getMessage());
      return 64;
    }
    CommandLine cl = bare(factory);
    Class<?> named = args.length == 0 ? null : named(args[0], extra);
    if (named != null && named != CommandLine.HelpCommand.class) {
      cl.addSubcommand(named);
    } else {
      COMMANDS.forEach(cl::addSubcommand);
      extra.forEach(cl::addSubcommand);
    }
    return cl.execute(args);
  }

  /**
   * The subcommand class called {@code name}, read from the annotations alone, or {@code null}.
   * {@link #execute} builds only that subcommand's model: picocli builds every subcommand it is
   * given by reflection, and all of them took about 0.15 s of one core before the demo could start
   * its broker (2026-12-08, 2 cores; issue 19: command to first POST). The top-level usage and
   * {@code help} still list every subcommand.
   *
   * @param name the first argument
   * @param extra more subcommand classes
   */
  static @Nullable Class<?> named(String name, List<Class<?>> extra) {
    for (Class<?> c : all(extra)) {
      CommandLine.Command cmd = c.getAnnotation(CommandLine.Command.class);
      if (cmd != null && (cmd.name().equals(name) || List.of(cmd.aliases()).contains(name))) {
        return c;
      }
    }
    return null;
  }

  private static List<Class<?>> all(List<Class<?>> extra) {
    List<Class<?>> all = new java.util.ArrayList<>(COMMANDS);
    all.addAll(extra);
    return all;
  }

  /**
   * The subcommand names, read from the annotations alone: no command class is initialized (so no
   * logger exists before {@link LogSetup} has chosen where logs go).
   *
   * @param extra more subcommand classes
   */
  static java.util.Set<String> commandNames(List<Class<?>> extra) {
    java.util.Set<String> names = new java.util.TreeSet<>();
    for (Class<?> c : all(extra)) {
      CommandLine.Command cmd = c.getAnnotation(CommandLine.Command.class);
      if (cmd != null) {
        names.add(cmd.name());
      }
    }
    return names;
  }

  /** The product's picocli command line: a bad option value exits 64 with the option's name. */
  public static CommandLine commandLine() {
    return commandLine(CommandLine.defaultFactory());
  }

  /**
   * The product's picocli command line with a factory for its command objects.
   *
   * @param factory creates the command objects
   */
  public static CommandLine commandLine(CommandLine.IFactory factory) {
    CommandLine cl = bare(factory);
    COMMANDS.forEach(cl::addSubcommand);
    return cl;
  }

  /** The top-level command with its exit-code and error handlers, and no subcommand yet. */
  private static CommandLine bare(CommandLine.IFactory factory) {
    CommandLine cl = new CommandLine(new EditstreamCommand(), factory);
    cl.setExitCodeExceptionMapper(e -> e instanceof IllegalArgumentException ? 64 : 1);
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          ex.getCommandLine().getErr().println("editstream: " + ex.getMessage());
          ex.getCommandLine().usage(ex.getCommandLine().getErr());
          return 64;
        });
    cl.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          if (ex instanceof IllegalArgumentException) {
            commandLine.getErr().println("editstream: " + ex.getMessage());
            return 64;
          }
          if (ex instanceof IllegalStateException
              && ex.getMessage() != null
              && ex.getMessage().startsWith("another editstream process")) {
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
