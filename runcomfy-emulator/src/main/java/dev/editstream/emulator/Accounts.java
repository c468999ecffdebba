package dev.editstream.emulator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The emulator's accounts: one per accepted bearer token, named {@code account-0}, {@code
 * account-1}, ... in the tokens' sorted order (the token itself is never used as a name, so it
 * never reaches stats, logs or messages), each with its own request-rate {@link TokenBucket} when a
 * rate limit is set. Thread-safe.
 */
final class Accounts {
  private final List<byte[]> tokens = new ArrayList<>();
  private final List<String> names = new ArrayList<>();
  private final Map<String, TokenBucket> buckets = new HashMap<>();

  /**
   * @param tokens the accepted tokens
   * @param ratePerSecond API calls per second per account, {@code 0} = unlimited
   * @param nanoTime monotonic clock of the buckets, ns
   */
  Accounts(Set<String> tokens, double ratePerSecond, LongSupplier nanoTime) {
    List<String> sorted = tokens.stream().sorted().toList();
    for (int i = 0; i < sorted.size(); i++) {
      String name = "account-" + i;
      this.tokens.add(sorted.get(i).getBytes(StandardCharsets.UTF_8));
      names.add(name);
      if (ratePerSecond > 0) {
        buckets.put(
            name,
            new TokenBucket(ratePerSecond, TokenBucket.defaultCapacity(ratePerSecond), nanoTime));
      }
    }
  }

  /**
   * The account of an {@code Authorization} header value ({@code Bearer <token>}, scheme case
   * ignored), comparing in constant time per token.
   *
   * @return empty when the header is missing, malformed or names no accepted token
   */
  Optional<String> authenticate(String header) {
    if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    byte[] presented = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
    String found = null;
    for (int i = 0; i < tokens.size(); i++) {
      if (MessageDigest.isEqual(tokens.get(i), presented)) {
        found = names.get(i);
      }
    }
    return Optional.ofNullable(found);
  }

  /**
   * Takes one call from the account's rate budget.
   *
   * @return {@code 0} when the call may proceed, else the wait until it could, ns
   */
  long takeCall(String account) {
    TokenBucket b = buckets.get(account);
    return b == null ? 0L : b.tryAcquire();
  }
}
