package dev.editstream.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 12: a resumed batch tells a changed job line from the one that ran. */
class JobFingerprintTest {
  static Job job(String prompt, Map<String, Object> params) {
    return new Job(
        "sku-1",
        prompt,
        List.of("https://cdn.example.com/a.png"),
        null,
        null,
        null,
        params,
        "gallery");
  }

  @Test
  void shouldGiveTheSameFingerprintForTheSameJobWhateverTheOrderOfItsParams() {
    Map<String, Object> ab = new LinkedHashMap<>();
    ab.put("a", 1);
    ab.put("b", "x");
    Map<String, Object> ba = new LinkedHashMap<>();
    ba.put("b", "x");
    ba.put("a", 1);

    assertThat(job("p", ab).fingerprint())
        .isEqualTo(job("p", ba).fingerprint())
        .hasSize(64)
        .matches("[0-9a-f]{64}");
  }

  @Test
  void shouldChangeTheFingerprintWhenAnyFieldChanges() {
    Job base = job("put it on grey paper", Map.of("seed", 1));
    List<Job> changed =
        List.of(
            job("put it on white paper", Map.of("seed", 1)),
            job("put it on grey paper", Map.of("seed", 2)),
            new Job(
                "sku-1",
                base.prompt(),
                List.of("https://cdn.example.com/b.png"),
                null,
                null,
                null,
                base.params(),
                "gallery"),
            new Job(
                "sku-1",
                base.prompt(),
                base.images(),
                "https://cdn.example.com/m.png",
                null,
                null,
                base.params(),
                "gallery"),
            new Job(
                "sku-1",
                base.prompt(),
                base.images(),
                null,
                null,
                "black-forest-labs/flux-kontext/edit",
                base.params(),
                "gallery"),
            new Job(
                "sku-1", base.prompt(), base.images(), null, null, null, base.params(), "other"));

    assertThat(changed)
        .allSatisfy(j -> assertThat(j.fingerprint()).isNotEqualTo(base.fingerprint()));
    assertThat(changed.stream().map(Job::fingerprint).distinct()).hasSize(changed.size());
  }
}
