package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BoundedMemoTest {
  private final AtomicInteger computed = new AtomicInteger();
  private final Function<String, Integer> length =
      t -> {
        computed.incrementAndGet();
        return t.length();
      };

  @Test
  void computesOncePerNameAndText() {
    BoundedMemo<Integer> memo = new BoundedMemo<>(10, 100);
    assertThat(memo.get("a", "hello", length)).isEqualTo(5);
    assertThat(memo.get("a", new String("hello"), length)).isEqualTo(5);
    assertThat(memo.get("b", "hello", length)).isEqualTo(5);
    assertThat(computed).hasValue(2);
    assertThat(memo.hits()).isEqualTo(1);
    assertThat(memo.misses()).isEqualTo(2);
  }

  @Test
  void neverHoldsMoreThanMaxEntries() {
    BoundedMemo<Integer> memo = new BoundedMemo<>(3, 100);
    for (int i = 0; i < 10; i++) {
      assertThat(memo.get("n", "text-" + i, length)).isEqualTo(("text-" + i).length());
      assertThat(memo.size()).isLessThanOrEqualTo(3);
    }
    assertThat(computed).hasValue(10);
  }

  @Test
  void computesButDoesNotStoreTextsOverTheLengthBound() {
    BoundedMemo<Integer> memo = new BoundedMemo<>(10, 4);
    assertThat(memo.get("n", "12345", length)).isEqualTo(5);
    assertThat(memo.get("n", "12345", length)).isEqualTo(5);
    assertThat(memo.size()).isZero();
    assertThat(computed).hasValue(2);
    assertThat(memo.get("n", "1234", length)).isEqualTo(4);
    assertThat(memo.size()).isEqualTo(1);
  }

  @Test
  void givesTheSameAnswersAsTheFunctionUnderConcurrentUse() {
    BoundedMemo<Integer> memo = new BoundedMemo<>(16, 100);
    List<String> texts = IntStream.range(0, 40).mapToObj(i -> "x".repeat(i)).toList();
    List<Integer> wrong = new ArrayList<>();
    IntStream.range(0, 20_000)
        .parallel()
        .forEach(
            i -> {
              String t = texts.get(i % texts.size());
              int got = memo.get("len", t, String::length);
              if (got != t.length()) {
                synchronized (wrong) {
                  wrong.add(i);
                }
              }
            });
    assertThat(wrong).isEmpty();
    assertThat(memo.size()).isLessThanOrEqualTo(16);
  }

  @Test
  void rejectsBadBounds() {
    assertThatThrownBy(() -> new BoundedMemo<Integer>(0, 10)).hasMessageContaining("maxEntries");
    assertThatThrownBy(() -> new BoundedMemo<Integer>(1, -1)).hasMessageContaining("maxTextChars");
  }
}
