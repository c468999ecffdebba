package dev.editstream.runcomfy;

import org.jspecify.annotations.Nullable;

/**
 * The account's balance: RunComfy's answer to {@code GET https://api.runcomfy.net/prod/v2/balance}
 * ({@code {balance_usd, balance_microdollars, currency}}; {@code runcomfy-live-contract.md} §3).
 * One wallet pays for every RunComfy product. Reading it is free, unlike a submit, so it is the way
 * to check a token and an account before spending.
 *
 * @param balanceUsd the balance in US dollars ({@code balance_usd}; when RunComfy sent only {@code
 *     balance_microdollars}, that divided by 1,000,000); may be 0 or negative
 * @param balanceMicrodollars the balance in millionths of a dollar ({@code balance_microdollars}),
 *     or {@code null} when absent
 * @param currency the currency code as sent (RunComfy sends {@code USD}), or {@code null} when
 *     absent
 */
public record Balance(
    double balanceUsd, @Nullable Long balanceMicrodollars, @Nullable String currency) {
  /** Whether anything is left to spend: {@code balanceUsd > 0}. */
  public boolean positive() {
    return balanceUsd > 0;
  }
}
