package dev.editstream.app;

import dev.editstream.runcomfy.TokenSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Supplies the RunComfy token, looked up again at most every {@code ttl} with RunComfy's CLI order
 * ({@link TokenSource}), so an operator who fixes a refused token (rewrites {@code token.json})
 * does not need to restart the workers: the paused router's next probe uses the new token. When the
 * lookup fails, the last good token is kept. Thread-safe.
 */
public final class TokenRefresher implements Supplier<String> {
  private final Map<String, String> env;
  private final Path home;
  private final long ttlNanos;
  private final LongSupplier nanoTime;
  private String token;
  private long readAt;

  /**
   * @param initial the token found at start-up
   * @param ttl how long a looked-up token is reused
   * @param nanoTime time source ({@code System::nanoTime})
   */
  public TokenRefresher(
      String initial, Map<String, String> env, Path home, Duration ttl, LongSupplier nanoTime) {
    this.token = initial;
    this.env = env;
    this.home = home;
    this.ttlNanos = ttl.toNanos();
    this.nanoTime = nanoTime;
    this.readAt = nanoTime.getAsLong();
  }

  @Override
  public synchronized String get() {
    long now = nanoTime.getAsLong();
    if (now - readAt >= ttlNanos) {
      readAt = now;
      try {
        token = TokenSource.resolve(env, home);
      } catch (RuntimeException e) {
        // keep the last good token; the account gate reports the refusal
      }
    }
    return token;
  }
}
