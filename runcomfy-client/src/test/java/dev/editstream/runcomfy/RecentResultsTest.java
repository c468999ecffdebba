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

    assertThat(r.toString()).doesNotContain("s3cr3t").doesNotContain("cdn").isEqualTo("RecentResults[1 of 5]");
  }

  @Test
  void shouldRejectACapacityBelowOne() {
    assertThatThrownBy(() -> new RecentResults(0)).hasMessageContaining("capacity");
  }
}
