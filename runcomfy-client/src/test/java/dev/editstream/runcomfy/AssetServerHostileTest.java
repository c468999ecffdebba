package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.netty.http.client.HttpClient;

/**
 * Hostile corpus, surface "asset server": the real {@link LocalAssetServer} on loopback and real
 * files, attacked by a neighbour who can swap files after they were signed and by a stranger who
 * forges URLs.
 */
class AssetServerHostileTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final byte[] KEY =
      "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final String SECRET = "SECRET-CONTENT";

  @TempDir Path dir;
  private LocalAssetServer server;
  private Path secret;
  private final HttpClient http = HttpClient.create();

  @BeforeEach
  void start() throws IOException {
    server = LocalAssetServer.start("127.0.0.1", 0, KEY);
    Files.createDirectories(dir.resolve("private"));
    secret = Files.writeString(dir.resolve("private/in.png"), SECRET);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private record Got(int status, String body) {}

  private Got get(String url) {
    return request(url, false);
  }

  private Got request(String url, boolean head) {
    return (head ? http.head() : http.get())
        .uri(url)
        .responseSingle(
            (r, b) -> b.asString().defaultIfEmpty("").map(body -> new Got(r.status().code(), body)))
        .block(WAIT);
  }

  private Path input(String content) throws IOException {
    Files.createDirectories(dir.resolve("inputs"));
    return Files.writeString(dir.resolve("inputs/in.png"), content);
  }

  private void assertNotServed(URI url) {
    Got got = get(url.toString());
    assertThat(got.status()).isEqualTo(404);
    assertThat(got.body()).doesNotContain(SECRET);
  }

  @Test
  @DisplayName("asset server: a file swapped for a symlink after signing serves nothing")
  void fileSwappedForSymlink() throws IOException {
    Path in = input("public");
    URI url = server.publish(in);
    assertThat(get(url.toString()).body()).isEqualTo("public");
    Files.delete(in);
    Files.createSymbolicLink(in, secret);
    assertNotServed(url);
    assertThat(request(url.toString(), true).status()).isEqualTo(404);
  }

  @Test
  @DisplayName("asset server: a parent folder swapped for a symlink after signing serves nothing")
  void parentSwappedForSymlink() throws IOException {
    Path in = input("public");
    URI url = server.publish(in);
    Path inputs = in.getParent();
    Files.delete(in);
    Files.delete(inputs);
    Files.createSymbolicLink(inputs, secret.getParent());
    assertThat(Files.readString(in)).isEqualTo(SECRET); // the path now leads to the secret
    assertNotServed(url);
  }

  @Test
  @DisplayName("asset server: a file swapped for a folder after signing serves nothing")
  void fileSwappedForFolder() throws IOException {
    Path in = input("public");
    URI url = server.publish(in);
    Files.delete(in);
    Files.createDirectory(in);
    assertNotServed(url);
  }

  @Test
  @DisplayName(
      "asset server: a file swapped for a FIFO after signing serves nothing and does not hang")
  void fileSwappedForFifo() throws Exception {
    Path in = input("public");
    URI url = server.publish(in);
    Files.delete(in);
    assumeThat(mkfifo(in)).isTrue();
    assertNotServed(url);
  }

  @Test
  @DisplayName("asset server: a FIFO, a folder or a missing file cannot be published")
  void specialFilesAreNotPublished() throws Exception {
    Path fifo = dir.resolve("pipe.png");
    assertThatThrownBy(() -> server.publish(dir)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> server.publish(dir.resolve("none.png")))
        .isInstanceOf(IllegalArgumentException.class);
    assumeThat(mkfifo(fifo)).isTrue();
    assertThatThrownBy(() -> server.publish(fifo)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName(
      "asset server: publishing a symlink signs its target, and a later swap of the target serves nothing")
  void publishedLinkSignsTheTarget() throws IOException {
    Path target = input("public");
    Path link = Files.createSymbolicLink(dir.resolve("link.png"), target);
    URI url = server.publish(link);
    assertThat(url.getPath()).endsWith("/in.png");
    assertThat(get(url.toString()).body()).isEqualTo("public");
    Files.delete(link);
    Files.createSymbolicLink(link, secret); // the link moves: the URL still names the target
    assertThat(get(url.toString()).body()).isEqualTo("public");
    Files.delete(target);
    Files.createSymbolicLink(target, secret);
    assertNotServed(url);
  }

  @Test
  @DisplayName("asset server: bytes come from the opened descriptor with its own size")
  void grownFileIsServedWithItsOpenedSize() throws IOException {
    Path in = input("abc");
    URI url = server.publish(in);
    Files.writeString(in, "abcdef");
    assertThat(get(url.toString()).body()).isEqualTo("abcdef");
  }

  static Stream<Arguments> forged() {
    return Stream.of(
        Arguments.of("asset server: a MAC of zeros is refused", "zero"),
        Arguments.of("asset server: a truncated MAC is refused", "short"),
        Arguments.of("asset server: an upper-case MAC is refused", "upper"),
        Arguments.of("asset server: a MAC under another key is refused", "otherkey"),
        Arguments.of("asset server: another file's MAC is refused", "swapmac"),
        Arguments.of("asset server: a renamed last segment is refused", "name"),
        Arguments.of("asset server: a signed path with .. is refused", "dotdot"),
        Arguments.of("asset server: a signed relative path is refused", "relative"),
        Arguments.of("asset server: a signed path with a NUL byte is refused", "nul"),
        Arguments.of("asset server: an encoded ../ in the path segment is refused", "encoded"),
        Arguments.of("asset server: a path that is not base64 is refused", "notbase64"),
        Arguments.of("asset server: an unknown route is refused", "route"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("forged")
  void forgedUrlsServeNothing(String name, String how) throws IOException {
    Path in = input("public");
    URI good = server.publish(in);
    String[] p = good.getPath().split("/");
    String mac = p[2];
    String path = p[3];
    String file = p[4];
    String base = "http://" + server.hostPort() + "/assets/";
    String url =
        switch (how) {
          case "zero" -> base + "0".repeat(64) + "/" + path + "/" + file;
          case "short" -> base + mac.substring(0, 32) + "/" + path + "/" + file;
          case "upper" -> base + mac.toUpperCase() + "/" + path + "/" + file;
          case "otherkey" ->
              LocalAssetServer.urlFor(server.hostPort(), "k".repeat(32).getBytes(), secret)
                  .toString();
          case "swapmac" -> base + mac + "/" + b64(secret.toString()) + "/in.png";
          case "name" -> base + mac + "/" + path + "/other.png";
          case "dotdot" -> signed(in.getParent() + "/../private/in.png");
          case "relative" -> signed("private/in.png");
          case "nul" -> signed(secret + "\u0000.png");
          case "encoded" -> base + mac + "/..%2F..%2Fprivate%2Fin.png/in.png";
          case "notbase64" -> base + mac + "/%%%%/in.png";
          default -> "http://" + server.hostPort() + "/assets/" + mac;
        };
    Got got = get(url);
    assertThat(got.status()).isEqualTo(404);
    assertThat(got.body()).doesNotContain(SECRET);
  }

  private String signed(String path) {
    String last = path.substring(path.lastIndexOf('/') + 1);
    return "http://"
        + server.hostPort()
        + "/assets/"
        + LocalAssetServer.mac(KEY, path)
        + "/"
        + b64(path)
        + "/"
        + FileNames.sanitise(last.isEmpty() ? "x" : last);
  }

  private static String b64(String s) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  static Stream<Arguments> keys() {
    return Stream.of(
        Arguments.of(
            "asset server: a 16-character key is refused", "aaaaaaaaaaaaaaaa".getBytes(), false),
        Arguments.of("asset server: a 31-byte key is refused", new byte[31], false),
        Arguments.of("asset server: an empty key is refused", new byte[0], false),
        Arguments.of("asset server: no key is refused", null, false),
        Arguments.of("asset server: a 32-byte key is accepted", new byte[32], true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("keys")
  void shortKeysAreRefused(String name, byte[] key, boolean accepted) {
    if (accepted) {
      LocalAssetServer.start("127.0.0.1", 0, key).close();
    } else {
      assertThatThrownBy(() -> LocalAssetServer.start("127.0.0.1", 0, key))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("32 bytes");
    }
  }

  static Stream<Arguments> hosts() {
    return Stream.of(
        Arguments.of("127.0.0.1", true),
        Arguments.of("127.8.9.10", true),
        Arguments.of("localhost", true),
        Arguments.of("LOCALHOST", true),
        Arguments.of("::1", true),
        Arguments.of("[::1]", true),
        Arguments.of("0:0:0:0:0:0:0:1", true),
        Arguments.of("0.0.0.0", false),
        Arguments.of("::", false),
        Arguments.of("192.168.1.5", false),
        Arguments.of("example.com", false),
        Arguments.of("localhost.evil.com", false),
        Arguments.of("", false),
        Arguments.of(null, false));
  }

  @ParameterizedTest(name = "asset server: bind host {0} is loopback: {1}")
  @MethodSource("hosts")
  void loopbackHostsAreRecognisedWithoutDns(String host, boolean loopback) {
    assertThat(LocalAssetServer.isLoopback(host)).isEqualTo(loopback);
  }

  private static boolean mkfifo(Path p) {
    try {
      Process proc = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
      return proc.waitFor(5, TimeUnit.SECONDS) && proc.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
