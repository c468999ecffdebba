package dev.editstream.router;

import dev.editstream.core.job.Job;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** Small job fixtures for tests. */
final class Jobs {
  private Jobs() {}

  /** {@code n} image URLs. */
  static List<String> images(int n) {
    return IntStream.rangeClosed(1, n)
        .mapToObj(i -> "https://assets.example.com/img-" + i + ".jpg")
        .toList();
  }

  static Job images(String prompt, int n) {
    return new Job("j1", prompt, images(n), null, null, null, null, null);
  }

  /** A job {@code id} whose one input is the local file {@code image}. */
  static Job local(String id, String prompt, java.nio.file.Path image) {
    return new Job(id, prompt, List.of(image.toString()), null, null, null, null, null);
  }

  static Job masked(String prompt, Map<String, Object> params) {
    return new Job(
        "j1", prompt, images(1), "https://assets.example.com/mask.png", null, null, params, null);
  }

  static Job video(String prompt) {
    return new Job(
        "j1", prompt, null, null, "https://assets.example.com/clip.mp4", null, null, null);
  }

  static Job explicit(String prompt, String model, int n) {
    return new Job("j1", prompt, images(n), null, null, model, null, null);
  }
}
