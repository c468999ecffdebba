package dev.editstream.app;

import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * How a process treats RunComfy's catalog and money. Validated at start-up.
 *
 * @param catalogCache the disk copy of the live catalog, or {@code null} for the default place
 *     ({@code --catalog-cache})
 * @param catalogRefresh how often the live catalog is read again while running, or {@link
 *     Duration#ZERO} for never ({@code --catalog-refresh-min})
 * @param budgetUsd the most this process may spend, USD, or {@code null} for no limit ({@code
 *     --budget-usd})
 * @param balanceCheck whether the balance is read before a run, failing fast (class 77) on a
 *     refused token or an empty balance ({@code --balance-check})
 */
public record ProviderSettings(
    @Nullable Path catalogCache,
    Duration catalogRefresh,
    @Nullable Double budgetUsd,
    boolean balanceCheck) {
  /**
   * @throws IllegalArgumentException naming the option that breaks its rule
   */
  public ProviderSettings {
    if (catalogRefresh == null || catalogRefresh.isNegative()) {
      throw new IllegalArgumentException("--catalog-refresh-min must be >= 0 (0 = never)");
    }
    if (budgetUsd != null && (!(budgetUsd > 0) || budgetUsd.isInfinite())) {
      throw new IllegalArgumentException(
          "--budget-usd must be a positive number of USD, was " + budgetUsd);
    }
  }

  /** The defaults: default cache place, refresh every hour, no budget, no balance check. */
  public static ProviderSettings defaults() {
    return new ProviderSettings(null, Duration.ofHours(1), null, false);
  }
}
