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

  ChildJvm(Path dir, String name, RunComfyEmulator emu, String token, String... args)
      throws IOException {
    this(dir, name, emu, token, java.util.Map.of(), args);
  }

  /**
   * As above, with {@code env} added to the child's environment (it may replace {@code
   * EDITSTREAM_LOG}).
   */
  ChildJvm(
      Path dir,
      String name,
      RunComfyEmulator emu,
      String token,
      java.util.Map<String, String> env,
      String... args)
      throws IOException {
    this(dir, name, emu, token, env, classPathLaunch(List.of()), args);
  }

  private static List<String> classPathLaunch(List<String> before) {
    List<String> cmd = new ArrayList<>(before);
    cmd.addAll(
        List.of(
            java(),
            "-Xmx512m",
            "-Dlogback.configurationFile="
                + ChildJvm.class.getClassLoader().getResource("logback.xml"),
            "-cp",
            System.getProperty("java.class.path"),
            EditstreamCommand.class.getName()));
    return cmd;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * As {@link #ChildJvm(Path, String, RunComfyEmulator, String, String...)}, with SIGINT's default
   * action restored first (by perl, in every Debian): a process started in the background (a CI
   * runner under nohup) inherits SIGINT ignored, and the JVM then never installs a handler for it.
   */
  static ChildJvm withSigint(
      Path dir, String name, RunComfyEmulator emu, String token, String... args)
      throws IOException {
    return new ChildJvm(
        dir,
        name,
        emu,
        token,
        java.util.Map.of(),
        classPathLaunch(
            List.of("perl", "-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die \"exec: $!\"")),
        args);
  }

  /**
   * A child JVM running {@code java -jar JAR ARGS}: the jar alone on its class path, with the
   * logging set-up it carries.
   */
  static ChildJvm jar(
      Path dir, String name, RunComfyEmulator emu, String token, Path jar, String... args)
      throws IOException {
    return jar(dir, name, emu, token, java.util.Map.of(), jar, args);
  }

  /** As above, with {@code env} added to the child's environment. */
  static ChildJvm jar(
      Path dir,
      String name,
      RunComfyEmulator emu,
      String token,
      java.util.Map<String, String> env,
      Path jar,
      String... args)
      throws IOException {
    return new ChildJvm(
        dir,
        name,
        emu,
        token,
        env,
        List.of(java(), "-Xmx512m", "-jar", jar.toAbsolutePath().toString()),
        args);
  }

  private ChildJvm(
      Path dir,
      String name,
      RunComfyEmulator emu,
      String token,
      java.util.Map<String, String> env,
      List<String> launch,
      String... args)
      throws IOException {
    this.dir = dir;
    this.log = dir.resolve(name + ".out");
    List<String> cmd = new ArrayList<>(launch);
    cmd.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
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
    assertThat(process.waitFor(within.toSeconds(), TimeUnit.SECONDS))
        .as("%s ended in time:%n%s", log, output())
        .isTrue();
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
