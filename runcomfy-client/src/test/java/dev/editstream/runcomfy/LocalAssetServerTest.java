package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.netty.http.client.HttpClient;
import reactor.test.StepVerifier;

class LocalAssetServerTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;
  private LocalAssetServer server;
  private final HttpClient http = HttpClient.create();

  @BeforeEach
  void start() {
    server = LocalAssetServer.start("127.0.0.1", 0);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private record Got(int status, String contentType, String length, byte[] body) {}

  private Got get(String url) {
    return http.get()
        .uri(url)
        .responseSingle(
            (r, b) ->
                b.asByteArray()
                    .defaultIfEmpty(new byte[0])
                    .map(
                        bytes ->
                            new Got(
                                r.status().code(),
                                r.responseHeaders().get("Content-Type"),
                                r.responseHeaders().get("Content-Length"),
                                bytes)))
        .block(WAIT);
  }

  @Test
  void shouldServePublishedFileWithTypeAndLength() throws IOException {
    byte[] bytes = new byte[300_000];
    new Random(7).nextBytes(bytes);
    Path file = Files.write(dir.resolve("My Photo.PNG"), bytes);

    URI url = server.publish(file);
    Got got = get(url.toString());

    assertThat(url.toString())
        .matches(
            "http://127\\.0\\.0\\.1:"
                + server.port()
                + "/assets/[0-9a-f]{64}/[A-Za-z0-9_-]+/My_Photo\\.PNG");
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.contentType()).isEqualTo("image/png");
    assertThat(got.length()).isEqualTo("300000");
    assertThat(got.body()).isEqualTo(bytes);
  }

  @Test
  void shouldAnswerHeadWithLengthAndNoBody() throws IOException {
    Path file = Files.write(dir.resolve("clip.mp4"), new byte[1234]);
    URI url = server.publish(file);

    Got got =
        http.head()
            .uri(url.toString())
            .responseSingle(
                (r, b) ->
                    b.asByteArray()
                        .defaultIfEmpty(new byte[0])
                        .map(
                            bytes ->
                                new Got(
                                    r.status().code(),
                                    r.responseHeaders().get("Content-Type"),
                                    r.responseHeaders().get("Content-Length"),
                                    bytes)))
            .block(WAIT);

    assertThat(got.status()).isEqualTo(200);
    assertThat(got.contentType()).isEqualTo("video/mp4");
    assertThat(got.length()).isEqualTo("1234");
    assertThat(got.body()).isEmpty();
  }

  @Test
  void shouldGiveStableUrlsThatSurviveARestartWithTheSameKey() throws IOException {
    Path file = Files.writeString(dir.resolve("a.txt"), "x");
    byte[] key =
        "0123456789abcdef0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    URI first;
    int port;
    try (LocalAssetServer s1 = LocalAssetServer.start("127.0.0.1", 0, key)) {
      first = s1.publish(file);
      assertThat(s1.publish(file)).isEqualTo(first);
      port = s1.port();
    }
    try (LocalAssetServer s2 = LocalAssetServer.start("127.0.0.1", port, key)) {
      assertThat(s2.port()).as("the same address again").isEqualTo(port);
      assertThat(get(first.toString()).status()).isEqualTo(200);
    }
    // another key cannot serve it
    URI other = server.publish(file);
    assertThat(other).isNotEqualTo(first);
  }

  @Test
  void shouldAnswer404ForAnythingNotPublished() throws IOException {
    Path file = Files.writeString(dir.resolve("a.txt"), "x");
    URI url = server.publish(file);
    String base = "http://" + server.hostPort();
    String[] parts = url.getPath().split("/");
    String mac = parts[2];
    String path = parts[3];
    String forged =
        java.util.Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString("/etc/passwd".getBytes(java.nio.charset.StandardCharsets.UTF_8));

    assertThat(get(url.toString()).status()).isEqualTo(200);
    assertThat(get(base + "/assets/" + "0".repeat(64) + "/" + path + "/a.txt").status())
        .isEqualTo(404);
    assertThat(get(base + "/assets/" + mac + "/" + path + "/other.txt").status()).isEqualTo(404);
    assertThat(get(base + "/assets/" + mac + "/" + forged + "/passwd").status()).isEqualTo(404);
    assertThat(get(base + "/assets/" + mac + "/..%2F..%2Fetc%2Fpasswd/passwd").status())
        .isEqualTo(404);
    assertThat(get(base + "/").status()).isEqualTo(404);
    assertThat(get(base + "/assets/").status()).isEqualTo(404);
  }

  @Test
  void shouldStopServingDeletedFiles() throws IOException {
    Path b = Files.writeString(dir.resolve("b.txt"), "y");
    URI ub = server.publish(b);
    assertThat(get(ub.toString()).status()).isEqualTo(200);
    Files.delete(b);
    assertThat(get(ub.toString()).status()).isEqualTo(404);
  }

  @Test
  void shouldRefuseToPublishMissingFilesOrFolders() {
    assertThatThrownBy(() -> server.publish(dir.resolve("missing.png")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> server.publish(dir)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldBeDownloadableWhenConfiguredAsLocalHost() throws IOException {
    Path file = Files.write(dir.resolve("in.webp"), new byte[] {1, 2, 3, 4});
    Path out = dir.resolve("out");
    DownloadPolicy policy =
        DownloadPolicy.runComfyDefault().withLocalHosts(Set.of(server.hostPort()));

    try (OutputDownloader d =
        new OutputDownloader(policy, DownloadConfig.defaults(), Clock.systemUTC())) {
      StepVerifier.create(d.download(server.publish(file), out, null))
          .assertNext(
              f -> {
                assertThat(f.path()).isEqualTo(out.resolve("in.webp"));
                assertThat(f.contentType()).isEqualTo("image/webp");
                assertThat(f.bytes()).isEqualTo(4);
              })
          .expectComplete()
          .verify(WAIT);
    }
  }
}
