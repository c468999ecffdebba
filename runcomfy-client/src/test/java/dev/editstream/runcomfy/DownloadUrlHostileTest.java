package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.test.StepVerifier;

/**
 * Hostile corpus, surface "download url": output URLs and redirect targets crafted so that a
 * checker and an HTTP client would read them differently, names that resolve inside the network,
 * and answers that lie or never end. Through the real {@link DownloadPolicy} and, where the surface
 * is the downloader, the real {@link OutputDownloader} against malicious servers on loopback and
 * the real file system.
 */
class DownloadUrlHostileTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final DownloadPolicy TABLE_POLICY =
      DownloadPolicy.runComfyDefault().withLocalHosts(Set.of("127.0.0.1:8123"));

  @TempDir Path dir;
  private HostileServer stranger;

  @BeforeEach
  void start() {
    stranger = new HostileServer(HostileServer.json(200, "stolen"));
  }

  @AfterEach
  void stop() {
    stranger.close();
  }

  // ---------------------------------------------------------------- the table (pure policy)

  static Stream<Arguments> table() {
    return Stream.of(
        ok("https://cdn.runcomfy.net/x.png", "https://cdn.runcomfy.net/x.png"),
        ok("HTTPS://CDN.RunComfy.NET/x.png", "https://cdn.runcomfy.net/x.png"),
        ok("http://a.b.runcomfy.com:8080/x.png", "http://a.b.runcomfy.com:8080/x.png"),
        ok("https://cdn.runcomfy.net/a%2Fb.png?sig=1", "https://cdn.runcomfy.net/a%2Fb.png?sig=1"),
        ok("http://127.0.0.1:8123/assets/x", "http://127.0.0.1:8123/assets/x"),
        ok("https://xn--80ak6aa92e.runcomfy.net/x", "https://xn--80ak6aa92e.runcomfy.net/x"),
        ok("https://cdn.runcomfy.net", "https://cdn.runcomfy.net/"),
        no("https://cdn.runcomfy.net#@127.0.0.1:9/x", "fragment"),
        no("https://cdn.runcomfy.net#frag", "fragment"),
        no("https://cdn.runcomfy.net\\@127.0.0.1/x", "backslash"),
        no("https://cdn.runcomfy.net\\.evil.com/x", "backslash"),
        no("https://cdn.runcomfy.net%2F@evil.com/x", "user info"),
        no("https://cdn.runcomfy.net%40evil.com/x", "no valid host"),
        no("https://evil.com%2F.runcomfy.net/x", "no valid host"),
        no("https://user:pw@cdn.runcomfy.net/x", "user info"),
        no("https://cdn.runcomfy.net@evil.com/x", "user info"),
        no("http://cdn.runcomfy.net:80@evil.com/", "user info"),
        no("https://cdn.runcomfy.net /x", "whitespace"),
        no(" https://cdn.runcomfy.net/x", "whitespace"),
        no("https://cdn.runcomfy.net\t.evil.com/x", "whitespace"),
        no("https://cdn.runcomfy.net\u0000.evil.com/", "control"),
        no("https://cdn.runcomfy.net\u007f/", "control"),
        no("https://cdn.ru\u043fcomfy.net/x", "non-ASCII"),
        no("https://cdn.runcomfy.net\u3002evil.com/x", "non-ASCII"),
        no("https://cdn.runcomfy.net\u200b/x", "non-ASCII"),
        no("https://cdn.runcomfy.net./x", "ends with a dot"),
        no("https://cdn..runcomfy.net/x", "no valid host"),
        no("http://2130706433/", "IP literal"),
        no("http://0x7f000001/", "IP literal"),
        no("http://017700000001/", "IP literal"),
        no("http://127.1/", "IP literal"),
        no("http://0x7f.0.0.1/", "IP literal"),
        no("http://evil.runcomfy.net.2130706433/", "IP literal"),
        no("http://[::1]/", "IP literal"),
        no("http://[::ffff:127.0.0.1]:8123/", "IP literal"),
        no("https://[fe80::1%25eth0]/x", "valid"),
        no("http://127.0.0.1:8124/", "IP literal"),
        no("http://127.000.000.001:8123/", "IP literal"),
        no("https://cdn.runcomfy.net:0443/x", "ambiguous"),
        no("https://cdn.runcomfy.net:/x", "no valid host"),
        no("https://cdn.runcomfy.net:99999/x", "invalid port"),
        no("https://cdn.runcomfy.net:0/x", "invalid port"),
        no("https://runcomfy.net.evil.com/x", "not under"),
        no("http://localhost:8123/", "not under"),
        no("ftp://cdn.runcomfy.net/x", "scheme 'ftp'"),
        no("file:///etc/passwd", "scheme 'file'"),
        no("javascript:alert(1)//.runcomfy.net", "not an absolute hierarchical URL"),
        no("//cdn.runcomfy.net/x", "not an absolute hierarchical URL"),
        no("https://cdn_x.runcomfy.net/", "no valid host"),
        no("https://-cdn.runcomfy.net/", "no valid host"),
        no("https://" + "a".repeat(8200) + ".runcomfy.net/", "longer than"),
        no("", "no URL"));
  }

  private static Arguments ok(String url, String normalised) {
    return Arguments.of("download url: allowed " + printable(url), url, normalised, null);
  }

  private static Arguments no(String url, String reason) {
    return Arguments.of(
        "download url: refused (" + reason + ") " + printable(url), url, null, reason);
  }

  private static String printable(String url) {
    return SafeText.of(url, 60);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void policyDecidesEachUrlOnceAndReturnsTheUriToFetch(
      String name, String url, String normalised, String reason) {
    DownloadPolicy.Checked c = TABLE_POLICY.check(url);
    if (reason == null) {
      assertThat(c.allowed()).as(c.refusal()).isTrue();
      assertThat(c.uri().toString()).isEqualTo(normalised);
      assertThat(TABLE_POLICY.check(c.uri().toString()).uri()).isEqualTo(c.uri());
    } else {
      assertThat(c.allowed()).isFalse();
      assertThat(c.uri()).isNull();
      assertThat(c.refusal()).containsIgnoringCase(reason).doesNotContain("sig=");
    }
  }

  // ---------------------------------------------------------------- through the downloader

  private OutputDownloader downloader(
      DownloadPolicy policy, DownloadConfig config, CheckingResolver.HostResolver resolver) {
    return new OutputDownloader(policy, config, Clock.systemUTC(), resolver);
  }

  private static Consumer<Throwable> stageError(ExitClass cls, String reason) {
    return e -> {
      assertThat(e).isInstanceOf(StageException.class);
      assertThat(((StageException) e).exitClass()).isEqualTo(cls);
      assertThat(((StageException) e).reasonText()).isEqualTo(reason);
    };
  }

  private List<Path> files() throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }

  private void assertRefusedThroughRedirect(String location, String reason) throws IOException {
    try (HostileServer evil = new HostileServer(HostileServer.redirect(location));
        OutputDownloader d =
            downloader(
                DownloadPolicy.runComfyDefault().withLocalHosts(Set.of(evil.hostPort())),
                DownloadConfig.defaults(),
                CheckingResolver.HostResolver.SYSTEM)) {
      StepVerifier.create(d.download(evil.url("/out.png"), dir, null))
          .expectErrorSatisfies(stageError(ExitClass.DATA, reason))
          .verify(WAIT);
    }
    assertThat(stranger.requests()).isEmpty();
    assertThat(files()).isEmpty();
  }

  @Test
  @DisplayName("download url: redirect to an unlisted local server is refused before connecting")
  void downloadUrlRedirectToAnUnlistedLocalServerIsRefusedBeforeConnecting() throws IOException {
    assertRefusedThroughRedirect(stranger.url("/x.png?sig=SECRET"), "refused_url");
  }

  @Test
  @DisplayName("download url: fragment authority trick is refused and nothing is fetched")
  void downloadUrlFragmentAuthorityTrickIsRefusedAndNothingIsFetched() throws IOException {
    try (OutputDownloader d =
        downloader(
            DownloadPolicy.runComfyDefault(),
            DownloadConfig.defaults(),
            h -> new InetAddress[] {InetAddress.getByName("93.184.216.34")})) {
      StepVerifier.create(
              d.download("http://cdn.runcomfy.net#@" + stranger.hostPort() + "/x", dir, null))
          .expectErrorSatisfies(stageError(ExitClass.DATA, "refused_url"))
          .verify(WAIT);
    }
    assertThat(stranger.requests()).isEmpty();
    assertThat(files()).isEmpty();
  }

  @ParameterizedTest(name = "download url: redirect to {0} is refused")
  @ValueSource(
      strings = {
        "http://cdn.runcomfy.net#@127.0.0.1:PORT/x",
        "http://cdn.runcomfy.net\\@127.0.0.1:PORT/x",
        "http://cdn.runcomfy.net%2F@127.0.0.1:PORT/x",
        "http://cdn.runcomfy.net\t@127.0.0.1:PORT/x",
        "//127.0.0.1:PORT/x",
        "http://2130706433:PORT/x",
        "file:///etc/passwd",
        "ftp://cdn.runcomfy.net/x",
        "gopher://127.0.0.1:PORT/_x",
        "http://[::1]:PORT/x",
        "http://\u0441dn.runcomfy.net/x"
      })
  void downloadUrlRedirectTricksAreRefused(String location) throws IOException {
    assertRefusedThroughRedirect(location.replace("PORT", "" + stranger.port()), "refused_url");
  }

  @Test
  @DisplayName("download url: redirect with a huge location is refused")
  void downloadUrlRedirectWithAHugeLocationIsRefused() throws IOException {
    assertRefusedThroughRedirect(
        "https://cdn.runcomfy.net/" + "a".repeat(9_000), "header_too_large");
  }

  @Test
  @DisplayName("download url: redirect loop ends after the limit")
  void downloadUrlRedirectLoopEndsAfterTheLimit() throws IOException {
    try (HostileServer loop = new HostileServer(HostileServer.redirect("/again"));
        OutputDownloader d =
            downloader(
                DownloadPolicy.runComfyDefault().withLocalHosts(Set.of(loop.hostPort())),
                DownloadConfig.defaults(),
                CheckingResolver.HostResolver.SYSTEM)) {
      StepVerifier.create(d.download(loop.url("/again"), dir, null))
          .expectErrorSatisfies(stageError(ExitClass.DATA, "too_many_redirects"))
          .verify(WAIT);
      assertThat(loop.requests()).hasSize(11);
    }
  }

  static Stream<Arguments> internalAddresses() {
    return Stream.of(
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.9",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1")
        .map(a -> Arguments.of("download url: suffix host resolving to " + a + " is refused", a));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("internalAddresses")
  void downloadUrlSuffixHostResolvingInsideTheNetworkIsRefused(String name, String address)
      throws IOException {
    InetAddress a = InetAddress.getByName(address);
    try (OutputDownloader d =
        downloader(
            DownloadPolicy.runComfyDefault(),
            DownloadConfig.defaults(),
            h -> new InetAddress[] {a})) {
      StepVerifier.create(
              d.download("http://evil.runcomfy.net:" + stranger.port() + "/x.png", dir, null))
          .expectErrorSatisfies(
              stageError(ExitClass.DATA, "refused_address")
                  .andThen(e -> assertThat(e.getMessage()).contains("evil.runcomfy.net")))
          .verify(WAIT);
    }
    assertThat(stranger.requests()).isEmpty();
    assertThat(files()).isEmpty();
  }

  @Test
  @DisplayName("download url: suffix host with one public and one loopback address is refused")
  void downloadUrlSuffixHostWithOnePublicAndOneLoopbackAddressIsRefused() throws IOException {
    CheckingResolver.HostResolver mixed =
        h ->
            new InetAddress[] {
              InetAddress.getByName("93.184.216.34"), InetAddress.getLoopbackAddress()
            };
    try (OutputDownloader d =
        downloader(DownloadPolicy.runComfyDefault(), DownloadConfig.defaults(), mixed)) {
      StepVerifier.create(
              d.download("http://cdn.runcomfy.net:" + stranger.port() + "/x.png", dir, null))
          .expectErrorSatisfies(stageError(ExitClass.DATA, "refused_address"))
          .verify(WAIT);
    }
    assertThat(stranger.requests()).isEmpty();
  }

  @Test
  @DisplayName("download url: unresolvable suffix host is unavailable not refused")
  void downloadUrlUnresolvableSuffixHostIsUnavailableNotRefused() {
    try (OutputDownloader d =
        downloader(
            DownloadPolicy.runComfyDefault(),
            DownloadConfig.defaults(),
            h -> {
              throw new UnknownHostException(h);
            })) {
      StepVerifier.create(d.download("https://nowhere.runcomfy.net/x.png", dir, null))
          .expectErrorSatisfies(stageError(ExitClass.UNAVAILABLE, "unknown_host"))
          .verify(WAIT);
    }
  }

  @Test
  @DisplayName("download url: configured local host name stays allowed although it is loopback")
  void downloadUrlConfiguredLocalHostNameStaysAllowedAlthoughItIsLoopback() throws IOException {
    try (HostileServer emulator =
            new HostileServer(
                HostileServer.fixed("200 OK", List.of("Content-Length: 3"), new byte[] {1, 2, 3}));
        OutputDownloader d =
            downloader(
                DownloadPolicy.runComfyDefault()
                    .withLocalHosts(Set.of("localhost:" + emulator.port())),
                DownloadConfig.defaults(),
                h -> new InetAddress[] {InetAddress.getLoopbackAddress()})) {
      StepVerifier.create(d.download("http://localhost:" + emulator.port() + "/o.bin", dir, null))
          .assertNext(f -> assertThat(f.bytes()).isEqualTo(3))
          .expectComplete()
          .verify(WAIT);
    }
  }

  private void assertOutcome(
      HostileServer.Answer answer, DownloadConfig config, Consumer<Throwable> check)
      throws IOException {
    try (HostileServer evil = new HostileServer(answer);
        OutputDownloader d =
            downloader(
                DownloadPolicy.runComfyDefault().withLocalHosts(Set.of(evil.hostPort())),
                config,
                CheckingResolver.HostResolver.SYSTEM)) {
      StepVerifier.create(d.download(evil.url("/o.bin"), dir, null))
          .expectErrorSatisfies(check)
          .verify(WAIT);
    }
    assertThat(files()).isEmpty();
  }

  @Test
  @DisplayName("download url: content length longer than the body is truncated and leaves no file")
  void downloadUrlContentLengthLongerThanTheBodyIsTruncatedAndLeavesNoFile() throws IOException {
    assertOutcome(
        HostileServer.fixed("200 OK", List.of("Content-Length: 1000"), new byte[10]),
        DownloadConfig.defaults(),
        stageError(ExitClass.TEMPFAIL, "truncated"));
  }

  @Test
  @DisplayName("download url: content length shorter than the body keeps only the declared bytes")
  void downloadUrlContentLengthShorterThanTheBodyKeepsOnlyTheDeclaredBytes() throws IOException {
    try (HostileServer evil =
            new HostileServer(
                HostileServer.fixed(
                    "200 OK",
                    List.of("Content-Length: 4"),
                    "abcdEXTRA".getBytes(StandardCharsets.US_ASCII)));
        OutputDownloader d =
            downloader(
                DownloadPolicy.runComfyDefault().withLocalHosts(Set.of(evil.hostPort())),
                DownloadConfig.defaults(),
                CheckingResolver.HostResolver.SYSTEM)) {
      StepVerifier.create(d.download(evil.url("/o.bin"), dir, null))
          .assertNext(f -> assertThat(f.bytes()).isEqualTo(4))
          .expectComplete()
          .verify(WAIT);
    }
    assertThat(Files.readString(dir.resolve("o.bin"))).isEqualTo("abcd");
  }

  @Test
  @DisplayName("download url: content length over the cap is refused before writing")
  void downloadUrlContentLengthOverTheCapIsRefusedBeforeWriting() throws IOException {
    assertOutcome(
        HostileServer.fixed("200 OK", List.of("Content-Length: 999999999999"), new byte[10]),
        DownloadConfig.defaults().withMaxBytes(1 << 20),
        stageError(ExitClass.DATA, "too_large"));
  }

  @Test
  @DisplayName("download url: gzip bomb is saved as sent never inflated")
  void downloadUrlGzipBombIsSavedAsSentNeverInflated() throws IOException {
    ByteArrayOutputStream z = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(z)) {
      g.write(new byte[64 << 20]);
    }
    byte[] bomb = z.toByteArray();
    try (HostileServer evil =
            new HostileServer(
                HostileServer.fixed(
                    "200 OK",
                    List.of("Content-Encoding: gzip", "Content-Length: " + bomb.length),
                    bomb));
        OutputDownloader d =
            downloader(
                DownloadPolicy.runComfyDefault().withLocalHosts(Set.of(evil.hostPort())),
                DownloadConfig.defaults().withMaxBytes(1 << 20),
                CheckingResolver.HostResolver.SYSTEM)) {
      StepVerifier.create(d.download(evil.url("/o.bin"), dir, null))
          .assertNext(f -> assertThat(f.bytes()).isEqualTo(bomb.length))
          .expectComplete()
          .verify(WAIT);
      assertThat(evil.heads().get(0).toLowerCase()).doesNotContain("accept-encoding");
    }
  }

  @Test
  @DisplayName("download url: trickled body ends at the download deadline and leaves no part file")
  void downloadUrlTrickledBodyEndsAtTheDownloadDeadlineAndLeavesNoPartFile() throws IOException {
    long start = System.nanoTime();
    assertOutcome(
        HostileServer.trickle(1000, Duration.ofMillis(200)),
        DownloadConfig.defaults().withDeadline(Duration.ofSeconds(1)),
        stageError(ExitClass.TEMPFAIL, "download_deadline")
            .andThen(e -> assertThat(e.getMessage()).contains("1000 ms")));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  @DisplayName("download url: trickled body ends at the job's deadline and is not retried")
  void downloadUrlTrickledBodyEndsAtTheJobDeadlineAndIsNotRetried() throws IOException {
    // configured limit: the default 30 min; the job's own deadline is 1 s away and binds
    Instant jobDeadline = Instant.now().plusSeconds(1);
    long start = System.nanoTime();
    try (HostileServer evil =
            new HostileServer(HostileServer.trickle(1000, Duration.ofMillis(200)));
        OutputDownloader d =
            downloader(
                DownloadPolicy.runComfyDefault().withLocalHosts(Set.of(evil.hostPort())),
                DownloadConfig.defaults(),
                CheckingResolver.HostResolver.SYSTEM)) {
      StepVerifier.create(d.download(URI.create(evil.url("/o.bin")), dir, null, jobDeadline))
          .expectErrorSatisfies(
              stageError(ExitClass.OTHER, "download_deadline")
                  .andThen(e -> assertThat(((StageException) e).exitClass().retryable()).isFalse())
                  .andThen(
                      e -> assertThat(e.getMessage()).contains("job's deadline " + jobDeadline)))
          .verify(WAIT);
      assertThat(evil.heads()).hasSize(1);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(files()).isEmpty();
  }

  @Test
  @DisplayName("download url: a job past its deadline fetches nothing and is not retried")
  void downloadUrlJobPastItsDeadlineFetchesNothingAndIsNotRetried() throws IOException {
    try (HostileServer evil =
            new HostileServer(HostileServer.trickle(1000, Duration.ofMillis(200)));
        OutputDownloader d =
            downloader(
                DownloadPolicy.runComfyDefault().withLocalHosts(Set.of(evil.hostPort())),
                DownloadConfig.defaults(),
                CheckingResolver.HostResolver.SYSTEM)) {
      StepVerifier.create(
              d.download(URI.create(evil.url("/o.bin")), dir, null, Instant.now().minusSeconds(1)))
          .expectErrorSatisfies(stageError(ExitClass.OTHER, "download_deadline"))
          .verify(WAIT);
      assertThat(evil.heads()).isEmpty();
    }
    assertThat(files()).isEmpty();
  }

  @Test
  @DisplayName("download url: the configured limit binds when shorter than the job's deadline")
  void downloadUrlConfiguredLimitBindsWhenShorterThanTheJobDeadline() throws IOException {
    try (HostileServer evil =
            new HostileServer(HostileServer.trickle(1000, Duration.ofMillis(200)));
        OutputDownloader d =
            downloader(
                DownloadPolicy.runComfyDefault().withLocalHosts(Set.of(evil.hostPort())),
                DownloadConfig.defaults().withDeadline(Duration.ofMillis(800)),
                CheckingResolver.HostResolver.SYSTEM)) {
      StepVerifier.create(
              d.download(
                  URI.create(evil.url("/o.bin")), dir, null, Instant.now().plusSeconds(3600)))
          .expectErrorSatisfies(
              stageError(ExitClass.TEMPFAIL, "download_deadline")
                  .andThen(e -> assertThat(e.getMessage()).contains("800 ms")))
          .verify(WAIT);
    }
    assertThat(files()).isEmpty();
  }

  @Test
  @DisplayName("download url: server silent after the status line ends at the download deadline")
  void downloadUrlServerSilentAfterTheStatusLineEndsAtTheDownloadDeadline() throws IOException {
    assertOutcome(
        HostileServer.silentAfterStatus(),
        DownloadConfig.defaults().withDeadline(Duration.ofMillis(800)),
        stageError(ExitClass.TEMPFAIL, "download_deadline"));
  }

  @Test
  @DisplayName("download url: huge response header fails without a file")
  void downloadUrlHugeResponseHeaderFailsWithoutAFile() throws IOException {
    assertOutcome(
        HostileServer.fixed(
            "200 OK", List.of("X-Junk: " + "j".repeat(200_000), "Content-Length: 1"), new byte[1]),
        DownloadConfig.defaults(),
        stageError(ExitClass.DATA, "header_too_large"));
  }

  @Test
  @DisplayName("download url: control characters in a refused url are escaped in the message")
  void downloadUrlControlCharactersInARefusedUrlAreEscapedInTheMessage() {
    try (OutputDownloader d =
        downloader(
            DownloadPolicy.runComfyDefault(),
            DownloadConfig.defaults(),
            CheckingResolver.HostResolver.SYSTEM)) {
      StepVerifier.create(d.download("https://evil.com/\u202Egnp.exe\u001b[2J", dir, null))
          .expectErrorSatisfies(
              stageError(ExitClass.DATA, "refused_url")
                  .andThen(
                      e ->
                          assertThat(e.getMessage())
                              .contains("\\u202E", "\\u001B")
                              .doesNotContain("\u202E", "\u001b")))
          .verify(WAIT);
    }
  }

  @Test
  @DisplayName("download url: output list of twenty thousand entries is capped")
  void downloadUrlOutputListOfTwentyThousandEntriesIsCapped() {
    var mapper = dev.editstream.core.Json.mapper();
    var arr = mapper.createArrayNode();
    for (int i = 0; i < 20_000; i++) {
      arr.add("https://cdn.runcomfy.net/o/" + i + ".png");
    }
    OutputUrls.Found found =
        OutputUrls.find(
            mapper.createObjectNode().set("images", arr),
            DownloadConfig.defaults().maxOutputUrls());
    assertThat(found.urls()).hasSize(1000);
    assertThat(found.truncated()).isTrue();
    assertThat(OutputUrls.collect(arr)).hasSize(OutputUrls.DEFAULT_MAX_URLS);
    // the cap keeps the first entries in result order and drops the rest
    assertThat(found.urls())
        .startsWith("https://cdn.runcomfy.net/o/0.png", "https://cdn.runcomfy.net/o/1.png")
        .endsWith("https://cdn.runcomfy.net/o/999.png")
        .doesNotContain(
            "https://cdn.runcomfy.net/o/1000.png", "https://cdn.runcomfy.net/o/19999.png");
  }
}
