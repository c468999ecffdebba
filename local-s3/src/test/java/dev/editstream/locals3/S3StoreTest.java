package dev.editstream.locals3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.storage.S3Store;
import dev.editstream.storage.S3Store.Staged;
import dev.editstream.storage.S3Store.Stored;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/** {@link S3Store} against a real S3Proxy (filesystem blob store). */
class S3StoreTest {
  @TempDir static Path dir;
  static LocalS3 s3;

  @BeforeAll
  static void start() {
    s3 = LocalS3.start(dir.resolve("s3"), "media-in");
  }

  @AfterAll
  static void stop() {
    s3.close();
  }

  @Test
  void shouldUploadOnceAndSkipTheSecondTime() throws Exception {
    Path f = Files2.write(dir.resolve("Once.PNG"), 100_000, 1);
    try (S3Store store = S3Store.open(s3.settings("runs/a", "--stage-to"))) {
      store.check().block();
      Staged first = store.stage(f, "image/png").block();
      Staged second = store.stage(f, "image/png").block();
      assertThat(first.uploaded()).isTrue();
      assertThat(second.uploaded()).isFalse();
      assertThat(first.key())
          .isEqualTo("runs/a/inputs/" + Files2.sha256(f) + ".png")
          .isEqualTo(second.key());
      assertThat(first.bytes()).isEqualTo(100_000);
      assertThat(store.uploaded()).isEqualTo(1);
      assertThat(store.skipped()).isEqualTo(1);
      String[] got = Files2.get(store.presignGet(first.key(), Duration.ofMinutes(5)));
      assertThat(got).containsExactly("200", first.sha256());
    }
  }

  @Test
  void shouldUploadOnceForTwentyConcurrentStages() throws Exception {
    Path f = Files2.write(dir.resolve("same.jpg"), 3_000_000, 2);
    try (S3Store store = S3Store.open(s3.settings("runs/b", "--stage-to"))) {
      List<Staged> all =
          Flux.range(0, 20).flatMap(i -> store.stage(f, "image/jpeg"), 20).collectList().block();
      assertThat(all).hasSize(20);
      assertThat(all.stream().map(Staged::key).collect(Collectors.toSet())).hasSize(1);
      assertThat(store.uploaded()).isEqualTo(1);
      assertThat(store.joined() + store.skipped()).isEqualTo(19);
    }
  }

