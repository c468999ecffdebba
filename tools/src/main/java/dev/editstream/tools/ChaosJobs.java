package dev.editstream.tools;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the chaos run's job file: {@code n} jobs over every route, cycling through the small
 * sample images, each prompt tagged with its job id so that two POSTs of one job have the same body
 * and two jobs never do.
 */
final class ChaosJobs {
  private ChaosJobs() {}

  static List<String> write(Path file, Path examples, int n) throws IOException {
    String[] small = {
      "a_products/a07_teapot_window.jpg",
      "a_products/a08_football_grass.jpg",
      "a_products/a11_teddy_bear_basket.jpg",
      "d_portraits/d02_man_glasses_wool_hat.jpg",
      "a_products/a06_led_bulb_white.jpg"
    };
    String[][] masked = {
      {
        "b_inpaint/bertrand-gabioud-CpuFzIsHYJ0.png",
        "b_inpaint/bertrand-gabioud-CpuFzIsHYJ0_mask.png"
      },
      {
        "b_inpaint/photo-1583445095369-9c651e7e5d34.png",
        "b_inpaint/photo-1583445095369-9c651e7e5d34_mask.png"
      }
    };
    List<String> lines = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String id = String.format("chaos-%05d", i + 1);
      ObjectNode o = Json.mapper().createObjectNode();
      o.put("id", id);
      o.put("batch", "chaos");
      String img = examples.resolve(small[i % small.length]).toString();
      String tag = " [" + id + "]";
      int kind = i % 20;
      if (kind < 11) {
        o.put("prompt", "Keep the subject unchanged. Put it on smooth studio-grey paper." + tag);
        o.putArray("images").add(img);
      } else if (kind < 14) {
        o.put(
            "prompt",
            "Compose the subject of image 1 into the scene of image 2, matching the light of image 2."
                + tag);
        o.putArray("images")
            .add(img)
            .add(examples.resolve(small[(i + 1) % small.length]).toString());
      } else if (kind < 16) {
        o.put("prompt", "She is now holding an orange umbrella" + tag);
        o.putArray("images").add(img);
      } else if (kind < 19) {
        String[] m = masked[i % masked.length];
        o.put(
            "prompt",
            "Remove the masked object; keep everything outside the mask unchanged." + tag);
        o.putArray("images").add(examples.resolve(m[0]).toString());
        o.put("mask", examples.resolve(m[1]).toString());
      } else if (i % 100 == 19) {
        o.put("prompt", "Remove the watermark in the bottom-right corner across all frames." + tag);
        o.put("video", examples.resolve("e_video/e02_his_girl_friday_clip.mp4").toString());
      } else {
        o.put(
            "prompt",
            "Apply the same edit to every frame of this sequence: turn daylight into dusk." + tag);
        o.putArray("images")
            .add(img)
            .add(examples.resolve(small[(i + 2) % small.length]).toString());
      }
      lines.add(Json.mapper().writeValueAsString(o));
      ids.add(id);
    }
    Files.write(file, lines, StandardCharsets.UTF_8);
    return ids;
  }
}
