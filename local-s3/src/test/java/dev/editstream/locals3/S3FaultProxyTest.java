package dev.editstream.locals3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.storage.S3Settings;
import dev.editstream.storage.S3Store;
import dev.editstream.storage.S3Store.Staged;
import dev.editstream.storage.S3Store.Stored;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link S3Store} through {@link S3FaultProxy} in front of an in-memory {@link LocalS3}. */
class S3FaultProxyTest {
  @TempDir static Path dir;
  static LocalS3 s3;
  static S3FaultProxy proxy;

  @BeforeAll
  static void start() {
    s3 = LocalS3.start(null, "media-out");
    proxy = S3FaultProxy.start(s3.endpoint());
  }

  @AfterAll
  static void stop() {
    proxy.close();
    s3.close();
  }

  @AfterEach
  void reset() {
    proxy.reset();
  }

  private static S3Settings viaProxy() {
    return s3.settings("p", "--results-to").withEndpoint(proxy.endpoint(), true);
  }

  @Test
  void shouldForwardSignedRequestsUnchanged() throws Exception {
    Path f = Files2.write(dir.resolve("a.bin"), 200_000, 1);
    try (S3Store store = S3Store.open(viaProxy())) {
      store.check().block();
      var staged = store.stage(f, null).block();
      assertThat(store.stage(f, null).block().uploaded()).isFalse();
      assertThat(Files2.get(store.presignGet(staged.key(), Duration.ofMinutes(1))))
          .containsExactly("200", staged.sha256());
      assertThat(proxy.requests())
          .contains("HEAD /media-out", "PUT /media-out/" + staged.key())
          .noneMatch(r -> r.contains("="));
    }
  }

  @Test
  void shouldSucceedThroughSdkRetriesAfterTwo503s() throws Exception {
    Path f = Files2.write(dir.resolve("r.png"), 50_000, 2);
    try (S3Store store = S3Store.open(viaProxy())) {
      proxy.failNext(2, 503);
      Stored stored = store.putResult(f, "results/r.png", Files2.sha256(f), "image/png").block();
      assertThat(stored.bytes()).isEqualTo(50_000);
      assertThat(proxy.requests())
          .containsExactly(
              "PUT /media-out/p/results/r.png",
              "PUT /media-out/p/results/r.png",
              "PUT /media-out/p/results/r.png");
      assertThat(store.uploaded()).isEqualTo(1);
    }
  }

  @Test
  void shouldGiveUpAfterThreeAttemptsAsUnavailable() throws Exception {
    Path f = Files2.write(dir.resolve("u.png"), 1000, 3);
    try (S3Store store = S3Store.open(viaProxy())) {
      proxy.failNext(3, 500);
      assertThatThrownBy(() -> store.putResult(f, "results/u.png", Files2.sha256(f), null).block())
          .isInstanceOfSatisfying(
              StageException.class,
              e -> {
                assertThat(e.exitClass()).isEqualTo(ExitClass.UNAVAILABLE);
                assertThat(e.reasonText()).isEqualTo("storage_unavailable");
              });
      assertThat(proxy.requests()).hasSize(3);
    }
  }

  @Test
  void shouldReportA403AsNoperm() throws Exception {
    Path f = Files2.write(dir.resolve("d.png"), 1000, 4);
    try (S3Store store = S3Store.open(viaProxy())) {
      proxy.failNext(1, 403);
      assertThatThrownBy(() -> store.check().block())
          .isInstanceOfSatisfying(
              StageException.class, e -> assertThat(e.exitClass().code()).isEqualTo(77));
      proxy.failNext(1, 403);
      assertThatThrownBy(() -> store.putResult(f, "results/d.png", Files2.sha256(f), null).block())
          .isInstanceOfSatisfying(
              StageException.class,
              e -> {
                assertThat(e.exitClass().code()).isEqualTo(77);
                assertThat(e.reasonText()).isEqualTo("storage_denied");
                assertThat(e.getMessage()).contains("--results-to").contains("AccessDenied");
              });
    }
  }

  @Test
  void shouldReportASlowStoreAsTempfail() {
    try (S3Store store =
        S3Store.open(viaProxy().withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(500)))) {
      proxy.delay(Duration.ofSeconds(3));
      assertThatThrownBy(() -> store.check().block())
          .isInstanceOfSatisfying(
              StageException.class,
              e -> {
                assertThat(e.exitClass()).isEqualTo(ExitClass.TEMPFAIL);
                assertThat(e.reasonText()).isEqualTo("storage_timeout");
              });
    }
  }

  @Test
  void shouldFailOnlyTheRequestsARuleMatches() throws Exception {
    Path f = Files2.write(dir.resolve("m.png"), 2000, 8);
    try (S3Store store = S3Store.open(viaProxy())) {
      proxy.failNext(3, 503, r -> r.startsWith("PUT /media-out/p/results/"));
      assertThatThrownBy(() -> store.putResult(f, "results/m.png", Files2.sha256(f), null).block())
          .isInstanceOfSatisfying(
              StageException.class, e -> assertThat(e.exitClass().retryable()).isTrue());
      Staged staged = store.stage(f, null).block();
      assertThat(staged.uploaded()).as("the input PUT is not matched: it passes").isTrue();
      assertThat(store.putResult(f, "results/m.png", Files2.sha256(f), null).block().bytes())
          .as("the rule is spent")
          .isEqualTo(2000);
    }
  }

  @Test
  void shouldHoldOnlyTheNextMatchingRequests() throws Exception {
    Path f = Files2.write(dir.resolve("h.png"), 2000, 9);
    try (S3Store store =
        S3Store.open(viaProxy().withTimeouts(Duration.ofSeconds(3), Duration.ofMillis(500)))) {
      proxy.delayNext(3, Duration.ofSeconds(2), r -> r.startsWith("PUT "));
      store.check().block(); // a HEAD: not held
      assertThatThrownBy(() -> store.putResult(f, "results/h.png", Files2.sha256(f), null).block())
          .isInstanceOfSatisfying(
              StageException.class, e -> assertThat(e.exitClass()).isEqualTo(ExitClass.TEMPFAIL));
      assertThat(store.putResult(f, "results/h.png", Files2.sha256(f), null).block().bytes())
          .as("three PUTs held, then none")
          .isEqualTo(2000);
    }
  }

  @Test
  void shouldReportARefusedConnectionAsTempfail() {
    var settings =
        viaProxy()
            .withEndpoint(java.net.URI.create("http://127.0.0.1:1"), true)
            .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(2));
    try (S3Store store = S3Store.open(settings)) {
      assertThatThrownBy(() -> store.check().block())
          .isInstanceOfSatisfying(
              StageException.class, e -> assertThat(e.exitClass()).isEqualTo(ExitClass.TEMPFAIL));
    }
  }

  @Test
  void shouldDescribeRequestsWithoutQueryValues() {
    assertThat(S3FaultProxy.describe(HttpMethod.GET, "/b/k?X-Amz-Signature=abc&X-Amz-Expires=1"))
        .isEqualTo("GET /b/k?X-Amz-Expires,X-Amz-Signature");
    assertThat(S3FaultProxy.describe(HttpMethod.POST, "/b/k?uploads"))
        .isEqualTo("POST /b/k?uploads");
    assertThat(S3FaultProxy.describe(HttpMethod.HEAD, "/b")).isEqualTo("HEAD /b");
  }
}
