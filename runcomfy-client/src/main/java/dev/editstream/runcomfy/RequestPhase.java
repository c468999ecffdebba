package dev.editstream.runcomfy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Where a RunComfy request stands, read from the {@code status} word of a status or result answer.
 * Pure.
 *
 * <p>RunComfy's clients do not agree on one spelling, so the word is lower-cased ({@link
 * Locale#ROOT}) and trimmed first, as RunComfy's CLI and MCP server do, and then mapped ({@code
 * runcomfy-live-contract.md} §3, {@code runcomfy-model-api.md} "Endpoints"):
 *
 * <table>
 *   <caption>status words</caption>
 *   <tr><th>phase</th><th>words</th></tr>
 *   <tr><td>{@link #QUEUED}</td><td>{@code in_queue}, {@code pending}, {@code waiting}, {@code queued}</td></tr>
 *   <tr><td>{@link #RUNNING}</td><td>{@code in_progress}, {@code starting}, {@code processing}, {@code running}</td></tr>
 *   <tr><td>{@link #SUCCEEDED}</td><td>{@code completed}, {@code succeeded}</td></tr>
 *   <tr><td>{@link #FAILED}</td><td>{@code failed}</td></tr>
 *   <tr><td>{@link #CANCELLED}</td><td>{@code cancelled}, {@code canceled}</td></tr>
 *   <tr><td>{@link #UNKNOWN}</td><td>anything else, blank or missing</td></tr>
 * </table>
 *
 * <p>{@link #UNKNOWN} is not an error here: the caller decides how long to tolerate it (the poller
 * stops after a few such answers in a row instead of polling forever, as the CLI does).
 */
public enum RequestPhase {
  /** Waiting in RunComfy's queue; can still be cancelled. */
  QUEUED,
  /** Running on RunComfy; no longer cancellable ({@code not_cancellable}) and will be billed. */
  RUNNING,
  /** Finished with outputs. */
  SUCCEEDED,
  /** Finished with an error. */
  FAILED,
  /** Cancelled (by editstream or elsewhere). */
  CANCELLED,
  /** A status word none of RunComfy's clients knows, a blank one, or none at all. */
  UNKNOWN;

  private static final Map<String, RequestPhase> WORDS = words();

  private static Map<String, RequestPhase> words() {
    Map<String, RequestPhase> m = new LinkedHashMap<>();
    for (String w : new String[] {"in_queue", "pending", "waiting", "queued"}) {
      m.put(w, QUEUED);
    }
    for (String w : new String[] {"in_progress", "starting", "processing", "running"}) {
      m.put(w, RUNNING);
    }
    m.put("completed", SUCCEEDED);
    m.put("succeeded", SUCCEEDED);
    m.put("failed", FAILED);
    m.put("cancelled", CANCELLED);
    m.put("canceled", CANCELLED);
    return Collections.unmodifiableMap(m);
  }

  /**
   * The phase a status word names.
   *
   * @param status the {@code status} value as RunComfy sent it, or {@code null}
   * @return its phase; {@link #UNKNOWN} for {@code null}, blank or unrecognised words (never
   *     throws)
   */
  public static RequestPhase of(@Nullable String status) {
    if (status == null) {
      return UNKNOWN;
    }
    return WORDS.getOrDefault(status.trim().toLowerCase(Locale.ROOT), UNKNOWN);
  }

  /** Every recognised word (lower case), in the order of the table above. */
  public static Set<String> knownWords() {
    return WORDS.keySet();
  }

  /** Whether the request has ended: {@link #SUCCEEDED}, {@link #FAILED} or {@link #CANCELLED}. */
  public boolean terminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }

  /** Whether the request is still on its way: {@link #QUEUED} or {@link #RUNNING}. */
  public boolean pending() {
    return this == QUEUED || this == RUNNING;
  }
}
