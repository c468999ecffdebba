package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Storage}'s pure parts: the stored content type and the pre-signed lifetime. */
class StorageTest {
  @TempDir Path dir;

  @Test
  void shouldTakeTheContentTypeFromTheBytesNotTheName() throws Exception {
    Path sample =
        PipelineScenario.projectRoot()
            .resolve("examples")
            .resolve("a_products")
            .resolve("a01_water_bottle_cutout.png");
    Path misnamed = Files.copy(sample, dir.resolve("photo.jpg"));
    assertThat(Storage.contentType(misnamed)).isEqualTo("image/png");
    assertThat(
            Storage.contentType(Files.writeString(dir.resolve("notes.png"), "not an image at all")))
        .isEqualTo("text/plain");
    assertThat(Storage.contentType(Files.write(dir.resolve("empty.webp"), new byte[0])))
        .isEqualTo("application/octet-stream");
  }

  @Test
  void shouldReportAnUnreadableInputAsNoInput() {
    assertThatThrownBy(() -> Storage.contentType(dir.resolve("gone.png")))
        .isInstanceOfSatisfying(
            StageException.class,
            e -> {
              assertThat(e.exitClass()).isEqualTo(ExitClass.NO_INPUT);
              assertThat(e.getMessage()).contains("--stage-to").contains("gone.png");
            });
  }

  @Test
  void shouldSignInputsForTwiceTheDeadlinePlusAQuarterHourAtMostSevenDays() {
    assertThat(Storage.presignLifetime(Duration.ofMinutes(30))).isEqualTo(Duration.ofMinutes(75));
    assertThat(Storage.presignLifetime(Duration.ofDays(3)))
        .isEqualTo(Duration.ofDays(6).plusMinutes(15));
    assertThat(Storage.presignLifetime(Duration.ofDays(4))).isEqualTo(Duration.ofDays(7));
  }
}
