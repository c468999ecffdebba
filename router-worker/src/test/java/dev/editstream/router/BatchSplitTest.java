package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BatchSplitTest {
  private static ObjectNode body(int images, String aspect) {
    ObjectNode b = Json.mapper().createObjectNode().put("prompt", "p");
    var arr = b.putArray("image_urls");
    for (int i = 0; i < images; i++) {
      arr.add("https://cdn.example.com/" + i + ".png");
    }
    if (aspect != null) {
      b.put("aspect_ratio", aspect);
    }
    return b;
  }

  @Test
  void shouldKeepABodyWithinTheLimitAsOneCall() {
    List<ObjectNode> parts = BatchSplit.split(body(20, null), "image_urls", 20, "1:1", "1K");
    assertThat(parts).hasSize(1);
    assertThat(parts.get(0).has("aspect_ratio")).isFalse();
  }

  @Test
  void shouldSplitIntoCallsOfAtMostTheLimitInOrderWithTheLookLocked() {
    List<ObjectNode> parts = BatchSplit.split(body(45, null), "image_urls", 20, "4:3", "1K");
    assertThat(parts).extracting(p -> p.get("image_urls").size()).containsExactly(20, 20, 5);
    assertThat(parts.get(1).get("image_urls").get(0).asText()).endsWith("/20.png");
    assertThat(parts.get(2).get("image_urls").get(4).asText()).endsWith("/44.png");
    assertThat(parts)
        .allSatisfy(
            p -> {
              assertThat(p.get("aspect_ratio").asText()).isEqualTo("4:3");
              assertThat(p.get("resolution").asText()).isEqualTo("1K");
              assertThat(p.get("prompt").asText()).isEqualTo("p");
            });
  }

  @Test
  void shouldKeepTheJobsOwnAspectRatioUnlessItIsAuto() {
    assertThat(BatchSplit.split(body(21, "16:9"), "image_urls", 20, "1:1", "1K"))
        .allMatch(p -> p.get("aspect_ratio").asText().equals("16:9"));
    assertThat(BatchSplit.split(body(21, "auto"), "image_urls", 20, "1:1", "1K"))
        .allMatch(p -> p.get("aspect_ratio").asText().equals("1:1"));
  }

  @ParameterizedTest
  @CsvSource({
    "1360,1190,5:4",
    "1000,1000,1:1",
    "1920,1080,16:9",
    "1080,1920,9:16",
    "600,400,3:2",
    "400,372,1:1"
  })
  void shouldLockToTheNearestCommonRatio(int w, int h, String ratio) {
    assertThat(BatchSplit.nearestRatio(w, h)).isEqualTo(ratio);
  }
}
