package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import reactor.core.publisher.Sinks;

class EmulatorCommandTest {
  @TempDir Path dir;

  static EmulatorConfig parse(Map<String, String> env, String... args) {
    EmulatorCommand cmd = new EmulatorCommand(env, Sinks.<Void>empty().asMono());
    new CommandLine(cmd).parseArgs(args);
    return cmd.config();
  }

  @Test
  void shouldTurnOptionsIntoAConfig() {
    EmulatorConfig c = parse(Map.of(), "--port", "0", "--token", "a,b", "--output-dir", "out", "--latency-ms", "10..20",
        "--concurrency", "2", "--rate-429", "0.1", "--rate-5xx", "0.2", "--failed-job-rate", "0.3", "--slow-rate", "0.4",
        "--slow-ms", "99", "--hang-rate", "0.05", "--truncate-rate", "0.6", "--seed", "5", "--no-fetch-inputs");
    assertThat(c).isEqualTo(new EmulatorConfig("127.0.0.1", 0, Set.of("a", "b"), Path.of("out"), 10, 20, 2, 0.1, 0.2, 0.3, 0.4, 99,
        0.05, 0.6, 5, false));
  }

  @Test
  void shouldTakeTheTokenFromRunComfyTokenElseTheDemoToken() {
    assertThat(parse(Map.of("RUNCOMFY_TOKEN", "  envtok ")).tokens()).containsExactly("envtok");
    assertThat(parse(Map.of("RUNCOMFY_TOKEN", " ")).tokens()).containsExactly(EmulatorCommand.DEMO_TOKEN);
    assertThat(parse(Map.of()).tokens()).containsExactly(EmulatorCommand.DEMO_TOKEN);
    assertThat(parse(Map.of()).latencyMinMs()).isEqualTo(300);
    assertThat(parse(Map.of(), "--latency-ms", "250").latencyMaxMs()).isEqualTo(250);
  }

  @Test
  void shouldExitWithAUsageErrorNamingTheFieldWhenAValueIsInvalid() {
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new EmulatorCommand(Map.of(), Sinks.<Void>empty().asMono()));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute("--rate-429", "2", "--output-dir", dir.toString());

    assertThat(code).isEqualTo(64);
    assertThat(err.toString()).contains("rate429");
  }

  @Command(name = "editstream", subcommands = EmulatorCommand.class)
  static class Parent {}

  @Test
  void shouldRunAsASubcommandPrintingTheBaseUrlUntilStopped() {
    Sinks.Empty<Void> stop = Sinks.empty();
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new Parent(), new CommandLine.IFactory() {
      @Override
      public <K> K create(Class<K> cls) throws Exception {
        return cls == EmulatorCommand.class ? cls.cast(new EmulatorCommand(Map.of(), stop.asMono())) : CommandLine.defaultFactory().create(cls);
      }
    });
    cl.setOut(new PrintWriter(out, true));
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() ->
        cl.execute("emulator", "--port", "0", "--token", "x", "--output-dir", dir.toString()));

    await().atMost(Duration.ofSeconds(20)).until(() -> out.toString().contains("RUNCOMFY_MODEL_API_BASE="));
    Matcher m = Pattern.compile("RUNCOMFY_MODEL_API_BASE=(\\S+)").matcher(out.toString());
    assertThat(m.find()).isTrue();
    TestHttp.Resp models = new TestHttp("x").get(m.group(1) + "/models");
    stop.tryEmitEmpty();

    assertThat(m.group(1)).matches("http://127\\.0\\.0\\.1:\\d+/v1");
    assertThat(models.status()).isEqualTo(200);
    assertThat(exit).succeedsWithin(Duration.ofSeconds(20)).isEqualTo(0);
  }
}
