package dev.editstream.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class S3StoreNamesTest {
  private static final String SHA =
      "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "photo.png|.png",
        "Photo.JPG|.jpg",
        "clip.tar.gz|.gz",
        "noext|''",
        ".hidden|''",
        "trailing.|''",
        "weird.p ng|''",
        "long.abcdefghijk|''",
        "ten.abcdefghij|.abcdefghij",
        "ümlaut.ÉXT|''",
        "video.MP4|.mp4",
      })
  void shouldNameInputsBySha256AndLowercaseExtension(String fileName, String ext) {
    assertThat(S3Store.inputName(SHA, fileName)).isEqualTo("inputs/" + SHA + ext);
  }

  @Test
  void shouldHandleANullFileName() {
    assertThat(S3Store.inputName(SHA, null)).isEqualTo("inputs/" + SHA);
  }

  @Test
  void shouldDigestByStreaming(@TempDir Path dir) throws Exception {
    Path f = Files.writeString(dir.resolve("t.txt"), "test", StandardCharsets.UTF_8);
    S3Store.Digest d = S3Store.digest(f).block();
    assertThat(d.sha256()).isEqualTo(SHA);
    assertThat(d.bytes()).isEqualTo(4);
  }
}
