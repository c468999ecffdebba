package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.model.InputValidation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PreflightTest {
  @ParameterizedTest(name = "{0} {1} on {2} bytes {3}x{4} -> {5}")
  @CsvSource(
      nullValues = "-",
      value = {
        // rule, value, bytes, width, height, outcome (ok | breach | unchecked)
        "file_size_mb<, 30, 31457279, -, -, ok",
        "file_size_mb<, 30, 31457280, -, -, breach",
        "file_size_mb<=, 30, 31457280, -, -, ok",
        "width>, 14, 0, 15, 100, ok",
        "width>, 14, 0, 14, 100, breach",
        "height>=, 14, 0, 100, 13, breach",
        "aspect_ratio>=, 1:16, 0, 10, 160, ok",
        "aspect_ratio>=, 1:16, 0, 10, 161, breach",
        "aspect_ratio<=, 16:1, 0, 1700, 100, breach",
        "aspect_ratio<=, 16, 0, 1600, 100, ok",
        "width>, 14, 0, -, -, unchecked",
        "duration_s<, 10, 0, -, -, unchecked",
        "file_size_mb<, big, 0, -, -, unchecked",
        "file_size_mb~, 30, 0, -, -, unchecked",
        "aspect_ratio_between, '[\"1:16\",\"16:1\"]', 0, 100, 100, ok",
        "aspect_ratio_between, '[\"1:16\",\"16:1\"]', 0, 1700, 100, breach",
        "aspect_ratio_between, '[\"1:16\",\"16:1\"]', 0, 10, 170, breach",
        "duration_s_between, '[2,10]', 0, -, -, unchecked",
        "width_between, '[1]', 0, 5, 5, unchecked"
      })
  void shouldCheckEachKnownRuleAndSayWhatItCouldNotCheck(
      String rule, String value, long bytes, Integer w, Integer h, String outcome) {
    Preflight.Verdict v =
        Preflight.check(
            new InputValidation("image_url", rule, value, "RunComfy says no"),
            new Preflight.FileFacts(bytes, w, h));
    switch (outcome) {
      case "ok" -> assertThat(v).isEqualTo(Preflight.Verdict.OK);
      case "unchecked" -> assertThat(v).isEqualTo(Preflight.Verdict.UNCHECKED);
      default ->
          assertThat(v.breach())
              .startsWith("image_url: ")
              .contains("must be ")
              .contains("RunComfy says no");
    }
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"mp4, true", "MOV, true", "webm, false", "'', false"})
  void shouldCheckTheFileExtensionAgainstTheAllowedList(String ext, boolean ok) {
    Preflight.Verdict v =
        Preflight.check(
            new InputValidation("video_url", "file_extension_in", "[\"mp4\",\"mov\"]", null),
            new Preflight.FileFacts(10, null, null, ext));
    assertThat(v.breach() == null).isEqualTo(ok);
    assertThat(v.unchecked()).isFalse();
  }
}
