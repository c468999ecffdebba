package dev.editstream.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The emulated wallet (runcomfy-live-contract.md §3, "Balance": one wallet per account): every
 * account starts with {@link EmulatorConfig#balanceUsd()}, each completed job debits its {@link
 * Pricing#cost cost}, and a submit while the balance is {@code <= 0} is refused (HTTP 402, {@code
 * 400002}). A job that fails or is cancelled costs nothing. Balances are kept in whole microdollars
 * and may go below zero (the last job is always billed in full). Thread-safe.
 */
final class Billing {
  private final EmulatorCatalog catalog;
  private final EmulatorStats stats;
  private final long startMicros;
  private final Map<String, AtomicLong> balances = new ConcurrentHashMap<>();

  /**
   * @param startUsd each account's starting balance, USD
   */
  Billing(EmulatorCatalog catalog, EmulatorStats stats, double startUsd) {
    this.catalog = catalog;
    this.stats = stats;
    this.startMicros = Pricing.micros(startUsd);
  }

  /** The account's balance, microdollars. */
  long balanceMicros(String account) {
    return wallet(account).get();
  }

  /** Whether the account has no balance left ({@code <= 0}): its submits are refused. */
  boolean exhausted(String account) {
    return balanceMicros(account) <= 0;
  }

  /**
   * Bills a job that completed with {@code output}: debits its account and counts the amount.
   *
   * @param job the job, still {@code in_progress} (its body is read)
   * @return the cost, USD, 6 decimals
   */
  double charge(JobBook.Entry job, JsonNode output) {
    double cost =
        catalog
            .find(job.modelId())
            .map(m -> Pricing.cost(m, Objects.requireNonNull(job.body(), "body"), output))
            .orElse(0.0);
    long micros = Pricing.micros(cost);
    wallet(job.account()).addAndGet(-micros);
    stats.billed(micros);
    return cost;
  }

  /** Adds {@code micros} to the account's balance (a top-up). */
  void credit(String account, long micros) {
    wallet(account).addAndGet(micros);
  }

  private AtomicLong wallet(String account) {
    return balances.computeIfAbsent(account, a -> new AtomicLong(startMicros));
  }
}
