package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RecentResultsTest {
  @Test
  void shouldHandEachResultOverOnce() {
    RecentResults r = new RecentResults(10);
    r.put("req-1", List.of("https://cdn.runcomfy.net/a.png?sig=s3cr3t"));

    assertThat(r.take("req-1")).contains(List.of("https://cdn.runcomfy.net/a.png?sig=s3cr3t"));
    assertThat(r.take("req-1")).isEmpty();
    assertThat(r.take("never")).isEmpty();
  }

  @Test
  void shouldDropTheOldestPastItsCapacity() {
    RecentResults r = new RecentResults(2);
    r.put("a", List.of("u1"));
    r.put("b", List.of("u2"));
    r.put("c", List.of("u3"));

    assertThat(r.size()).isEqualTo(2);
    assertThat(r.take("a")).isEmpty();
    assertThat(r.take("b")).contains(List.of("u2"));
    assertThat(r.take("c")).contains(List.of("u3"));
  }

  @Test
  void shouldNeverShowAUrlInItsDescription() {
    RecentResults r = new RecentResults(5);
    r.put("req-1", List.of("https://cdn.runcomfy.net/a.png?sig=s3cr3t"));

    assertThat(r.toString())
        .doesNotContain("s3cr3t")
        .doesNotContain("cdn")
        .startsWith("RecentResults[1 of 5, ");
  }

  @Test
  void shouldRejectACapacityBelowOne() {
    assertThatThrownBy(() -> new RecentResults(0)).hasMessageContaining("capacity");
    assertThatThrownBy(() -> new RecentResults(5, 0)).hasMessageContaining("maxBytes");
  }

  @Test
  void shouldDropTheOldestPastItsByteBudget() {
    List<String> urls = List.of("https://cdn.runcomfy.net/" + "x".repeat(100) + ".png?sig=s");
    long one = RecentResults.weight("req-1", urls);
    RecentResults r = new RecentResults(1000, 2 * one);
    r.put("req-1", urls);
    r.put("req-2", urls);
    assertThat(r.bytes()).isEqualTo(2 * one);

    r.put("req-3", urls);

    assertThat(r.size()).isEqualTo(2);
    assertThat(r.bytes()).isEqualTo(2 * one);
    assertThat(r.take("req-1")).isEmpty();
    assertThat(r.take("req-2")).contains(urls);
    assertThat(r.bytes()).isEqualTo(one);
  }

  @Test
  void shouldCountAReplacedEntryOnce() {
    RecentResults r = new RecentResults(10, 10_000);
    r.put("req-1", List.of("u1"));
    r.put("req-1", List.of("u1", "u2"));

    assertThat(r.size()).isEqualTo(1);
    assertThat(r.bytes()).isEqualTo(RecentResults.weight("req-1", List.of("u1", "u2")));
    r.take("req-1");
    assertThat(r.bytes()).isZero();
  }

  @Test
  void shouldNotHoldAResultLargerThanTheWholeBudget() {
    RecentResults r = new RecentResults(10, 300); // "small" weighs 182 bytes, "huge" 680
    r.put("small", List.of("u"));
    r.put("huge", List.of("x".repeat(500)));

    assertThat(r.take("huge")).isEmpty();
    assertThat(r.take("small")).contains(List.of("u"));
  }
}
