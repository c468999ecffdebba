package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;

class FileNamesTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "https://a.runcomfy.net/tools/7063/results/abc123/result.png|result.png",
        "https://a.runcomfy.net/x/my%20photo%3F.png|my_photo_.png",
        "https://a.runcomfy.net/x/..%2F..%2Fetc%2Fpasswd|_.._etc_passwd",
        "https://a.runcomfy.net/x/.hidden.png|hidden.png",
        "https://a.runcomfy.net/x/|output",
        "https://a.runcomfy.net|output",
        "https://a.runcomfy.net/x/out.mp4?sig=abc|out.mp4",
        "https://a.runcomfy.net/x/CON.png|_CON.png",
        "https://a.runcomfy.net/x/%E4%BD%A0%E5%A5%BD.png|__.png",
      })
  void shouldNameFromLastPathSegment(String url, String name) {
    assertThat(FileNames.fromUrl(URI.create(url))).isEqualTo(name);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "result.png|result.png",
        "a/b\\c.png|a_b_c.png",
        "...|output",
        "..png|png",
        "name.|name",
        "nul|_nul",
        "Com1.txt|_Com1.txt",
        "lpt9|_lpt9",
        "COM10.txt|COM10.txt",
        "console.log|console.log",
        "a+b c.png|a_b_c.png",
        "%zz.png|_zz.png",
        "???|output",
      })
  void shouldSanitise(String raw, String name) {
    assertThat(FileNames.sanitise(raw)).isEqualTo(name);
  }

  @ParameterizedTest
  @NullSource
  void shouldFallBackForNull(String raw) {
    assertThat(FileNames.sanitise(raw)).isEqualTo("output");
    assertThat(FileNames.fromUrl(null)).isEqualTo("output");
  }

  @Test
  void shouldCapLengthAndKeepExtension() {
    String name = FileNames.sanitise("a".repeat(300) + ".png");

    assertThat(name).hasSize(120).endsWith(".png").startsWith("aaaa");
  }

  @Test
  void shouldCapLengthWithoutExtension() {
    assertThat(FileNames.sanitise("b".repeat(300))).isEqualTo("b".repeat(120));
  }

  @Test
  void shouldNumberCollisionsBeforeExtension() {
    Set<String> taken = Set.of("result.png", "result-1.png");

    assertThat(FileNames.firstFree("result.png", taken::contains)).isEqualTo("result-2.png");
    assertThat(FileNames.firstFree("free.png", taken::contains)).isEqualTo("free.png");
    assertThat(FileNames.firstFree("output", Set.of("output")::contains)).isEqualTo("output-1");
    assertThat(FileNames.firstFree("archive.tar.gz", Set.of("archive.tar.gz")::contains))
        .isEqualTo("archive.tar-1.gz");
  }

  @Test
  void shouldStayWithinLengthCapWhenNumbering() {
    String longName = FileNames.sanitise("c".repeat(200) + ".mp4");

    String next = FileNames.firstFree(longName, Set.of(longName)::contains);

    assertThat(next).hasSize(120).endsWith("-1.mp4");
  }
}
