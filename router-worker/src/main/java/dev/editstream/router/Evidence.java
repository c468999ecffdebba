package dev.editstream.router;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether a routing condition holds, and the cues that made it hold ({@code "keep:unchanged"},
 * {@code "images:3"}). Immutable; combined with {@link #and}, {@link #or} and {@link #unless} so a
 * rule reads as one expression.
 */
public final class Evidence {
  private static final Evidence NONE = new Evidence(false, List.of());

  private final boolean found;
  private final List<String> cues;

  private Evidence(boolean found, List<String> cues) {
    this.found = found;
    this.cues = List.copyOf(cues);
  }

  /** A condition that does not hold. */
  public static Evidence none() {
    return NONE;
  }

  /** A condition that holds, explained by these cues (possibly none). */
  public static Evidence of(List<String> cues) {
    return new Evidence(true, cues);
  }

  /** A condition that holds, explained by one cue. */
  public static Evidence of(String cue) {
    return new Evidence(true, List.of(cue));
  }

  /** Whether the condition holds. */
  public boolean found() {
    return found;
  }

  /** The cues that explain the condition, in the order they were found; empty when not found. */
  public List<String> cues() {
    return cues;
  }

  /** Holds when both hold; the cues of both, this one's first. */
  public Evidence and(Evidence other) {
    if (!found || !other.found) {
      return NONE;
    }
    List<String> all = new ArrayList<>(cues);
    all.addAll(other.cues);
    return new Evidence(true, all);
  }

  /** Holds when either holds; this one's cues when it holds, else the other's. */
  public Evidence or(Evidence other) {
    return found ? this : other;
  }

  /** Holds when this holds and {@code other} does not (a negative cue vetoes the rule). */
  public Evidence unless(Evidence other) {
    return other.found ? NONE : this;
  }

  @Override
  public String toString() {
    return found ? "found" + cues : "none";
  }
}
