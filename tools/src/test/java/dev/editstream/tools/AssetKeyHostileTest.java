package dev.editstream.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 14, defect 5 (and the "unclear" {@code assets --host 0.0.0.0}): the chaos run draws a new
 * random asset key of 32 bytes each time, {@code assets} refuses short or one-character keys, and
 * warns on stderr when it listens beyond loopback.
 */
class AssetKeyHostileTest {
  static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void chaosAssetKeyIsThirtyTwoRandomBytesAndNewEachCall() {
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      String key = ChaosRun.newAssetKey();
      assertThat(Base64.getDecoder().decode(key)).hasSizeGreaterThanOrEqualTo(32);
      keys.add(key);
    }
    assertThat(keys).as("100 keys, all different").hasSize(100);
  }

  @Test
  void chaosAssetKeyIsAcceptedByTheAssetsCommand() {
    String key = ChaosRun.newAssetKey();
    assertThat(dev.editstream.app.AssetKey.parse(key))
        .isEqualTo(key.getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "aaaaaaaaaaaaaaaa",
        "0123456789abcdefghijklmnopqrstu",
        "  0123456789abcdefghijklmnopqrst  "
      })
  void assetsKeyShorterThanThirtyTwoCharactersIsRefused(String value) {
    assertThatThrownBy(() -> dev.editstream.app.AssetKey.parse(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "at least " + dev.editstream.app.AssetKey.MIN_KEY_CHARS + " characters");
  }

  @Test
  void assetsKeyUnsetIsRefused() {
    assertThatThrownBy(() -> dev.editstream.app.AssetKey.parse(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("it was unset");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "0000000000000000000000000000000000000000000000000000000000000000"
      })
  void assetsKeyOfOneRepeatedCharacterIsRefused(String value) {
    assertThatThrownBy(() -> dev.editstream.app.AssetKey.parse(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("one character repeated");
  }

  @Test
  void assetsKeyOfThirtyTwoMixedCharactersIsAcceptedTrimmed() {
    String key = "0123456789abcdefghijklmnopqrstuv";
    assertThat(dev.editstream.app.AssetKey.parse("  " + key + "\n"))
        .isEqualTo(key.getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void exposureWarningNamesEveryInterfaceForTheWildcardAndNothingForLoopback() {
    assertThat(AssetsCommand.exposureWarning("0.0.0.0"))
        .startsWith("WARNING: --host 0.0.0.0 listens on every interface")
        .contains("signed URL");
    assertThat(AssetsCommand.exposureWarning("127.0.0.1")).isNull();
    assertThat(AssetsCommand.exposureWarning("::1")).isNull();
  }

  @Test
  void assetsOnTheWildcardAddressPrintsTheWarningOnStderr() throws Exception {
    Process p =
        assets(
            "wide",
            ChaosRun.newAssetKey(),
            "--host",
            "0.0.0.0",
            "--port",
            String.valueOf(freePort()));
    try {
      await().atMost(WAIT).until(() -> read("wide.out").contains("asset server on"));
      assertThat(read("wide.err")).contains("WARNING: --host 0.0.0.0 listens on every interface");
    } finally {
      p.destroy();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void assetsOnLoopbackPrintsNoWarning() throws Exception {
    Process p =
        assets(
            "narrow",
            ChaosRun.newAssetKey(),
            "--host",
            "127.0.0.1",
            "--port",
            String.valueOf(freePort()));
    try {
      await().atMost(WAIT).until(() -> read("narrow.out").contains("asset server on 127.0.0.1:"));
      assertThat(read("narrow.err")).doesNotContain("WARNING");
    } finally {
      p.destroy();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void assetsWithASixteenCharacterKeyExitsWithUsageAndServesNothing() throws Exception {
    Process p = assets("weak", "aaaaaaaaaaaaaaaa", "--port", String.valueOf(freePort()));
    assertThat(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(64);
    assertThat(read("weak.err"))
        .contains("EDITSTREAM_ASSET_KEY must be set to at least 32 characters");
    assertThat(read("weak.out")).doesNotContain("asset server on");
  }

  /**
   * {@code editstream assets ARGS} in a child JVM with {@code key}; stdout and stderr in {@code
   * <name>.out/.err}.
   */
  private Process assets(String name, String key, String... args) throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                ToolsCommand.class.getName(),
                "assets"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectOutput(dir.resolve(name + ".out").toFile())
            .redirectError(dir.resolve(name + ".err").toFile());
    pb.environment().put("EDITSTREAM_ASSET_KEY", key);
    pb.environment().put("EDITSTREAM_LOG", dir.resolve(name + ".log").toString());
    return pb.start();
  }

  private String read(String file) throws IOException {
    Path f = dir.resolve(file);
    return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
