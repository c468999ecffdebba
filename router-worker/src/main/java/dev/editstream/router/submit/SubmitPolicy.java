package dev.editstream.router.submit;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;

/**
 * What a failed submit ({@code POST /models/{model_id}}) means for the job. Pure. RunComfy
 * documents no idempotency key, so a POST is repeated only where RunComfy cannot have accepted it.
 *
 * <ul>
 *   <li>{@link Verdict#ACCOUNT}: 401/403/402, error 400002/400004 — the account, not the job: pause
 *       submission and wait.
 *   <li>{@link Verdict#NOT_ACCEPTED_RETRY}: an HTTP 429 or 5xx answer (the server answered with an
 *       error, so no request was created — editstream's reading of RunComfy's "implement retries
 *       with exponential backoff" for 500001), or a connection that was never opened: retry.
 *   <li>{@link Verdict#NOT_ACCEPTED_FINAL}: any other HTTP 4xx answer: the job fails (class 65).
 *   <li>{@link Verdict#MAY_HAVE_BEEN_ACCEPTED}: the request was sent and no answer was read (timeout,
 *       reset, unreadable 2xx): the job fails with reason {@code may_have_been_submitted} and is not
 *       re-POSTed.
 * </ul>
 */
public final class SubmitPolicy {
  private SubmitPolicy() {}

  /** The verdict kinds. */
  public enum Verdict {
    ACCOUNT,
    NOT_ACCEPTED_RETRY,
    NOT_ACCEPTED_FINAL,
    MAY_HAVE_BEEN_ACCEPTED
  }

  /** Classifies a submit failure already classified by the client. */
  public static Verdict classify(StageException e) {
    if (e.exitClass() == ExitClass.NOPERM) {
      return Verdict.ACCOUNT;
    }
    String reason = e.reason();
    if (reason.startsWith("http_")) {
      return e.exitClass().retryable() ? Verdict.NOT_ACCEPTED_RETRY : Verdict.NOT_ACCEPTED_FINAL;
    }
    if (reason.equals("connect_failed")) {
      return Verdict.NOT_ACCEPTED_RETRY;
    }
    if (e.exitClass() == ExitClass.DATA || e.exitClass() == ExitClass.USAGE || e.exitClass() == ExitClass.NO_INPUT) {
      return Verdict.NOT_ACCEPTED_FINAL;
    }
    return Verdict.MAY_HAVE_BEEN_ACCEPTED;
  }
}
