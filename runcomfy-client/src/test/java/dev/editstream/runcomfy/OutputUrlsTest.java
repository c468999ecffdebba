package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.Json;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OutputUrlsTest {
  private static List<String> collect(String json) throws Exception {
    return OutputUrls.collect(Json.mapper().readTree(json));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"images\":[\"https://a.runcomfy.net/1.png\",\"https://a.runcomfy.net/2.png\"]}|https://a.runcomfy.net/1.png,https://a.runcomfy.net/2.png",
        "{\"image\":\"https://a.runcomfy.net/1.png\"}|https://a.runcomfy.net/1.png",
        "{\"video\":\"https://a.runcomfy.net/v.mp4\"}|https://a.runcomfy.net/v.mp4",
        "{\"videos\":[\"https://a.runcomfy.net/v1.mp4\",\"https://a.runcomfy.net/v2.mp4\"]}|https://a.runcomfy.net/v1.mp4,https://a.runcomfy.net/v2.mp4",
        "{\"images\":[{\"url\":\"https://a.runcomfy.net/n.png\",\"width\":512}]}|https://a.runcomfy.net/n.png",
        "{\"data\":{\"deep\":[[{\"path\":\"http://127.0.0.1:8080/x.png\"}]]}}|http://127.0.0.1:8080/x.png",
        "\"https://a.runcomfy.net/bare.png\"|https://a.runcomfy.net/bare.png",
        "{\"a\":\"HTTPS://A.runcomfy.net/Up.png\"}|HTTPS://A.runcomfy.net/Up.png",
      })
  void shouldCollectUrlsOfEveryKnownShape(String output, String expected) throws Exception {
    assertThat(collect(output)).containsExactly(expected.split(","));
  }

  @Test
  void shouldKeepDocumentOrderAndDropDuplicates() throws Exception {
    assertThat(
            collect(
                "{\"z\":\"https://h.runcomfy.net/2\",\"a\":[\"https://h.runcomfy.net/1\",\"https://h.runcomfy.net/2\"],"
                    + "\"thumb\":{\"url\":\"https://h.runcomfy.net/1\"}}"))
        .containsExactly("https://h.runcomfy.net/2", "https://h.runcomfy.net/1");
  }

  @Test
  void shouldIgnoreNonUrlStringsNumbersAndOtherSchemes() throws Exception {
    assertThat(
            collect(
                "{\"prompt\":\"a cat at https://x\",\"seed\":42,\"ok\":true,\"n\":null,"
                    + "\"f\":\"ftp://a.runcomfy.net/x\",\"rel\":\"/files/x.png\",\"d\":\"data:image/png;base64,AAA\",\"h\":\"https://\"}"))
        .isEmpty();
  }

  @Test
  void shouldTrimSurroundingWhitespace() throws Exception {
    assertThat(collect("{\"image\":\"  https://a.runcomfy.net/1.png \\n\"}"))
        .containsExactly("https://a.runcomfy.net/1.png");
  }

  @Test
  void shouldReturnNothingForMissingOrNullOutput() throws Exception {
    assertThat(OutputUrls.collect(null)).isEmpty();
    assertThat(collect("null")).isEmpty();
    assertThat(collect("{}")).isEmpty();
  }

  @Test
  void shouldNeverLookOutsideOutput() throws Exception {
    var result = Json.mapper().readTree(Examples.bodyText("result-completed-images.json"));

    assertThat(OutputUrls.collect(result.get("output")))
        .containsExactly(
            "https://playgrounds-storage-public.runcomfy.net/tools/7063/results/abc123/result.png");
  }
}