  /**
   * The router blocks a bounded-elastic thread on each staging; with every such thread blocked,
   * hashing must still run (it once queued behind the blocked callers and stalled until their
   * timeout).
   */
  @Test
  void shouldStageWhileCallersBlockEveryBoundedElasticThread() throws Exception {
    int callers = reactor.core.scheduler.Schedulers.DEFAULT_BOUNDED_ELASTIC_SIZE;
    List<Path> files = new java.util.ArrayList<>();
    for (int i = 0; i < callers; i++) {
      files.add(Files2.write(dir.resolve("blocked-" + i + ".bin"), 20_000, 100 + i));
    }
    try (S3Store store = S3Store.open(s3.settings("runs/e", "--stage-to"))) {
      List<Staged> all =
          Flux.fromIterable(files)
              .flatMap(
                  f ->
                      reactor.core.publisher.Mono.fromCallable(
                              () -> store.stage(f, null).block(Duration.ofSeconds(60)))
                          .subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic()),
                  callers)
              .collectList()
              .block(Duration.ofSeconds(30));
      assertThat(all).hasSize(callers).allSatisfy(s -> assertThat(s.uploaded()).isTrue());
      assertThat(store.uploaded()).isEqualTo(callers);
    }
  }

  @Test
  void shouldSendABigFileInPartsAndGetItBackWhole() throws Exception {
    Path f = Files2.write(dir.resolve("big.mp4"), 40L << 20, 3);
    try (S3FaultProxy proxy = S3FaultProxy.start(s3.endpoint());
        S3Store store =
            S3Store.open(
                s3.settings("runs/c", "--stage-to").withEndpoint(proxy.endpoint(), true))) {
      Staged staged = store.stage(f, "video/mp4").block();
      assertThat(staged.uploaded()).isTrue();
      assertThat(staged.bytes()).isEqualTo(40L << 20);
      List<String> requests = proxy.requests();
      assertThat(requests).contains("POST /media-in/" + staged.key() + "?uploads");
      assertThat(requests.stream().filter(r -> r.endsWith("?partNumber,uploadId"))).hasSize(5);
      assertThat(
              requests.stream()
                  .filter(r -> r.equals("POST /media-in/" + staged.key() + "?uploadId")))
          .hasSize(1);
      String[] got = Files2.get(store.presignGet(staged.key(), Duration.ofMinutes(5)));
      assertThat(got).containsExactly("200", Files2.sha256(f));
    }
  }

  @Test
  void shouldStoreAResultWithItsSha256() throws Exception {
    Path f = Files2.write(dir.resolve("out.png"), 12_345, 4);
    String sha = Files2.sha256(f);
    try (S3Store store = S3Store.open(s3.settings("", "--results-to"))) {
      Stored stored = store.putResult(f, "results/job-1/out.png", sha, "image/png").block();
      assertThat(stored)
          .isEqualTo(
              new Stored(
                  "s3://media-in/results/job-1/out.png", "results/job-1/out.png", 12_345, sha));
      URI url = store.presignGet(stored.key(), Duration.ofMinutes(1));
      var head =
          Files2.HTTP.send(
              java.net.http.HttpRequest.newBuilder(url).GET().build(),
              java.net.http.HttpResponse.BodyHandlers.discarding());
      assertThat(head.headers().firstValue("x-amz-meta-sha256")).contains(sha);
      assertThat(head.headers().firstValue("content-type")).contains("image/png");
    }
  }

  @Test
  void shouldRefuseAnExpiredPresignedUrl() throws Exception {
    Path f = Files2.write(dir.resolve("short.txt"), 1000, 5);
    try (S3Store store = S3Store.open(s3.settings("runs/d", "--stage-to"))) {
      Staged staged = store.stage(f, "text/plain").block();
      URI url = store.presignGet(staged.key(), Duration.ofSeconds(1));
      assertThat(Files2.get(url)[0]).isEqualTo("200");
      await()
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> Files2.get(url)[0].equals("403"));
    }
  }

  @Test
  void shouldReportAWrongSecretAsNoperm() throws Exception {
    Path f = Files2.write(dir.resolve("denied.txt"), 10, 6);
    var settings =
        s3.settings("", "--stage-to")
            .withStaticCredentials(s3.accessKey(), "not-the-secret-at-all");
    try (S3Store store = S3Store.open(settings)) {
      assertThatThrownBy(() -> store.check().block())
          .isInstanceOfSatisfying(
              StageException.class,
              e -> {
                assertThat(e.exitClass()).isEqualTo(ExitClass.NOPERM);
                assertThat(e.reasonText()).isEqualTo("storage_denied");
              });
      assertThatThrownBy(() -> store.stage(f, null).block())
          .isInstanceOfSatisfying(
              StageException.class,
              e -> {
                assertThat(e.exitClass().code()).isEqualTo(77);
                assertThat(e.getMessage())
                    .contains("--stage-to")
                    .doesNotContain("not-the-secret-at-all");
              });
    }
  }

  @Test
  void shouldReportAMissingBucketAsNopermNamingTheOption() throws Exception {
    Path f = Files2.write(dir.resolve("nobucket.txt"), 10, 7);
    var settings = s3.settings("", "--stage-to");
    var other =
        new dev.editstream.storage.S3Settings(
            dev.editstream.storage.ObjectStoreUri.parse("--stage-to", "s3://no-such-bucket/x"),
            settings.region(),
            settings.endpoint(),
            true,
            null,
            settings.accessKey(),
            settings.secretKey(),
            "--stage-to",
            settings.apiCallTimeout(),
            settings.attemptTimeout());
    try (S3Store store = S3Store.open(other)) {
      for (Runnable call :
          List.<Runnable>of(() -> store.check().block(), () -> store.stage(f, null).block())) {
        assertThatThrownBy(call::run)
            .isInstanceOfSatisfying(
                StageException.class,
                e -> {
                  assertThat(e.exitClass()).isEqualTo(ExitClass.NOPERM);
                  assertThat(e.reasonText()).isEqualTo("storage_no_bucket");
                  assertThat(e.getMessage()).contains("--stage-to").contains("no-such-bucket");
                });
      }
    }
  }

  @Test
  void shouldReportAMissingLocalFileAsNoInput() {
    try (S3Store store = S3Store.open(s3.settings("", "--stage-to"))) {
      assertThatThrownBy(() -> store.stage(dir.resolve("absent.png"), null).block())
          .isInstanceOfSatisfying(
              StageException.class, e -> assertThat(e.exitClass()).isEqualTo(ExitClass.NO_INPUT));
    }
  }

  @Test
  void shouldKeepTheBucketOnDisk() {
    assertThat(Files.isDirectory(dir.resolve("s3").resolve("media-in"))).isTrue();
  }
}
