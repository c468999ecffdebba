package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpServer;
import reactor.test.StepVerifier;

class OutputDownloaderTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private FileServer files;
  private FileServer other;
  private OutputDownloader downloader;
  private byte[] photo;

  @BeforeEach
  void start() {
    files = new FileServer();
    other = new FileServer();
    photo = new byte[1_234_567];
    new Random(42).nextBytes(photo);
    files.put("photo.png", photo, "image/png");
    files.put("data.bin", new byte[] {1, 2, 3}, "application/octet-stream");
    files.put("my%20photo%3F.png", new byte[] {9}, "image/png");
    other.put("far.mp4", new byte[] {4, 5}, "video/mp4");
    downloader = downloader(DownloadConfig.defaults());
  }

  @AfterEach
  void stop() {
    downloader.close();
    files.close();
    other.close();
  }

  private OutputDownloader downloader(DownloadConfig config) {
    DownloadPolicy policy =
        DownloadPolicy.runComfyDefault().withLocalHosts(Set.of(files.hostPort(), other.hostPort()));
    return new OutputDownloader(policy, config, Clock.systemUTC());
  }

  private Mono<DownloadedFile> get(String url) {
    return downloader.download(URI.create(url), dir, null);
  }

  private static Consumer<Throwable> stageError(ExitClass cls, String reason) {
    return e -> {
      assertThat(e).isInstanceOf(StageException.class);
      assertThat(((StageException) e).exitClass()).isEqualTo(cls);
      assertThat(((StageException) e).reasonText()).isEqualTo(reason);
      assertThat(e.getMessage()).doesNotContain("sig=");
    };
  }

  private List<Path> filesIn(Path d) throws IOException {
    if (!Files.exists(d)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(d)) {
      return s.toList();
    }
  }

  private void assertNoAuthorizationSent() {
    assertThat(files.requests()).isNotEmpty();
    Stream.concat(files.requests().stream(), other.requests().stream())
        .forEach(h -> assertThat(h.contains("Authorization")).isFalse());
  }

  @Test
  void shouldStreamFileWithChecksumAndNoAuthorization() throws Exception {
    String expectedSha =
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(photo));

    StepVerifier.create(get(files.url("/files/photo.png")))
        .assertNext(
            f -> {
              assertThat(f.path()).isEqualTo(dir.resolve("photo.png"));
              assertThat(f.bytes()).isEqualTo(photo.length);
              assertThat(f.sha256()).isEqualTo(expectedSha);
              assertThat(f.contentType()).isEqualTo("image/png");
              assertThat(f.sourceUrl()).isEqualTo(files.url("/files/photo.png"));
              // 1.2 MB is under the default 32 MiB writeback step: only the final fsync
              assertThat(f.backgroundSyncs()).isZero();
              assertThat(f.streaming()).isPositive();
              assertThat(f.commit()).isPositive();
            })
        .expectComplete()
        .verify(WAIT);

    assertThat(Files.readAllBytes(dir.resolve("photo.png"))).isEqualTo(photo);
    assertThat(filesIn(dir)).containsExactly(dir.resolve("photo.png"));
    assertNoAuthorizationSent();
  }

  @Test
  void shouldSyncALargeFileInTheBackgroundWhileItStreams() throws Exception {
    String expectedSha =
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(photo));
    try (OutputDownloader small =
        downloader(DownloadConfig.defaults().withSyncEveryBytes(64 * 1024))) {
      StepVerifier.create(small.download(URI.create(files.url("/files/photo.png")), dir, null))
          .assertNext(
              f -> {
                assertThat(f.bytes()).isEqualTo(photo.length);
                assertThat(f.sha256()).isEqualTo(expectedSha);
                // 1,234,567 bytes in steps of 64 KiB: at most 18 syncs, at least one (they
                // do not overlap, so fewer start when the disk is slower than the network)
                assertThat(f.backgroundSyncs()).isBetween(1, 18);
              })
          .expectComplete()
          .verify(WAIT);
    }
    assertThat(Files.readAllBytes(dir.resolve("photo.png"))).isEqualTo(photo);
    assertThat(filesIn(dir)).containsExactly(dir.resolve("photo.png"));
  }

  @Test
  void shouldHandTheBodyOnInPiecesLargerThanNettysDefault8KiB() {
    java.util.concurrent.atomic.AtomicReference<PartFile> part =
        new java.util.concurrent.atomic.AtomicReference<>();
    DownloadPolicy policy =
        DownloadPolicy.runComfyDefault().withLocalHosts(Set.of(files.hostPort()));
    OutputDownloader.PartFiles spy =
        (d, name, size) -> {
          PartFile p = PartFile.create(d, name, null);
          part.set(p);
          return p;
        };
    try (OutputDownloader d =
        new OutputDownloader(policy, DownloadConfig.defaults(), Clock.systemUTC(), spy)) {
      StepVerifier.create(d.download(URI.create(files.url("/files/photo.png")), dir, null))
          .assertNext(f -> assertThat(f.bytes()).isEqualTo(photo.length))
          .expectComplete()
          .verify(WAIT);
    }
    // 8 KiB pieces would mean one queue hand-off, hash update and write call per 8 KiB
    assertThat(part.get().largestWrite()).isGreaterThan(8192);
  }

  @Test
  void shouldDownloadWithBackgroundSyncTurnedOff() throws Exception {
    try (OutputDownloader none = downloader(DownloadConfig.defaults().withSyncEveryBytes(0))) {
      StepVerifier.create(none.download(URI.create(files.url("/files/photo.png")), dir, null))
          .assertNext(f -> assertThat(f.backgroundSyncs()).isZero())
          .expectComplete()
          .verify(WAIT);
    }
    assertThat(Files.readAllBytes(dir.resolve("photo.png"))).isEqualTo(photo);
  }

  @Test
  void shouldFollowRedirectChainWithinAllowedHostsAndNameFileAfterTheAskedUrl() throws IOException {
    StepVerifier.create(get(files.url("/hop/3")))
        .assertNext(f -> assertThat(f.path()).isEqualTo(dir.resolve("3")))
        .expectComplete()
        .verify(WAIT);

    assertThat(files.paths())
        .containsExactly("/hop/3", "/hop/2", "/hop/1", "/hop/0", "/files/data.bin");
    assertThat(Files.readAllBytes(dir.resolve("3"))).containsExactly(1, 2, 3);
  }

  @Test
  void shouldFollowRedirectToAnotherAllowedHostAndUseThePreferredName() throws IOException {
    String url =
        files.url(
            "/to?loc=" + URLEncoder.encode(other.url("/files/far.mp4"), StandardCharsets.UTF_8));

    StepVerifier.create(downloader.download(URI.create(url), dir, "clip.mp4"))
        .assertNext(
            f -> {
              assertThat(f.path()).isEqualTo(dir.resolve("clip.mp4"));
              assertThat(f.contentType()).isEqualTo("video/mp4");
              assertThat(f.sourceUrl()).isEqualTo(files.url("/to?<redacted>"));
            })
        .expectComplete()
        .verify(WAIT);
    assertThat(other.paths()).containsExactly("/files/far.mp4");
    assertNoAuthorizationSent();
  }

  @Test
  void shouldRefuseRedirectToHostOutsideThePolicy() throws IOException {
    try (FileServer stranger = new FileServer()) {
      stranger.put("x.png", new byte[] {1}, "image/png");
      String target = stranger.url("/files/x.png?sig=SECRET");
      String url = files.url("/to?loc=" + URLEncoder.encode(target, StandardCharsets.UTF_8));

      StepVerifier.create(get(url))
          .expectErrorSatisfies(
              stageError(ExitClass.DATA, "refused_url")
                  .andThen(
                      e ->
                          assertThat(e.getMessage())
                              .contains(stranger.hostPort())
                              .doesNotContain("SECRET")))
          .verify(WAIT);
      assertThat(stranger.paths()).isEmpty();
    }
    assertThat(filesIn(dir)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({
    "https://runcomfy.net.evil.com/x.png",
    "https://cdn.runcomfy.net@evil.com/x.png",
    "ftp://cdn.runcomfy.net/x"
  })
  void shouldRefuseDisallowedUrlWithoutConnecting(String url) {
    StepVerifier.create(get(url))
        .expectErrorSatisfies(stageError(ExitClass.DATA, "refused_url"))
        .verify(WAIT);
  }

  @Test
  void shouldFollowExactlyTenRedirects() {
    StepVerifier.create(get(files.url("/hop/9"))).expectNextCount(1).expectComplete().verify(WAIT);
    assertThat(files.paths()).hasSize(11);
  }

  @Test
  void shouldRefuseTheEleventhRedirect() throws IOException {
    StepVerifier.create(get(files.url("/hop/10")))
        .expectErrorSatisfies(stageError(ExitClass.DATA, "too_many_redirects"))
        .verify(WAIT);
    assertThat(files.paths()).hasSize(11).doesNotContain("/files/data.bin");
    assertThat(filesIn(dir)).isEmpty();
  }

  @Test
  void shouldRefuseDeclaredLengthOverCapBeforeWriting() {
    Path target = dir.resolve("not-created");
    try (OutputDownloader small = downloader(DownloadConfig.defaults().withMaxBytes(1000))) {
      StepVerifier.create(small.download(URI.create(files.url("/declare/5000")), target, null))
          .expectErrorSatisfies(
              stageError(ExitClass.DATA, "too_large")
                  .andThen(e -> assertThat(e.getMessage()).contains("5000").contains("1000")))
          .verify(WAIT);
    }
    assertThat(target).doesNotExist();
  }

  @Test
  void shouldAcceptDeclaredLengthEqualToCap() {
    try (OutputDownloader exact = downloader(DownloadConfig.defaults().withMaxBytes(1000))) {
      StepVerifier.create(exact.download(URI.create(files.url("/declare/1000")), dir, null))
          .assertNext(f -> assertThat(f.bytes()).isEqualTo(1000))
          .expectComplete()
          .verify(WAIT);
    }
  }

  @Test
  void shouldRefuseChunkedBodyOverCapAndLeaveNoFile() throws IOException {
    try (OutputDownloader small = downloader(DownloadConfig.defaults().withMaxBytes(100_000))) {
      StepVerifier.create(small.download(URI.create(files.url("/chunked/8")), dir, null))
          .expectErrorSatisfies(stageError(ExitClass.DATA, "too_large"))
          .verify(WAIT);
    }
    assertThat(filesIn(dir)).isEmpty();
  }

  @Test
  void shouldDownloadChunkedBodyWithinCap() {
    StepVerifier.create(get(files.url("/chunked/3")))
        .assertNext(
            f -> {
              assertThat(f.bytes()).isEqualTo(3 * 64 * 1024);
              assertThat(f.path().getFileName().toString()).isEqualTo("3");
              assertThat(f.contentType()).isEqualTo("application/octet-stream");
            })
        .expectComplete()
        .verify(WAIT);
  }

  @Test
  void shouldReportTruncatedBodyAndDeletePartFile() throws IOException {
    byte[] half = new byte[500];
    DisposableServer liar =
        TcpServer.create()
            .host("127.0.0.1")
            .port(0)
            .handle(
                (in, out) ->
                    in.receive()
                        .asString()
                        .takeUntil(s -> s.contains("\r\n\r\n"))
                        .then(
                            out.sendString(
                                    Mono.just(
                                        "HTTP/1.1 200 OK\r\n"
                                            + "Content-Type: image/png\r\n"
                                            + "Content-Length: 1000\r\n\r\n"))
                                .sendByteArray(Mono.just(half))
                                .then()))
            .bindNow();
    try (OutputDownloader d =
        new OutputDownloader(
            DownloadPolicy.runComfyDefault().withLocalHosts(Set.of("127.0.0.1:" + liar.port())),
            DownloadConfig.defaults(),
            Clock.systemUTC())) {
      StepVerifier.create(
              d.download(URI.create("http://127.0.0.1:" + liar.port() + "/t.png"), dir, null))
          .expectErrorSatisfies(stageError(ExitClass.TEMPFAIL, "truncated"))
          .verify(WAIT);
    } finally {
      liar.disposeNow();
    }
    assertThat(filesIn(dir)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({
    "404,DATA",
    "403,DATA",
    "410,DATA",
    "500,UNAVAILABLE",
    "503,UNAVAILABLE",
    "429,TEMPFAIL",
    "408,TEMPFAIL"
  })
  void shouldClassifyHttpFailures(int status, ExitClass cls) throws IOException {
    StepVerifier.create(get(files.url("/status/" + status)))
        .expectErrorSatisfies(
            stageError(cls, "http_" + status)
                .andThen(
                    e -> {
                      if (status == 429) {
                        assertThat(((StageException) e).retryAfter())
                            .contains(Duration.ofSeconds(3));
                      }
                    }))
        .verify(WAIT);
    assertThat(filesIn(dir)).isEmpty();
  }

  @Test
  void shouldTimeOutOnSilentServer() {
    try (OutputDownloader quick =
        downloader(DownloadConfig.defaults().withReadTimeout(Duration.ofMillis(300)))) {
      StepVerifier.create(quick.download(URI.create(files.url("/hang")), dir, null))
          .expectErrorSatisfies(stageError(ExitClass.TEMPFAIL, "timeout"))
          .verify(WAIT);
    }
  }

  @Test
  void shouldSanitiseNamesAndNumberCollisions() {
    StepVerifier.create(get(files.url("/files/photo.png")).map(DownloadedFile::path))
        .expectNext(dir.resolve("photo.png"))
        .expectComplete()
        .verify(WAIT);
    StepVerifier.create(get(files.url("/files/photo.png")).map(DownloadedFile::path))
        .expectNext(dir.resolve("photo-1.png"))
        .expectComplete()
        .verify(WAIT);
    StepVerifier.create(get(files.url("/files/my%20photo%3F.png")).map(DownloadedFile::path))
        .expectNext(dir.resolve("my_photo_.png"))
        .expectComplete()
        .verify(WAIT);
    StepVerifier.create(
            downloader
                .download(URI.create(files.url("/files/data.bin")), dir, "CON.png")
                .map(DownloadedFile::path))
        .expectNext(dir.resolve("_CON.png"))
        .expectComplete()
        .verify(WAIT);
    StepVerifier.create(
            downloader
                .download(URI.create(files.url("/files/data.bin")), dir, "../../etc/passwd")
                .map(DownloadedFile::path))
        .expectNext(dir.resolve("_.._etc_passwd"))
        .expectComplete()
        .verify(WAIT);
  }

  @Test
  void shouldGiveConcurrentDownloadsOfOneNameDistinctFiles() throws IOException {
    StepVerifier.create(
            Flux.range(0, 6)
                .flatMap(i -> get(files.url("/files/data.bin")))
                .map(DownloadedFile::path)
                .collectList())
        .assertNext(paths -> assertThat(paths).doesNotHaveDuplicates().hasSize(6))
        .expectComplete()
        .verify(WAIT);
    assertThat(filesIn(dir)).hasSize(6);
  }

  @Test
  void shouldReportLocalFileErrorWhenTargetIsNotAFolder() throws IOException {
    Path notADir = Files.writeString(dir.resolve("plain"), "x");

    StepVerifier.create(
            downloader.download(URI.create(files.url("/files/data.bin")), notADir, null))
        .expectErrorSatisfies(stageError(ExitClass.OTHER, "local_io"))
        .verify(WAIT);
  }

  @Test
  void shouldReportDiskFullAndDeletePartFile() throws IOException {
    Path devFull = Path.of("/dev/full");
    assumeThat(Files.isWritable(devFull)).isTrue();
    DownloadPolicy policy =
        DownloadPolicy.runComfyDefault().withLocalHosts(Set.of(files.hostPort()));
    OutputDownloader.PartFiles full =
        (d, name, size) -> {
          Path part = Files.createFile(d.resolve("." + name + ".part-test"));
          try {
            return PartFile.over(
                d, name, part, FileChannel.open(devFull, StandardOpenOption.WRITE), null);
          } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
          }
        };
    try (OutputDownloader d =
        new OutputDownloader(policy, DownloadConfig.defaults(), Clock.systemUTC(), full)) {
      StepVerifier.create(d.download(URI.create(files.url("/files/photo.png")), dir, null))
          .expectErrorSatisfies(stageError(ExitClass.TEMPFAIL, "disk_full"))
          .verify(WAIT);
    }
    assertThat(filesIn(dir)).isEmpty();
  }
}
