package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Validation and defaults of the settings added for issue 14. */
class HardeningConfigTest {
  @Test
  void shouldCapApiAnswersAtEightMibByDefault() {
    RunComfyConfig c = RunComfyConfig.of("http://127.0.0.1:1/v1", "t0k3n");
    assertThat(c.maxResponseBytes()).isEqualTo(8L << 20);
    assertThat(c.withMaxResponseBytes(4096).maxResponseBytes()).isEqualTo(4096);
    assertThat(
            c.withMaxResponseBytes(4096)
                .withResponseTimeout(Duration.ofSeconds(3))
                .maxResponseBytes())
        .isEqualTo(4096);
    assertThat(c.toString()).contains("maxResponseBytes=8388608").doesNotContain("t0k3n");
  }

  @ParameterizedTest
  @ValueSource(longs = {-1, 0, 1023, (1L << 30) + 1, Long.MAX_VALUE})
  void shouldRefuseAnAnswerCapOutOfRange(long bytes) {
    RunComfyConfig c = RunComfyConfig.of("http://127.0.0.1:1/v1", "t0k3n");
    assertThatThrownBy(() -> c.withMaxResponseBytes(bytes))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("maxResponseBytes:");
  }

  @Test
  void shouldGiveDownloadsAThirtyMinuteDeadlineAndAThousandUrlsByDefault() {
    DownloadConfig d = DownloadConfig.defaults();
    assertThat(d.deadline()).isEqualTo(Duration.ofMinutes(30));
    assertThat(d.maxOutputUrls()).isEqualTo(1000);
    assertThat(d.withDeadline(Duration.ofSeconds(5)).withMaxBytes(10).deadline())
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(d.withMaxOutputUrls(3).withReadTimeout(Duration.ofSeconds(1)).maxOutputUrls())
        .isEqualTo(3);
  }

  @Test
  void shouldRefuseANonPositiveDeadlineOrUrlCap() {
    DownloadConfig d = DownloadConfig.defaults();
    assertThatThrownBy(() -> d.withDeadline(Duration.ZERO)).hasMessageStartingWith("deadline:");
    assertThatThrownBy(() -> d.withDeadline(null)).hasMessageStartingWith("deadline:");
    assertThatThrownBy(() -> d.withMaxOutputUrls(0)).hasMessageStartingWith("maxOutputUrls:");
    assertThatThrownBy(() -> OutputUrls.find(null, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldRenderAbsentResultErrorsPlainly() {
    assertThat(new RequestResult("r", "failed", null, null, null, null).errorText("x"))
        .isEqualTo("no error given");
  }
}
