package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.emulator.RunComfyEmulator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running {@code editstream ARGS} on the test class path with the product's own logging
 * set-up ({@code logback.xml}, not the tests' {@code logback-test.xml}), talking to {@code emu}
 * with {@code token}; stdout in {@code <dir>/<name>.out}, stderr in {@code <dir>/<name>.err}, the
 * log file in {@code <dir>/<name>.log}.
 */
class ChildJvm {
  final Process process;
  final Path log;
  private final Path dir;

  ChildJvm(Path dir, String name, RunComfyEmulator emu, String token, String... args) throws IOException {
    this(dir, name, emu, token, java.util.Map.of(), args);
  }

  /** As above, with {@code env} added to the child's environment (it may replace {@code EDITSTREAM_LOG}). */
  ChildJvm(Path dir, String name, RunComfyEmulator emu, String token, java.util.Map<String, String> env, String... args) throws IOException {
    this.dir = dir;
    this.log = dir.resolve(name + ".out");
    String logback = ChildJvm.class.getClassLoader().getResource("logback.xml").toString();
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-Dlogback.configurationFile=" + logback, "-cp", System.getProperty("java.class.path"), EditstreamCommand.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".err").toFile()));
    pb.environment().put("RUNCOMFY_TOKEN", token);
    pb.environment().put("RUNCOMFY_MODEL_API_BASE", emu.baseUrl());
    pb.environment().put("EDITSTREAM_LOG", dir.resolve(name + ".log").toString());
    pb.environment().putAll(env);
    this.process = pb.start();
  }

  /** Waits for the exit, failing the test (with the output) after {@code within}. */
  int exit(Duration within) throws Exception {
    assertThat(process.waitFor(within.toSeconds(), TimeUnit.SECONDS)).as("%s ended in time:%n%s", log, output()).isTrue();
    return process.exitValue();
  }

  /** What it printed on stdout. */
  String stdout() throws IOException {
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
  }

  /** What it printed, stdout then stderr. */
  String output() throws IOException {
    Path err = dir.resolve(log.getFileName().toString().replace(".out", ".err"));
    return stdout() + (Files.exists(err) ? Files.readString(err, StandardCharsets.UTF_8) : "");
  }
}
