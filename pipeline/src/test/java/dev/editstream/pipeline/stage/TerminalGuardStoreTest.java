package dev.editstream.pipeline.stage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.pipeline.stage.TerminalGuard.Terminal;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a local store needs of the terminal guard's values: the codec round-trips every state, and
 * the merge is idempotent (a record folded twice after a crash changes nothing) and does not depend
 * on the order of the folds.
 */
class TerminalGuardStoreTest {
  private static final List<Terminal> STATES =
      List.of(
          new Terminal(true, 0),
          new Terminal(false, 0),
          new Terminal(true, 3),
          new Terminal(false, 3),
          new Terminal(true, Integer.MAX_VALUE),
          new Terminal(false, 1));

  @Test
  void shouldReadBackEveryTerminalStateFromItsFiveBytes() {
    for (Terminal t : STATES) {
      byte[] b = TerminalGuard.CODEC.encode(t);
      assertThat(b).hasSize(5);
      assertThat(TerminalGuard.CODEC.decode(b)).isEqualTo(t);
    }
  }

  @Test
  void shouldMergeIdempotentlyAndInAnyOrder() {
    for (Terminal a : STATES) {
      assertThat(Terminal.merge(a, a)).isEqualTo(a);
      for (Terminal b : STATES) {
        Terminal ab = Terminal.merge(a, b);
        assertThat(Terminal.merge(b, a)).isEqualTo(ab);
        assertThat(Terminal.merge(ab, b)).as("%s folded again into %s", b, ab).isEqualTo(ab);
        assertThat(Terminal.merge(ab, a)).isEqualTo(ab);
      }
    }
  }
}
