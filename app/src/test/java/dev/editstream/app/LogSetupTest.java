package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link LogSetup}: the role from the subcommand, one file per process, stdout and JSON on request.
 */
class LogSetupTest {
  private static final Set<String> COMMANDS = EditstreamCommand.commandNames(java.util.List.of());

  @Test
  void shouldKnowEveryWorkerCommandByItsAnnotation() {
    assertThat(COMMANDS)
        .contains("run", "router-worker", "poller-worker", "downloader-worker", "status")
        .as("the tools' commands are not the product's")
        .doesNotContain("demo", "emulator", "bench", "chaos", "broker", "assets");
  }

  @Test
  void shouldGiveEachProcessItsOwnFileNamedByRoleAndPid() {
    Map<String, String> p =
        LogSetup.properties(
            new String[] {"--verbose", "poller-worker", "--bootstrap-servers", "k:9092"},
            Map.of(),
            COMMANDS,
            "node-7",
            4242);
    assertThat(p)
        .containsEntry(LogSetup.ROLE, "poller-worker")
        .containsEntry(LogSetup.INSTANCE, "node-7-4242")
        .containsEntry(LogSetup.FILE, "logs/poller-worker-4242.log")
        .containsEntry(LogSetup.APPENDER, "FILE")
        .containsEntry(LogSetup.CONSOLE_LEVEL, "WARN");
    // an option value that happens to be a command name comes after the command itself
    assertThat(
            LogSetup.properties(
                new String[] {"run", "jobs.jsonl", "--out", "status"}, Map.of(), COMMANDS, "h", 1))
        .containsEntry(LogSetup.ROLE, "run");
    assertThat(LogSetup.properties(new String[] {"--help"}, Map.of(), COMMANDS, "", 9))
        .containsEntry(LogSetup.ROLE, "editstream")
        .containsEntry(LogSetup.INSTANCE, "localhost-9");
  }

  @Test
  void shouldHonourTheEnvironment() {
    String[] args = {"router-worker"};
    assertThat(
            LogSetup.properties(
                args, Map.of("EDITSTREAM_LOG", "/var/log/es/router.log"), COMMANDS, "h", 1))
        .containsEntry(LogSetup.FILE, "/var/log/es/router.log")
        .containsEntry(LogSetup.APPENDER, "FILE");
    assertThat(LogSetup.properties(args, Map.of("EDITSTREAM_LOG", "stdout"), COMMANDS, "h", 1))
        .containsEntry(LogSetup.APPENDER, "STDOUT")
        .containsEntry(LogSetup.CONSOLE_LEVEL, "OFF");
    assertThat(
            LogSetup.properties(
                args,
                Map.of("EDITSTREAM_LOG", "STDOUT", "EDITSTREAM_LOG_FORMAT", "json"),
                COMMANDS,
                "h",
                1))
        .containsEntry(LogSetup.APPENDER, "STDOUT_JSON");
    assertThat(LogSetup.properties(args, Map.of("EDITSTREAM_LOG_FORMAT", "JSON"), COMMANDS, "h", 1))
        .containsEntry(LogSetup.APPENDER, "FILE_JSON");
    assertThatThrownBy(
            () ->
                LogSetup.properties(args, Map.of("EDITSTREAM_LOG_FORMAT", "xml"), COMMANDS, "h", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("EDITSTREAM_LOG_FORMAT")
        .hasMessageContaining("text or json");
  }
}
