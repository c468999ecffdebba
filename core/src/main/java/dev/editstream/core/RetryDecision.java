package dev.editstream.core;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.event.FailureReason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The one decision on a failed attempt, for every stage: go round again at a given time ({@link
 * Retry}), fail the job ({@link Fail}), or park it ({@link Park}). Pure: the time comes from an
 * injected {@link Clock} and the jitter from an injected random source (or both are passed in,
 * {@link #decide(RetryPolicy, Failed, Instant, double)}); no Kafka or HTTP types.
 *
 * <p>The rules, in order:
 *
 * <ol>
 *   <li><b>Park</b> an attempt whose request may already have been paid for (a POST sent and its
 *       answer lost, {@link Failed#mayHaveBeenPaid()}), whatever its class, attempt, Retry-After or
 *       deadline: RunComfy has no idempotency key, so it is never re-sent on its own ({@code
 *       runcomfy-live-contract.md} §4). The job ends with class 75, reason {@link
 *       FailureReason#MAY_HAVE_BEEN_SUBMITTED}; {@code editstream replay --resubmit-uncertain} is
 *       the operator's consent to send it again.
 *   <li>Count the failure: its attempt number, or 1 when the attempt made progress before it failed
 *       ({@link RetryPolicy#attemptFailed}): only failures in a row count.
 *   <li><b>Fail</b> with the attempt's own class and reason when the class is not retried (only 69
 *       and 75 are, {@link ExitClass#retryable()}) or when {@link RetryPolicy#maxAttempts()}
 *       failures in a row were counted.
 *   <li>Otherwise the delay is the {@link Backoff}'s (full jitter), raised to the server's
 *       Retry-After but never above the backoff's {@code maxMs}; a longer Retry-After is reported
 *       ({@link Retry#askedDelay()}, {@link Fail#askedDelay()}) so the caller can say so.
 *   <li><b>Fail</b> with reason {@link FailureReason#DEADLINE} (the attempt's class kept) when that
 *       retry would be due after the job's deadline; a retry due exactly at it is made.
 *   <li>Else <b>retry</b> at {@code now + delay}, as attempt {@code counted + 1}.
 * </ol>
 *
 * <p>Callers: {@code StageRunner.onError} for every stage's failed attempt; the router's {@code
 * Submitter} asks {@link #park(Failed)} itself, before a failure reaches the runner, because a
 * maybe-paid POST must not be turned into an error that the runner could retry. Modelled on
 * spring-kafka's {@code DefaultDestinationTopicResolver} (pure, clock injected).
 */
public final class RetryDecision {
  private final RetryPolicy policy;
  private final Clock clock;
  private final DoubleSupplier random;

  /**
   * @param policy attempts and backoff
   * @param clock the time source for {@code now}
   * @param random uniform draws in [0, 1) for the jitter
   * @throws NullPointerException naming the argument that is {@code null}
   */
  public RetryDecision(RetryPolicy policy, Clock clock, DoubleSupplier random) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
  }

  /** The policy this decision applies. */
  public RetryPolicy policy() {
    return policy;
  }

  /**
   * The decision for one failed attempt, now (the injected clock) and with one draw of the injected
   * random source.
   *
   * @param failed what failed
   * @return {@link Retry}, {@link Fail} or {@link Park}
   * @throws IllegalArgumentException if the random source gives a value outside [0, 1)
   */
  public Verdict decide(Failed failed) {
    return decide(policy, failed, clock.instant(), random.getAsDouble());
  }

  /**
   * The decision for one failed attempt (the rules are in the class comment).
   *
   * @param policy attempts and backoff
   * @param failed what failed
   * @param now the current time
   * @param random a uniform draw in [0, 1), for the jitter
   * @return {@link Retry}, {@link Fail} or {@link Park}
   * @throws NullPointerException if an argument is {@code null}
   * @throws IllegalArgumentException if {@code random} is outside [0, 1) and a delay is drawn
   */
  public static Verdict decide(RetryPolicy policy, Failed failed, Instant now, double random) {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(now, "now");
    Optional<Park> parked = park(failed);
    if (parked.isPresent()) {
      return parked.get();
    }
    int counted = RetryPolicy.attemptFailed(failed.attempt(), failed.madeProgress());
    if (!failed.exitClass().retryable()) {
      return new Fail(failed.exitClass(), failed.reason(), counted, Fail.Cause.NOT_RETRYABLE, null);
    }
    if (counted >= policy.maxAttempts()) {
      return new Fail(
          failed.exitClass(), failed.reason(), counted, Fail.Cause.ATTEMPTS_USED_UP, null);
    }
    Backoff backoff = policy.backoff();
    Duration retryAfter = failed.retryAfter();
    long askedMs = retryAfter == null ? -1L : millis(retryAfter);
    Duration delay = Duration.ofMillis(backoff.delayMs(counted, random, askedMs));
    @Nullable Duration asked = askedMs > backoff.maxMs() ? retryAfter : null;
    Instant at = now.plus(delay);
    Instant deadline = failed.deadline();
    if (deadline != null && at.isAfter(deadline)) {
      return new Fail(
          failed.exitClass(), FailureReason.DEADLINE, counted, Fail.Cause.PAST_DEADLINE, asked);
    }
    return new Retry(at, delay, counted, asked);
  }

  /**
   * The part of the decision that needs no policy and no time: an attempt whose request may have
   * been paid for is parked ({@link #UNCERTAIN_POST}). A stage that must settle this itself, before
   * the failure reaches the stage runner, asks here (the router's submitter); {@link #decide} asks
   * first too.
   *
   * @param failed what failed
   * @return the park, or empty when the attempt goes on to the policy
   * @throws NullPointerException if {@code failed} is {@code null}
   */
  public static Optional<Park> park(Failed failed) {
    Objects.requireNonNull(failed, "failed");
    return failed.mayHaveBeenPaid() ? Optional.of(UNCERTAIN_POST) : Optional.empty();
  }

  /**
   * The park of a request that may have been paid for: class 75, reason {@link
   * FailureReason#MAY_HAVE_BEEN_SUBMITTED}.
   */
  public static final Park UNCERTAIN_POST =
      new Park(ExitClass.TEMPFAIL, FailureReason.MAY_HAVE_BEEN_SUBMITTED);

  /** Milliseconds of a duration, saturating instead of overflowing (a Retry-After of 10^15 s). */
  private static long millis(Duration d) {
    try {
      return d.toMillis();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /**
   * One failed attempt, as the decision sees it.
   *
   * @param attempt the 1-based attempt that failed (the event's {@code attempt}), &gt;= 1
   * @param exitClass its class
   * @param reason its reason
   * @param retryAfter the server's Retry-After, or {@code null} when none was given
   * @param deadline the job's deadline (no retry is due after it), or {@code null} for none
   * @param madeProgress whether the attempt made progress before it failed (the provider had
   *     answered it): it then counts as the first failure of a new run
   * @param mayHaveBeenPaid whether the attempt sent a request that may have been accepted and paid
   *     for without an answer saying so (an uncertain POST)
   */
  public record Failed(
      int attempt,
      ExitClass exitClass,
      FailureReason reason,
      @Nullable Duration retryAfter,
      @Nullable Instant deadline,
      boolean madeProgress,
      boolean mayHaveBeenPaid) {

    /**
     * @throws IllegalArgumentException if {@code attempt} &lt; 1
     * @throws NullPointerException if {@code exitClass} or {@code reason} is {@code null}
     */
    public Failed {
      if (attempt < 1) {
        throw new IllegalArgumentException("attempt must be >= 1, was " + attempt);
      }
      Objects.requireNonNull(exitClass, "exitClass");
      Objects.requireNonNull(reason, "reason");
    }

    /**
     * A failure with no Retry-After, no deadline, no progress, and nothing that may have been paid.
     */
    public static Failed of(int attempt, ExitClass exitClass, FailureReason reason) {
      return new Failed(attempt, exitClass, reason, null, null, false, false);
    }

    /** This failure with the server's Retry-After ({@code null} for none). */
    public Failed withRetryAfter(@Nullable Duration d) {
      return new Failed(attempt, exitClass, reason, d, deadline, madeProgress, mayHaveBeenPaid);
    }

    /** This failure bounded by the job's deadline ({@code null} for none). */
    public Failed withDeadline(@Nullable Instant d) {
      return new Failed(attempt, exitClass, reason, retryAfter, d, madeProgress, mayHaveBeenPaid);
    }

    /** This failure, made after progress in its attempt or not. */
    public Failed withProgress(boolean progress) {
      return new Failed(
          attempt, exitClass, reason, retryAfter, deadline, progress, mayHaveBeenPaid);
    }

    /** This failure, of a request that may have been paid for or not. */
    public Failed withMayHaveBeenPaid(boolean paid) {
      return new Failed(attempt, exitClass, reason, retryAfter, deadline, madeProgress, paid);
    }
  }

  /** What to do with a failed attempt: {@link Retry}, {@link Fail} or {@link Park}. */
  public sealed interface Verdict permits Retry, Fail, Park {}

  /**
   * Go round again: the attempt is due at {@code at}.
   *
   * @param at when the retry is due ({@code now + delay})
   * @param delay the delay applied, ms precision, in {@code [minMs, maxMs]} of the backoff
   * @param attempt the failures in a row counted for this one (its attempt number, or 1 after
   *     progress); the retry is attempt {@link #nextAttempt()}
   * @param askedDelay the server's Retry-After when it was longer than the backoff's {@code maxMs}
   *     (the delay applied is then {@code maxMs}); {@code null} otherwise
   */
  public record Retry(Instant at, Duration delay, int attempt, @Nullable Duration askedDelay)
      implements Verdict {
    /** The attempt number of the retry: {@code attempt + 1}. */
    public int nextAttempt() {
      return attempt + 1;
    }

    /** When the decision was made: {@code at - delay}, the {@code now} it was decided with. */
    public Instant decidedAt() {
      return at.minus(delay);
    }

    /** Whether the server asked for a longer delay than the one applied. */
    public boolean capped() {
      return askedDelay != null;
    }
  }

  /**
   * The job fails for good.
   *
   * @param exitClass the failed attempt's class (kept when the deadline is the reason)
   * @param reason the failed attempt's reason, or {@link FailureReason#DEADLINE} when a retry would
   *     have come after the job's deadline
   * @param attempt the failures in a row counted
   * @param cause why it is not retried
   * @param askedDelay the server's Retry-After when it was longer than the backoff's {@code maxMs}
   *     and a retry was computed ({@link Cause#PAST_DEADLINE} only); {@code null} otherwise
   */
  public record Fail(
      ExitClass exitClass,
      FailureReason reason,
      int attempt,
      Cause cause,
      @Nullable Duration askedDelay)
      implements Verdict {

    /** Why a failure is final. */
    public enum Cause {
      /** Its class is not retried (anything but 69 and 75). */
      NOT_RETRYABLE,
      /** {@code maxAttempts} failures in a row were counted. */
      ATTEMPTS_USED_UP,
      /** The retry would be due after the job's deadline. */
      PAST_DEADLINE
    }

    /** Whether the job's deadline is the reason ({@link Cause#PAST_DEADLINE}). */
    public boolean pastDeadline() {
      return cause == Cause.PAST_DEADLINE;
    }

    /** Whether the server asked for a longer delay than the backoff's longest. */
    public boolean capped() {
      return askedDelay != null;
    }
  }

  /**
   * The job stops without a retry and waits for an operator: its request may have been accepted and
   * paid for ({@link Failed#mayHaveBeenPaid()}), and only an explicit replay may send it again.
   * Published as a failure with this class and reason.
   *
   * @param exitClass 75
   * @param reason {@link FailureReason#MAY_HAVE_BEEN_SUBMITTED}
   */
  public record Park(ExitClass exitClass, FailureReason reason) implements Verdict {}
}
