package dev.editstream.router.submit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.router.submit.SubmissionLedger.Entry;
import dev.editstream.router.submit.SubmissionLedger.State;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a local store needs of the ledger's entries: the codec round-trips every entry (notes,
 * absent request ids, nanosecond times), and folding an entry a second time, as a restart after a
 * crash may, changes nothing.
 */
class SubmissionLedgerStoreTest {
  private static List<Entry> entries() {
    Instant t0 = Instant.parse("2026-12-06T10:00:00.123456789Z");
    List<Entry> out = new ArrayList<>();
    for (State s : State.values()) {
      for (int replays = 0; replays < 2; replays++) {
        out.add(new Entry("job-1", s, replays, null, t0));
        out.add(new Entry("job-1", s, replays, "req-" + s, t0.plusMillis(5), "note ünïcode"));
      }
    }
    return out;
  }

  @Test
  void shouldReadBackEveryEntryFromItsStoredJson() {
    for (Entry e : entries()) {
      assertThat(SubmissionLedger.CODEC.decode(SubmissionLedger.CODEC.encode(e))).isEqualTo(e);
    }
  }

  @Test
  void shouldChangeNothingWhenAnEntryIsFoldedAgain() {
    for (Entry a : entries()) {
      assertThat(Entry.merge(a, a)).isEqualTo(a);
      for (Entry b : entries()) {
        Entry ab = Entry.merge(a, b);
        assertThat(Entry.merge(b, a)).as("%s and %s in either order", a, b).isEqualTo(ab);
        assertThat(Entry.merge(ab, b)).as("%s folded again into %s", b, ab).isEqualTo(ab);
        assertThat(Entry.merge(ab, a)).as("%s folded again into %s", a, ab).isEqualTo(ab);
      }
    }
  }

  @Test
  void shouldKeepTheLaterRunThenTheEarliestSubmittedThenTheLatestMarker() {
    Instant t = Instant.parse("2026-12-06T10:00:00Z");
    Entry submitting = new Entry("j", State.SUBMITTING, 0, null, t);
    Entry submitted = new Entry("j", State.SUBMITTED, 0, "r1", t.plusSeconds(1));
    Entry submittedLater = new Entry("j", State.SUBMITTED, 0, "r2", t.plusSeconds(9));
    Entry notSubmitted = new Entry("j", State.NOT_SUBMITTED, 0, null, t.plusSeconds(5));
    Entry rerun = new Entry("j", State.SUBMITTING, 1, null, t.minusSeconds(60));
    assertThat(Entry.merge(submitted, notSubmitted)).isEqualTo(submitted);
    assertThat(Entry.merge(submittedLater, submitted)).isEqualTo(submitted);
    assertThat(Entry.merge(submitting, notSubmitted)).isEqualTo(notSubmitted);
    assertThat(Entry.merge(submitted, rerun)).isEqualTo(rerun);
  }
}
