package dev.editstream.pipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class TraceparentTest {
  private static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  private static final String FORMAT = "00-[0-9a-f]{32}-[0-9a-f]{16}-01";

  @Test
  void shouldParseAValidValueIntoItsParts() {
    Traceparent t = Traceparent.parse(VALID).orElseThrow();
    assertThat(t.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(t.spanId()).isEqualTo("00f067aa0ba902b7");
    assertThat(t.flags()).isEqualTo("01");
    assertThat(t.toString()).isEqualTo(VALID);
    assertThat(Traceparent.valid(VALID)).isTrue();
    assertThat(Traceparent.parse(VALID.getBytes(StandardCharsets.US_ASCII))).contains(t);
    assertThat(Traceparent.parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"))
        .isPresent();
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(
      strings = {
        "garbage",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 ",
        " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e47366-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0G",
        "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\n",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-\u00e901"
      })
  void shouldRefuseMalformedValuesAndStartANewTraceFromThem(String bad) {
    assertThat(Traceparent.parse(bad)).isEmpty();
    assertThat(Traceparent.valid(bad)).isFalse();
    Traceparent child = Traceparent.child(bad);
    assertThat(child.toString()).matches(FORMAT);
    assertThat(Traceparent.valid(child.toString())).isTrue();
    if (bad != null && bad.length() > 35) {
      assertThat(child.traceId()).isNotEqualTo(bad.substring(3, 35));
    }
  }

  @Test
  void shouldRefuseMalformedBytes() {
    assertThat(Traceparent.parse((byte[]) null)).isEmpty();
    assertThat(Traceparent.parse(new byte[0])).isEmpty();
    assertThat(Traceparent.parse(new byte[55])).isEmpty();
    assertThat(Traceparent.parse(new byte[100_000])).isEmpty();
    byte[] utf8 =
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-\u00e9")
            .getBytes(StandardCharsets.UTF_8);
    assertThat(Traceparent.parse(utf8)).isEmpty();
  }

  @Test
  void shouldKeepTheTraceIdWithANewSpanIdInAChild() {
    Traceparent parent = Traceparent.parse(VALID).orElseThrow();
    Traceparent child = Traceparent.child(VALID);
    assertThat(child.traceId()).isEqualTo(parent.traceId());
    assertThat(child.spanId()).isNotEqualTo(parent.spanId()).matches("[0-9a-f]{16}");
    assertThat(child.flags()).isEqualTo("01");
    assertThat(parent.child().traceId()).isEqualTo(parent.traceId());
    assertThat(
            Traceparent.child(
                    Traceparent.parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
                        .orElseThrow()
                        .toString())
                .flags())
        .isEqualTo("01");
  }

  @Test
  void shouldMakeDistinctValidRoots() {
    Set<String> traces = new HashSet<>();
    Set<String> spans = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      Traceparent t = Traceparent.newRoot();
      assertThat(t.toString()).matches(FORMAT).hasSize(55);
      assertThat(Traceparent.parse(t.toString())).contains(t);
      traces.add(t.traceId());
      spans.add(t.spanId());
    }
    assertThat(traces).hasSize(1000);
    assertThat(spans).hasSize(1000);
  }

  @Test
  void shouldRefuseInvalidPartsInTheConstructor() {
    assertThatThrownBy(() -> new Traceparent("0".repeat(32), "00f067aa0ba902b7", "01"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("trace id");
    assertThatThrownBy(
            () -> new Traceparent("4bf92f3577b34da6a3ce929d0e0e4736", "0".repeat(16), "01"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("span id");
    assertThatThrownBy(
            () -> new Traceparent("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("flags");
    assertThatThrownBy(() -> new Traceparent(null, "00f067aa0ba902b7", "01"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Traceparent("x\u0000".repeat(30), "00f067aa0ba902b7", "01"))
        .isInstanceOf(IllegalArgumentException.class)
        .message()
        .doesNotContain("\u0000");
  }
}
