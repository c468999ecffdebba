package dev.editstream.router.submit;

import dev.editstream.core.event.FailureReason;
import dev.editstream.pipeline.metrics.Meters;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * Stops the line instead of failing every job when the account is at fault (token refused: 401/403;
 * balance exhausted: 402 or error 400002). While closed, submissions wait in arrival order. Every
 * {@code recheck} the account is probed: with a {@linkplain #withBalanceProbe balance probe} by
 * reading the balance ({@code GET .../prod/v2/balance}, free, {@code runcomfy-live-contract.md}
 * §3), opening the gate when the token is accepted and the balance is above zero; without one, one
 * waiting submission goes through as the probe (a half-open circuit breaker; a paid submit): if
 * RunComfy accepts it, the gate opens and every waiting job proceeds; if not, the probe takes its
 * place at the head again. The pause raises one alert (an ERROR log line and the {@code
 * editstream.account.paused} gauge = 1) and one "resumed" line. Thread-safe.
 */
public final class AccountGate {
  private static final Logger log = LoggerFactory.getLogger(AccountGate.class);

  private final Duration recheck;
  private final Scheduler timer;
  private final Deque<Sinks.One<Void>> waiting = new ArrayDeque<>();
  private boolean closed;
  private String reason = "";
  private String reasonTag = "other";
  private @Nullable Disposable ticker;
  private long pauses;
  private java.util.function.@Nullable Supplier<Mono<Boolean>> balanceProbe;

  /**
   * @param recheck time between probes while paused, &gt; 0
   * @param timer scheduler of the probes (virtual time in tests)
   * @param registry where the gauge goes, or {@code null}
   */
  public AccountGate(Duration recheck, Scheduler timer, @Nullable MeterRegistry registry) {
    if (recheck == null || recheck.isZero() || recheck.isNegative()) {
      throw new IllegalArgumentException("account recheck interval must be > 0");
    }
    this.recheck = recheck;
    this.timer = timer;
    if (registry != null) {
      for (String tag : REASONS) {
        Gauge.builder(Meters.ACCOUNT_PAUSED.meterName(), this, g -> g.pausedFor(tag) ? 1 : 0)
            .tag("reason", tag)
            .description(Meters.ACCOUNT_PAUSED.description())
            .register(registry);
      }
    }
  }

  /**
   * Probes the account with {@code probe} instead of a paid submit: it emits {@code true} when the
   * account can pay again (token accepted, balance above zero), {@code false} or an error when not.
   * Call before the gate is used.
   *
   * @return this gate
   */
  public AccountGate withBalanceProbe(java.util.function.Supplier<Mono<Boolean>> probe) {
    this.balanceProbe = probe;
    return this;
  }

  /** Whether submission is paused. */
  public synchronized boolean isClosed() {
    return closed;
  }

  /** Why submission is paused ("" when open). */
  public synchronized String reason() {
    return reason;
  }

  /** How many times submission was paused since start. */
  public synchronized long pauses() {
    return pauses;
  }

  /**
   * Completes at once when open; else when the gate opens or this caller is let through as the
   * probe.
   */
  public Mono<Void> acquire() {
    return acquire(false);
  }

  /**
   * As {@link #acquire()}; {@code head} keeps a returning probe's place at the head of the queue.
   */
  public Mono<Void> acquire(boolean head) {
    return Mono.defer(
        () -> {
          Sinks.One<Void> s;
          synchronized (this) {
            if (!closed) {
              return Mono.empty();
            }
            s = Sinks.one();
            if (head) {
              waiting.addFirst(s);
            } else {
              waiting.addLast(s);
            }
          }
          return s.asMono();
        });
  }

  /**
   * The {@code reason} tags of the paused gauge: the token refused (401/403), no balance (402),
   * another account fault.
   */
  public static final java.util.List<String> REASONS =
      java.util.List.of("auth", "balance", "other");

  /**
   * The gauge tag of an account fault: {@code auth} for a 401/403 or a token reason ({@link
   * FailureReason#NO_TOKEN}, {@code TOKEN_FILE_*}), {@code balance} for a 402 or {@link
   * FailureReason#NO_BALANCE}, else as {@link #category(String)} of the reason's text.
   *
   * @param e the failure of the submit
   * @return one of {@link #REASONS}
   */
  public static String category(dev.editstream.core.error.StageException e) {
    int status = e.httpStatus().orElse(0);
    FailureReason r = e.reason();
    if (status == 401
        || status == 403
        || r == FailureReason.NO_TOKEN
        || r == FailureReason.TOKEN_FILE_PERMISSIONS
        || r == FailureReason.TOKEN_FILE_UNREADABLE) {
      return "auth";
    }
    if (status == 402 || r == FailureReason.NO_BALANCE) {
      return "balance";
    }
    return category(e.reasonText());
  }

  /**
   * The {@code reason} tag of a pause from the failure reason of the refused submit (e.g. {@code
   * http_401}, {@code http_402_...}). Pure.
   *
   * @param failureReason a StageException's reason, or null
   * @return one of {@link #REASONS}
   */
  public static String category(@Nullable String failureReason) {
    String r = failureReason == null ? "" : failureReason.toLowerCase(java.util.Locale.ROOT);
    if (r.startsWith("http_401")
        || r.startsWith("http_403")
        || r.contains("token")
        || r.contains("auth")) {
      return "auth";
    }
    if (r.startsWith("http_402")
        || r.contains("balance")
        || r.contains("insufficient")
        || r.contains("payment")) {
      return "balance";
    }
    return "other";
  }

  private synchronized boolean pausedFor(String tag) {
    return closed && tag.equals(reasonTag);
  }

  /**
   * A submit was refused for an account fault: pause (alerting once per pause); tagged {@code
   * other}.
   */
  public void tripped(@Nullable String why) {
    tripped(why, "other");
  }

  /**
   * A submit was refused for an account fault: pause (alerting once per pause).
   *
   * @param why the message shown in the alert and readiness
   * @param tag the gauge's {@code reason}, one of {@link #REASONS} (see {@link #category})
   */
  public void tripped(@Nullable String why, String tag) {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      reason = Objects.requireNonNullElse(why, "");
      reasonTag = REASONS.contains(tag) ? tag : "other";
      pauses++;
      ticker =
          timer.schedulePeriodically(
              this::probe,
              recheck.toMillis(),
              recheck.toMillis(),
              java.util.concurrent.TimeUnit.MILLISECONDS);
    }
    log.error(
        "ALERT: submission paused for every job: {}. Jobs wait in order and keep their place; re-checking every {} s "
            + "(fix the token or the balance; editstream resumes by itself)",
        why,
        recheck.toSeconds());
  }

  /** A submit was accepted: open the gate and release every waiting submission. */
  public void succeeded() {
    Deque<Sinks.One<Void>> release;
    synchronized (this) {
      if (!closed) {
        return;
      }
      closed = false;
      reason = "";
      if (ticker != null) {
        ticker.dispose();
      }
      release = new ArrayDeque<>(waiting);
      waiting.clear();
    }
    log.warn(
        "submission resumed: the account is usable again; {} waiting jobs proceed", release.size());
    release.forEach(s -> s.tryEmitEmpty());
  }

  private void probe() {
    if (balanceProbe != null) {
      synchronized (this) {
        if (!closed) {
          return;
        }
      }
      balanceProbe
          .get()
          .onErrorResume(
              e -> {
                log.info(
                    "account re-check: balance not read ({}); still paused",
                    dev.editstream.core.Redact.text(String.valueOf(e.getMessage())));
                return Mono.just(false);
              })
          .subscribe(
              ok -> {
                if (ok) {
                  log.info(
                      "account re-check: the balance endpoint accepts the token and shows a balance; resuming");
                  succeeded();
                } else {
                  log.info(
                      "account re-check: still no usable account (token refused or balance empty); still paused");
                }
              });
      return;
    }
    Sinks.One<Void> s;
    synchronized (this) {
      if (!closed || waiting.isEmpty()) {
        return;
      }
      s = waiting.pollFirst();
    }
    log.info("account re-check: letting one waiting job through as a probe");
    s.tryEmitEmpty();
  }

  /** Submissions waiting (for tests and the status line). */
  public synchronized int waiting() {
    return waiting.size();
  }
}
