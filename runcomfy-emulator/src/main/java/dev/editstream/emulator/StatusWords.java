package dev.editstream.emulator;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How the emulator spells a job's {@code status} (config {@link EmulatorConfig#statusWords()}).
 *
 * <p>{@link #LIVE} (default) plays live RunComfy, whose clients see more words than the documented
 * ones (runcomfy-live-contract.md §3: RunComfy's nodes treat {@code pending}, {@code waiting},
 * {@code starting}, {@code processing} as still running; the CLI and MCP lower-case the value
 * first; runcomfy-model-api.md: clients accept {@code succeeded}, {@code canceled}): each request
 * gets one spelling per phase, chosen from a hash of its request_id, so it is stable across polls
 * and the same in its status and result answers:
 *
 * <ul>
 *   <li>queued: {@code in_queue}, {@code pending}, {@code waiting}
 *   <li>running: {@code in_progress}, {@code starting}, {@code processing}
 *   <li>completed: {@code completed}, {@code COMPLETED}, {@code succeeded}
 *   <li>failed: {@code failed}, {@code FAILED}
 *   <li>cancelled: {@code cancelled}, {@code canceled}
 * </ul>
 *
 * {@link #DOCUMENTED} uses the documented words only ({@link JobBook.State#wire()}).
 */
public enum StatusWords {
  /** A deterministic live spelling per request and phase. */
  LIVE,
  /** The documented words only: in_queue, in_progress, completed, failed, cancelled. */
  DOCUMENTED;

  private static final Map<JobBook.State, List<String>> SPELLINGS =
      Map.of(
          JobBook.State.IN_QUEUE, List.of("in_queue", "pending", "waiting"),
          JobBook.State.IN_PROGRESS, List.of("in_progress", "starting", "processing"),
          JobBook.State.COMPLETED, List.of("completed", "COMPLETED", "succeeded"),
          JobBook.State.FAILED, List.of("failed", "FAILED"),
          JobBook.State.CANCELLED, List.of("cancelled", "canceled"));

  /**
   * The {@code status} value of a request in a state.
   *
   * @param state the job's state
   * @param requestId its request_id (chooses the live spelling)
   */
  @SuppressWarnings("EnumOrdinal") // a hash input: it only has to differ between states
  public String spell(JobBook.State state, String requestId) {
    if (this == DOCUMENTED) {
      return state.wire();
    }
    List<String> words = spellings(state);
    int h = requestId.hashCode() * 0x9E3779B1 + state.ordinal() * 0x85EBCA6B;
    h ^= h >>> 15;
    h *= 0x2C1B3C6D;
    h ^= h >>> 13;
    return words.get(Math.floorMod(h, words.size()));
  }

  /** Every live spelling of a state, the documented one first. */
  public static List<String> spellings(JobBook.State state) {
    return Objects.requireNonNull(SPELLINGS.get(state), "every state has spellings");
  }

  /**
   * The state a status value means, whichever spelling (case ignored).
   *
   * @return empty for a word no state has
   */
  public static Optional<JobBook.State> phaseOf(String status) {
    if (status == null) {
      return Optional.empty();
    }
    return SPELLINGS.entrySet().stream()
        .filter(e -> e.getValue().stream().anyMatch(w -> w.equalsIgnoreCase(status.trim())))
        .map(Map.Entry::getKey)
        .findFirst();
  }

  /**
   * Reads a config value, case ignored: {@code live} or {@code documented}.
   *
   * @throws IllegalArgumentException for another value
   */
  public static StatusWords parse(String value) {
    for (StatusWords w : values()) {
      if (w.name().equalsIgnoreCase(value == null ? "" : value.trim())) {
        return w;
      }
    }
    throw new IllegalArgumentException("must be live or documented, was '" + value + "'");
  }
}
