package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
    EmulatorConfig c =
        parse(
            Map.of(),
            "--port",
            "0",
            "--token",
            "a,b",
            "--output-dir",
            "out",
            "--latency-ms",
            "10..20",
            "--concurrency",
            "2",
            "--rate-429",
            "0.1",
            "--rate-5xx",
            "0.2",
            "--failed-job-rate",
            "0.3",
            "--slow-rate",
            "0.4",
            "--slow-ms",
            "99",
            "--hang-rate",
            "0.05",
            "--truncate-rate",
            "0.6",
            "--seed",
            "5",
            "--no-fetch-inputs");
    assertThat(c)
        .isEqualTo(
            new EmulatorConfig(
                "127.0.0.1",
                0,
                Set.of("a", "b"),
                Path.of("out"),
                new LatencyModel.Uniform(10, 20),
                Map.of(),
                2,
                0.1,
                0.2,
                0.3,
                0.4,
                99,
                0.05,
                0.6,
                5,
                false,
                0,
                1,
                0,
                true,
                0,
                1000.0,
                ResultBeforeCompletion.ERROR,
                StatusWords.LIVE,
                0,
                0,
                false));
  }

  @Test
  void shouldTurnLoadModelOptionsIntoAConfig() {
    EmulatorConfig c =
        parse(
            Map.of(),
            "--latency",
            "lognormal:2000,0.5",
            "--model-latency",
            "decart/lucy-edit/restyle=fixed:0",
            "--model-latency",
            "m2=uniform:1000..3000",
            "--provider-cap",
            "20",
            "--cap-retry-after-s",
            "3",
            "--rate-limit",
            "50",
            "--no-render",
            "--blob-output-bytes",
            "2147483648");
    assertThat(c.latency()).isEqualTo(new LatencyModel.LogNormal(2000, 0.5));
    assertThat(c.modelLatency())
        .containsOnly(
            Map.entry("decart/lucy-edit/restyle", new LatencyModel.Fixed(0)),
            Map.entry("m2", new LatencyModel.Uniform(1000, 3000)));
    assertThat(c.providerCap()).isEqualTo(20);
    assertThat(c.capRetryAfterS()).isEqualTo(3);
    assertThat(c.rateLimitPerSecond()).isEqualTo(50.0);
    assertThat(c.renderOutputs()).isFalse();
    assertThat(c.blobOutputBytes()).isEqualTo(2_147_483_648L);
  }

  @Test
  void shouldTurnLiveContractOptionsIntoAConfig() {
    EmulatorConfig c =
        parse(
            Map.of(),
            "--balance-usd",
            "2.5",
            "--accepted-then-504-rate",
            "0.25",
            "--result-before-completion",
            "STATE",
            "--status-words",
            "documented");
    assertThat(c.balanceUsd()).isEqualTo(2.5);
    assertThat(c.acceptedThen504Rate()).isEqualTo(0.25);
    assertThat(c.resultBeforeCompletion()).isEqualTo(ResultBeforeCompletion.STATE);
    assertThat(c.statusWords()).isEqualTo(StatusWords.DOCUMENTED);
    assertThatThrownBy(() -> parse(Map.of(), "--status-words", "loud"))
        .hasMessageStartingWith("EmulatorConfig.statusWords ");
    assertThatThrownBy(() -> parse(Map.of(), "--result-before-completion", "wait"))
        .hasMessageStartingWith("EmulatorConfig.resultBeforeCompletion ");
    assertThatThrownBy(() -> parse(Map.of(), "--balance-usd", "-1"))
        .hasMessageStartingWith("EmulatorConfig.balanceUsd ");
  }

  @Test
  void shouldNameTheLatencyFieldWhenASpecIsMalformed() {
    assertThatThrownBy(() -> parse(Map.of(), "--latency", "gamma:3"))
        .hasMessageStartingWith("EmulatorConfig.latency ");
    assertThatThrownBy(() -> parse(Map.of(), "--latency-ms", "9..1"))
        .hasMessageStartingWith("EmulatorConfig.latency ");
    assertThatThrownBy(() -> parse(Map.of(), "--model-latency", "m=fixed:-1"))
        .hasMessageStartingWith("EmulatorConfig.modelLatency m: ");
  }

  @Test
  void shouldTakeTheTokenFromRunComfyTokenElseTheDemoToken() {
    assertThat(parse(Map.of("RUNCOMFY_TOKEN", "  envtok ")).tokens()).containsExactly("envtok");
    assertThat(parse(Map.of("RUNCOMFY_TOKEN", " ")).tokens())
        .containsExactly(EmulatorCommand.DEMO_TOKEN);
    assertThat(parse(Map.of()).tokens()).containsExactly(EmulatorCommand.DEMO_TOKEN);
    assertThat(parse(Map.of()).latency()).isEqualTo(new LatencyModel.Uniform(300, 900));
    assertThat(parse(Map.of(), "--latency-ms", "250").latency())
        .isEqualTo(new LatencyModel.Uniform(250, 250));
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
    CommandLine cl =
        new CommandLine(
            new Parent(),
            new CommandLine.IFactory() {
              @Override
              public <K> K create(Class<K> cls) throws Exception {
                return cls == EmulatorCommand.class
                    ? cls.cast(new EmulatorCommand(Map.of(), stop.asMono()))
                    : CommandLine.defaultFactory().create(cls);
              }
            });
    cl.setOut(new PrintWriter(out, true));
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(
            () ->
                cl.execute(
                    "emulator", "--port", "0", "--token", "x", "--output-dir", dir.toString()));

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> out.toString().contains("RUNCOMFY_MODEL_API_BASE="));
    Matcher m = Pattern.compile("RUNCOMFY_MODEL_API_BASE=(\\S+)").matcher(out.toString());
    assertThat(m.find()).isTrue();
    TestHttp.Resp models = new TestHttp("x").get(m.group(1) + "/models");
    stop.tryEmitEmpty();

    assertThat(m.group(1)).matches("http://127\\.0\\.0\\.1:\\d+/v1");
    assertThat(models.status()).isEqualTo(200);
    assertThat(exit).succeedsWithin(Duration.ofSeconds(20)).isEqualTo(0);
  }
}
