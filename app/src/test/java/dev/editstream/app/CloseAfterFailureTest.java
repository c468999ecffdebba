package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Pipeline#closeAfterFailure}: what a failed start-up step had opened is closed. */
class CloseAfterFailureTest {

  @Test
  void shouldCloseEachOpenedResourceInOrderSkippingNulls() {
    List<String> closed = new ArrayList<>();
    RuntimeException failure = new IllegalStateException("catalog");

    Pipeline.closeAfterFailure(failure, () -> closed.add("ends"), null, () -> closed.add("ledger"));

    assertThat(closed).containsExactly("ends", "ledger");
    assertThat(failure.getSuppressed()).isEmpty();
  }

  @Test
  void shouldKeepClosingAndAttachACloseFailureToTheStartFailure() {
    List<String> closed = new ArrayList<>();
    RuntimeException failure = new IllegalStateException("catalog");
    Exception broken = new java.io.IOException("view store");

    Pipeline.closeAfterFailure(
        failure,
        () -> {
          throw broken;
        },
        () -> closed.add("ledger"));

    assertThat(closed).containsExactly("ledger");
    assertThat(failure.getSuppressed()).containsExactly(broken);
  }
}
