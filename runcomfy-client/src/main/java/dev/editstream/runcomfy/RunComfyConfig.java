package dev.editstream.runcomfy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Immutable, validated settings of {@link RunComfyClient}.
 *
 * <p>Defaults are RunComfy CLI values (runcomfy-cli v0.2.0): base URL {@value #DEFAULT_BASE_URL},
 * connect timeout 10 s, whole-call timeout 60 s. editstream adds the connection pool size (default
 * {@value #DEFAULT_MAX_CONNECTIONS}) and the balance URL.
 *
 * <p><b>Balance URL.</b> The balance lives outside the Model API base: {@code GET
 * https://api.runcomfy.net/prod/v2/balance} ({@code runcomfy-live-contract.md} §3). When not set
 * explicitly ({@value #BALANCE_ENV}, {@link #withBalanceUrl}), it is {@value #DEFAULT_BALANCE_URL}
 * for RunComfy's production base (host {@code model-api.runcomfy.net} over https), and otherwise
 * the base URL's origin ({@code scheme://host[:port]}) + {@value #BALANCE_PATH}. That second rule
 * is editstream's own convention, not RunComfy's: it points an emulator ({@code
 * http://127.0.0.1:8123/v1} → {@code http://127.0.0.1:8123/prod/v2/balance}) or a development
 * environment ({@code https://model-api-int.runcomfy.net}) at a balance of its own, so a test never
 * reads the production wallet; set the URL explicitly where that guess is wrong.
 *
 * @param baseUrl API base including {@code /v1}, http(s), no query; a trailing {@code /} is dropped
 * @param token the bearer token; never printed ({@link #toString()} redacts it)
 * @param connectTimeout TCP connect timeout, positive
 * @param responseTimeout the longest one API call may take (and the longest silence while reading
 *     its response), positive
 * @param maxConnections size of the client's one shared connection pool, at least 1
 * @param balanceUrl absolute URL of the balance endpoint, http(s), no query, fragment or user info;
 *     a trailing {@code /} is dropped; {@code null} or blank derives it from {@code baseUrl} (see
 *     above)
 * @param maxResponseBytes the largest API answer read, bytes (default {@value
 *     #DEFAULT_MAX_RESPONSE_BYTES} = 8 MiB), 1 KiB..1 GiB; a larger answer (by its Content-Length,
 *     else counted while it streams) fails the call with OTHER {@code response_too_large}
 */
public record RunComfyConfig(
    String baseUrl,
    String token,
    Duration connectTimeout,
    Duration responseTimeout,
    int maxConnections,
    String balanceUrl,
    long maxResponseBytes) {

  /** Default cap on one API answer: 8 MiB. */
  public static final long DEFAULT_MAX_RESPONSE_BYTES = 8L << 20;

  /** Smallest accepted {@link #maxResponseBytes()}: 1 KiB. */
  public static final long MIN_MAX_RESPONSE_BYTES = 1024;

  /** Largest accepted {@link #maxResponseBytes()}: 1 GiB (answers are held in memory). */
  public static final long MAX_MAX_RESPONSE_BYTES = 1L << 30;

  /** RunComfy's production API base (RunComfy docs, CLI default). */
  public static final String DEFAULT_BASE_URL = "https://model-api.runcomfy.net/v1";

  /** The environment variable the CLI reads to replace the base URL. */
  public static final String BASE_ENV = "RUNCOMFY_MODEL_API_BASE";

  /** RunComfy's balance endpoint ({@code runcomfy-live-contract.md} §3). */
  public static final String DEFAULT_BALANCE_URL = "https://api.runcomfy.net/prod/v2/balance";

  /** The path of the balance endpoint, appended to a non-production base URL's origin. */
  public static final String BALANCE_PATH = "/prod/v2/balance";

  /**
   * The environment variable that sets the balance URL (editstream's; wins over the derived one).
   */
  public static final String BALANCE_ENV = "RUNCOMFY_BALANCE_URL";

  /** The host of RunComfy's production Model API ({@link #DEFAULT_BASE_URL}). */
  private static final String PRODUCTION_API_HOST = "model-api.runcomfy.net";

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
  public RunComfyConfig(
      String baseUrl,
      String token,
      Duration connectTimeout,
      Duration responseTimeout,
      int maxConnections,
      @Nullable String balanceUrl,
      long maxResponseBytes) {
    String base = normaliseBase(baseUrl);
    if (base == null) {
      throw new IllegalArgumentException("baseUrl: must not be empty");
    }
    checkUrl("baseUrl", base);
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
    String balance = normaliseBase(balanceUrl);
    balance = balance == null ? balanceUrlFor(base) : balance;
    checkUrl("balanceUrl", balance);
    if (maxResponseBytes < MIN_MAX_RESPONSE_BYTES || maxResponseBytes > MAX_MAX_RESPONSE_BYTES) {
      throw new IllegalArgumentException(
          "maxResponseBytes: must be "
              + MIN_MAX_RESPONSE_BYTES
              + ".."
              + MAX_MAX_RESPONSE_BYTES
              + ", was "
              + maxResponseBytes);
    }
    this.baseUrl = base;
    this.token = token;
    this.connectTimeout = connectTimeout;
    this.responseTimeout = responseTimeout;
    this.maxConnections = maxConnections;
    this.balanceUrl = balance;
    this.maxResponseBytes = maxResponseBytes;
  }

  /**
   * Settings with the default answer cap (the constructor before issue 14).
   *
   * @throws IllegalArgumentException naming the field that is missing or invalid
   */
  public RunComfyConfig(
      String baseUrl,
      String token,
      Duration connectTimeout,
      Duration responseTimeout,
      int maxConnections,
      String balanceUrl) {
    this(
        baseUrl,
        token,
        connectTimeout,
        responseTimeout,
        maxConnections,
        balanceUrl,
        DEFAULT_MAX_RESPONSE_BYTES);
  }

  /**
   * Settings with the balance URL derived from {@code baseUrl} (see the class comment).
   *
   * @throws IllegalArgumentException naming the field that is missing or invalid
   */
  public RunComfyConfig(
      String baseUrl,
      String token,
      Duration connectTimeout,
      Duration responseTimeout,
      int maxConnections) {
    this(
        baseUrl,
        token,
        connectTimeout,
        responseTimeout,
        maxConnections,
        null,
        DEFAULT_MAX_RESPONSE_BYTES);
  }

  /** A configuration with the given base URL and token and CLI defaults for the rest. */
  public static RunComfyConfig of(String baseUrl, String token) {
    return new RunComfyConfig(
        baseUrl, token, DEFAULT_CONNECT_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT, DEFAULT_MAX_CONNECTIONS);
  }

  /**
   * The balance URL that goes with a base URL when none is set: {@value #DEFAULT_BALANCE_URL} for
   * RunComfy's production API (https, host {@code model-api.runcomfy.net}, default port), else the
   * base's origin + {@value #BALANCE_PATH} (editstream's convention for emulators and development
   * environments). Pure.
   *
   * @param baseUrl a valid base URL (see {@link #baseUrl()})
   * @throws IllegalArgumentException naming {@code baseUrl} when it is not a valid URL
   */
  public static String balanceUrlFor(String baseUrl) {
    URI uri = checkUrl("baseUrl", normaliseBase(baseUrl));
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    if (scheme.equals("https")
        && host.equals(PRODUCTION_API_HOST)
        && (uri.getPort() == -1 || uri.getPort() == 443)) {
      return DEFAULT_BALANCE_URL;
    }
    return scheme + "://" + uri.getRawAuthority() + BALANCE_PATH;
  }

  /**
   * Reads the configuration the way RunComfy's CLI does: base URL from {@value #BASE_ENV} (trimmed,
   * trailing {@code /} dropped, empty ignored), token from {@link TokenSource#resolve}; and the
   * balance URL from {@value #BALANCE_ENV} (same normalisation), else derived from the base URL.
   *
   * @param env the environment (pass {@code System.getenv()})
   * @param home the user's home folder
   * @throws dev.editstream.core.error.StageException NOPERM when no token is found
   * @throws IllegalArgumentException naming {@code baseUrl} or {@code balanceUrl} when invalid
   */
  public static RunComfyConfig fromEnvironment(Map<String, String> env, Path home) {
    String base = normaliseBase(env.get(BASE_ENV));
    return of(base == null ? DEFAULT_BASE_URL : base, TokenSource.resolve(env, home))
        .withBalanceUrl(env.get(BALANCE_ENV));
  }

  /** A copy with another response timeout. */
  public RunComfyConfig withResponseTimeout(Duration timeout) {
    return new RunComfyConfig(
        baseUrl, token, connectTimeout, timeout, maxConnections, balanceUrl, maxResponseBytes);
  }

  /** A copy with another connect timeout. */
  public RunComfyConfig withConnectTimeout(Duration timeout) {
    return new RunComfyConfig(
        baseUrl, token, timeout, responseTimeout, maxConnections, balanceUrl, maxResponseBytes);
  }

  /** A copy with another pool size. */
  public RunComfyConfig withMaxConnections(int max) {
    return new RunComfyConfig(
        baseUrl, token, connectTimeout, responseTimeout, max, balanceUrl, maxResponseBytes);
  }

  /**
   * A copy with another cap on API answers.
   *
   * @param bytes 1 KiB..1 GiB
   * @throws IllegalArgumentException naming {@code maxResponseBytes} when out of range
   */
  public RunComfyConfig withMaxResponseBytes(long bytes) {
    return new RunComfyConfig(
        baseUrl, token, connectTimeout, responseTimeout, maxConnections, balanceUrl, bytes);
  }

  /**
   * A copy with another balance URL.
   *
   * @param url absolute http(s) URL without query, fragment or user info (trimmed, trailing {@code
   *     /} dropped); {@code null} or blank derives it from the base URL again
   * @throws IllegalArgumentException naming {@code balanceUrl} when invalid
   */
  public RunComfyConfig withBalanceUrl(@Nullable String url) {
    return new RunComfyConfig(
        baseUrl, token, connectTimeout, responseTimeout, maxConnections, url, maxResponseBytes);
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
        + ", balanceUrl="
        + balanceUrl
        + ", maxResponseBytes="
        + maxResponseBytes
        + "]";
  }

  /** Trims, drops trailing slashes; {@code null} for null or empty (CLI rule). */
  static @Nullable String normaliseBase(@Nullable String raw) {
    if (raw == null) {
      return null;
    }
    String s = raw.trim();
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return s.isEmpty() ? null : s;
  }

  /** Parses and checks an absolute http(s) URL with a host and no query, fragment or user info. */
  private static URI checkUrl(String field, @Nullable String url) {
    if (url == null) {
      throw new IllegalArgumentException(field + ": must not be empty");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException(field + ": not a URI: " + e.getReason());
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
      throw new IllegalArgumentException(field + ": must be an http(s) URL");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException(field + ": has no host");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException(field + ": must not carry a query, fragment or user info");
    }
    return uri;
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
