package dev.editstream.router.submit;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;

/**
 * What a failed submit ({@code POST /models/{model_id}}) means for the job. Pure. RunComfy has no
 * idempotency key and no way to ask whether a lost POST created a request, and its own clients
 * never re-send a paid POST after an uncertain answer ({@code runcomfy-live-contract.md} §4). So a
 * POST is repeated only when the answer proves that no request was created:
 *
 * <ul>
 *   <li>{@link Verdict#ACCOUNT}: 401/403/402, error 400002/400004 (class 77): the account, not the
 *       job: pause submission and wait.
 *   <li>{@link Verdict#NOT_ACCEPTED_RETRY}: HTTP 429 (with or without a body: the limit is checked
 *       before a request is made); a RunComfy JSON error envelope (an {@code error_code}) with a
 *       retryable status, e.g. 503 with 500001 (RunComfy's own application refused it); 408; or no
 *       body sent at all (connection refused, TLS handshake failed, unknown host): retried through
 *       the delay topic.
 *   <li>{@link Verdict#NOT_ACCEPTED_FINAL}: any other 4xx, or an envelope with a final class
 *       (400001, 422001...): the job fails (class 65), nothing was created.
 *   <li>{@link Verdict#MAY_HAVE_BEEN_ACCEPTED}: an uncertain answer: a 5xx without RunComfy's
 *       envelope (a gateway's 502/504 page, an empty 500), a timeout or reset after the body may
 *       have been sent, an unreadable 2xx. The job is marked "may have been submitted" and never
 *       re-POSTed on its own; {@code editstream replay --resubmit-uncertain} is the explicit
 *       consent.
 * </ul>
 */
public final class SubmitPolicy {
  private SubmitPolicy() {}

  /** The verdict kinds. */
  public enum Verdict {
    ACCOUNT,
    NOT_ACCEPTED_RETRY,
    NOT_ACCEPTED_FINAL,
    MAY_HAVE_BEEN_ACCEPTED;

    /**
     * Whether the request may have been created and paid for ({@link #MAY_HAVE_BEEN_ACCEPTED}): the
     * {@link dev.editstream.core.RetryDecision.Failed#mayHaveBeenPaid()} of the failure.
     */
    public boolean mayHaveBeenPaid() {
      return this == MAY_HAVE_BEEN_ACCEPTED;
    }
  }

  /**
   * Classifies a submit failure already classified by the client: its class, its HTTP status and
   * RunComfy {@code error_code} when an answer was read, else its transport reason.
   */
  public static Verdict classify(StageException e) {
    if (e.exitClass() == ExitClass.NOPERM) {
      return Verdict.ACCOUNT;
    }
    if (e.httpStatus().isPresent()) {
      int status = e.httpStatus().get();
      boolean envelope = e.errorCode().isPresent();
      if (status == 429 || status == 408) {
        return Verdict.NOT_ACCEPTED_RETRY;
      }
      if (status >= 200 && status <= 299) {
        // a 2xx carrying an error_code: RunComfy's application answered and refused
        return e.exitClass().retryable() ? Verdict.NOT_ACCEPTED_RETRY : Verdict.NOT_ACCEPTED_FINAL;
      }
      if (status >= 400 && status <= 499) {
        return e.exitClass().retryable() ? Verdict.NOT_ACCEPTED_RETRY : Verdict.NOT_ACCEPTED_FINAL;
      }
      if (envelope) {
        return e.exitClass().retryable() ? Verdict.NOT_ACCEPTED_RETRY : Verdict.NOT_ACCEPTED_FINAL;
      }
      return Verdict.MAY_HAVE_BEEN_ACCEPTED;
    }
    switch (e.reason()) {
      case CONNECT_FAILED, TLS_HANDSHAKE, UNKNOWN_HOST -> {
        return e.exitClass().retryable() ? Verdict.NOT_ACCEPTED_RETRY : Verdict.NOT_ACCEPTED_FINAL;
      }
      default -> {}
    }
    if (e.exitClass() == ExitClass.DATA
        || e.exitClass() == ExitClass.USAGE
        || e.exitClass() == ExitClass.NO_INPUT) {
      return Verdict.NOT_ACCEPTED_FINAL;
    }
    return Verdict.MAY_HAVE_BEEN_ACCEPTED;
  }
}
