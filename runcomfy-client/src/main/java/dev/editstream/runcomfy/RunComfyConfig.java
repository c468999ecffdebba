package dev.editstream.runcomfy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Immutable, validated settings of {@link RunComfyClient}.
 *
 * <p>Defaults are RunComfy CLI values (runcomfy-cli v0.2.0): base URL {@value #DEFAULT_BASE_URL},
 * connect timeout 10 s, whole-call timeout 60 s. editstream adds the connection pool size (default
 * {@value #DEFAULT_MAX_CONNECTIONS}).
 *
 * @param baseUrl API base including {@code /v1}, http(s), no query; a trailing {@code /} is dropped
 * @param token the bearer token; never printed ({@link #toString()} redacts it)
 * @param connectTimeout TCP connect timeout, positive
 * @param responseTimeout the longest one API call may take (and the longest silence while reading
 *     its response), positive
 * @param maxConnections size of the client's one shared connection pool, at least 1
 */
public record RunComfyConfig(
    String baseUrl,
    String token,
    Duration connectTimeout,
    Duration responseTimeout,
    int maxConnections) {

  /** RunComfy's production API base (RunComfy docs, CLI default). */
  public static final String DEFAULT_BASE_URL = "https://model-api.runcomfy.net/v1";

  /** The environment variable the CLI reads to replace the base URL. */
  public static final String BASE_ENV = "RUNCOMFY_MODEL_API_BASE";

  /** CLI connect timeout for API calls: 10 s. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /** CLI total timeout for API calls: 60 s. */
  public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(60);

  /** editstream's default connection pool size. */
  public static final int DEFAULT_MAX_CONNECTIONS = 500;

  /**
   * Normalises and validates.
   *
   * @throws IllegalArgumentException naming the field ({@code baseUrl}, {@code token}, ...) that is
   *     missing or invalid
   */
  public RunComfyConfig {
    baseUrl = normaliseBase(baseUrl);
    if (baseUrl == null) {
      throw new IllegalArgumentException("baseUrl: must not be empty");
    }
    checkBase(baseUrl);
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("token: must not be empty");
    }
    token = token.trim();
    if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException("token: must be printable ASCII without spaces");
    }
    checkPositive("connectTimeout", connectTimeout);
    checkPositive("responseTimeout", responseTimeout);
    if (maxConnections < 1) {
      throw new IllegalArgumentException(
          "maxConnections: must be at least 1, was " + maxConnections);
    }
  }

  /** A configuration with the given base URL and token and CLI defaults for the rest. */
  public static RunComfyConfig of(String baseUrl, String token) {
    return new RunComfyConfig(
        baseUrl, token, DEFAULT_CONNECT_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT, DEFAULT_MAX_CONNECTIONS);
  }

  /**
   * Reads the configuration the way RunComfy's CLI does: base URL from {@value #BASE_ENV} (trimmed,
   * trailing {@code /} dropped, empty ignored), token from {@link TokenSource#resolve}.
   *
   * @param env the environment (pass {@code System.getenv()})
   * @param home the user's home folder
   * @throws dev.editstream.core.error.StageException NOPERM when no token is found
   * @throws IllegalArgumentException when the base URL is invalid
   */
  public static RunComfyConfig fromEnvironment(Map<String, String> env, Path home) {
    String base = normaliseBase(env.get(BASE_ENV));
    return of(base == null ? DEFAULT_BASE_URL : base, TokenSource.resolve(env, home));
  }

  /** A copy with another response timeout. */
  public RunComfyConfig withResponseTimeout(Duration timeout) {
    return new RunComfyConfig(baseUrl, token, connectTimeout, timeout, maxConnections);
  }

  /** A copy with another connect timeout. */
  public RunComfyConfig withConnectTimeout(Duration timeout) {
    return new RunComfyConfig(baseUrl, token, timeout, responseTimeout, maxConnections);
  }

  /** A copy with another pool size. */
  public RunComfyConfig withMaxConnections(int max) {
    return new RunComfyConfig(baseUrl, token, connectTimeout, responseTimeout, max);
  }

  /** Every field except the token, which shows as {@code <redacted>}. */
  @Override
  public String toString() {
    return "RunComfyConfig[baseUrl="
        + baseUrl
        + ", token=<redacted>, connectTimeout="
        + connectTimeout
        + ", responseTimeout="
        + responseTimeout
        + ", maxConnections="
        + maxConnections
        + "]";
  }

  /** Trims, drops trailing slashes; {@code null} for null or empty (CLI rule). */
  static String normaliseBase(String raw) {
    if (raw == null) {
      return null;
    }
    String s = raw.trim();
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return s.isEmpty() ? null : s;
  }

  private static void checkBase(String base) {
    URI uri;
    try {
      uri = new URI(base);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("baseUrl: not a URI: " + e.getReason());
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
      throw new IllegalArgumentException("baseUrl: must be an http(s) URL");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("baseUrl: has no host");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("baseUrl: must not carry a query, fragment or user info");
    }
  }

  private static void checkPositive(String field, Duration d) {
    if (d == null) {
      throw new IllegalArgumentException(field + ": must not be null");
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(field + ": must be positive, was " + d);
    }
  }
}
