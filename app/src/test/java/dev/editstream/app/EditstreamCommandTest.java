package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The command line builds only the subcommand it runs (issue 19: command to first POST), and its
 * top-level usage still lists every subcommand.
 */
class EditstreamCommandTest {
  @CommandLine.Command(name = "extra-tool", aliases = "xt")
  static final class ExtraTool implements Runnable {
    @Override
    public void run() {}
  }

  @Test
  void shouldFindASubcommandByItsNameOrAliasFromTheAnnotationsAlone() {
    assertThat(EditstreamCommand.named("run", List.of())).isEqualTo(RunCommand.class);
    assertThat(EditstreamCommand.named("help", List.of())).isEqualTo(CommandLine.HelpCommand.class);
    assertThat(EditstreamCommand.named("extra-tool", List.of(ExtraTool.class)))
        .isEqualTo(ExtraTool.class);
    assertThat(EditstreamCommand.named("xt", List.of(ExtraTool.class))).isEqualTo(ExtraTool.class);
    assertThat(EditstreamCommand.named("extra-tool", List.of())).isNull();
    assertThat(EditstreamCommand.named("--help", List.of())).isNull();
  }

  @Test
  void shouldListEverySubcommandInTheTopLevelUsage() {
    CommandLine cl = EditstreamCommand.commandLine();

    assertThat(cl.getSubcommands().keySet()).containsAll(EditstreamCommand.commandNames(List.of()));
    assertThat(EditstreamCommand.commandNames(List.of()))
        .contains("run", "router-worker", "status", "help");
  }
}
