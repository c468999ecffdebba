package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.editstream.core.error.ExitClass;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Content types, download status classes and download settings. */
class SmallRulesTest {
  @ParameterizedTest
  @CsvSource({
    "a.png,image/png",
    "A.JPG,image/jpeg",
    "x.jpeg,image/jpeg",
    "v.mp4,video/mp4",
    "v.webm,video/webm",
    "i.webp,image/webp",
    "noext,application/octet-stream",
    "x.unknown,application/octet-stream",
    ",application/octet-stream"
  })
  void shouldGuessContentTypeFromExtension(String name, String type) {
    assertThat(ContentTypes.guess(name)).isEqualTo(type);
  }

  @ParameterizedTest
  @CsvSource({
    "400,DATA", "403,DATA", "404,DATA", "410,DATA", "408,TEMPFAIL", "429,TEMPFAIL",
    "500,UNAVAILABLE", "503,UNAVAILABLE", "599,UNAVAILABLE", "304,OTHER", "100,OTHER", "600,OTHER"
  })
  void shouldClassifyDownloadStatus(int status, ExitClass cls) {
    assertThat(DownloadStatus.classify(status)).isEqualTo(cls);
  }

  @ParameterizedTest
  @CsvSource({
    "301,true",
    "302,true",
    "303,true",
    "307,true",
    "308,true",
    "300,false",
    "304,false",
    "200,false"
  })
  void shouldFollowOnlyRealRedirects(int status, boolean redirect) {
    assertThat(DownloadStatus.isRedirect(status)).isEqualTo(redirect);
  }

  @Test
  void shouldUseCliDownloadDefaults() {
    DownloadConfig d = DownloadConfig.defaults();

    assertThat(d.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(d.readTimeout()).isEqualTo(Duration.ofSeconds(120));
    assertThat(d.maxBytes()).isEqualTo(2_147_483_648L);
    assertThat(d.maxRedirects()).isEqualTo(10);
  }

  @Test
  void shouldNameInvalidDownloadSetting() {
    DownloadConfig d = DownloadConfig.defaults();
    assertThatThrownBy(() -> d.withMaxBytes(0)).hasMessageStartingWith("maxBytes:");
    assertThatThrownBy(() -> d.withReadTimeout(Duration.ZERO))
        .hasMessageStartingWith("readTimeout:");
    assertThatThrownBy(() -> new DownloadConfig(null, Duration.ofSeconds(1), 1, 0, 1, 0))
        .hasMessageStartingWith("connectTimeout:");
    assertThatThrownBy(
            () -> new DownloadConfig(Duration.ofSeconds(1), Duration.ofSeconds(1), 1, -1, 1, 0))
        .hasMessageStartingWith("maxRedirects:");
    assertThatThrownBy(
            () -> new DownloadConfig(Duration.ofSeconds(1), Duration.ofSeconds(1), 1, 0, 0, 0))
        .hasMessageStartingWith("maxConnections:");
    assertThatThrownBy(() -> d.withSyncEveryBytes(-1)).hasMessageStartingWith("syncEveryBytes:");
    assertThat(d.withSyncEveryBytes(0).syncEveryBytes()).isZero();
    assertThat(d.syncEveryBytes()).isEqualTo(32L << 20);
  }
}
