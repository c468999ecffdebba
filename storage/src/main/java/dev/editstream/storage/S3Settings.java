package dev.editstream.storage;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How to reach an S3-compatible store. Validated on construction; {@link #toString()} never shows
 * the secret key.
 *
 * @param location the bucket and key prefix
 * @param region the signing region; {@code null} means the SDK's default region chain, or {@code
 *     us-east-1} when an {@code endpoint} is given (see {@link #effectiveRegion()})
 * @param endpoint an endpoint override for S3Proxy, MinIO and the like ({@code http} or {@code
 *     https}, no path, query or user info), or {@code null} for AWS
 * @param pathStyle whether to address buckets as {@code endpoint/bucket/key} (needed by most
 *     S3-compatible servers) rather than {@code bucket.endpoint/key}
 * @param profile an AWS profile name for {@code ProfileCredentialsProvider}, or {@code null} for
 *     the SDK's default credentials chain; not allowed with static keys
 * @param accessKey a static access key id, used only together with {@code secretKey}; {@code null}
 *     otherwise
 * @param secretKey the static secret key, used only together with {@code accessKey}; never shown
 * @param optionName the option these settings came from (e.g. {@code --stage-to}), named in errors
 * @param apiCallTimeout the longest one SDK call may take, retries included (&gt; 0)
 * @param attemptTimeout the longest one HTTP attempt may take (&gt; 0, &le; {@code apiCallTimeout})
 */
public record S3Settings(
    ObjectStoreUri location,
    @Nullable String region,
    @Nullable URI endpoint,
    boolean pathStyle,
    @Nullable String profile,
    @Nullable String accessKey,
    @Nullable String secretKey,
    String optionName,
    Duration apiCallTimeout,
    Duration attemptTimeout) {
  /** The default {@link #apiCallTimeout}: 5 minutes. */
  public static final Duration DEFAULT_API_CALL_TIMEOUT = Duration.ofMinutes(5);

  /** The default {@link #attemptTimeout}: 2 minutes. */
  public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofMinutes(2);

  /** The region used with an endpoint override when none is given. */
  public static final String ENDPOINT_DEFAULT_REGION = "us-east-1";

  /**
   * @throws IllegalArgumentException naming {@code optionName} and the rule broken
   * @throws NullPointerException if {@code location}, {@code optionName} or a timeout is null
   */
  public S3Settings {
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(optionName, "optionName");
    Objects.requireNonNull(apiCallTimeout, "apiCallTimeout");
    Objects.requireNonNull(attemptTimeout, "attemptTimeout");
    if (optionName.isBlank()) {
      throw new IllegalArgumentException("optionName must not be blank");
    }
    if (region != null && !region.matches("[a-z0-9-]{1,40}")) {
      throw new IllegalArgumentException(
          optionName + ": region must be lowercase letters, digits and '-' (e.g. eu-west-1)");
    }
    if (endpoint != null) {
      String scheme =
          endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https")) || endpoint.getHost() == null) {
        throw new IllegalArgumentException(
            optionName + ": endpoint must be an absolute http(s) URL with a host");
      }
      if (endpoint.getRawUserInfo() != null
          || endpoint.getRawQuery() != null
          || endpoint.getRawFragment() != null
          || !(endpoint.getRawPath() == null
              || endpoint.getRawPath().isEmpty()
              || endpoint.getRawPath().equals("/"))) {
        throw new IllegalArgumentException(
            optionName + ": endpoint must have no user info, path, query or fragment");
      }
    }
    if ((accessKey == null) != (secretKey == null)) {
      throw new IllegalArgumentException(
          optionName + ": give both the access key and the secret key, or neither");
    }
    if (accessKey != null && secretKey != null && (accessKey.isBlank() || secretKey.isBlank())) {
      throw new IllegalArgumentException(
          optionName + ": the access key and secret key must not be blank");
    }
    if (accessKey != null && profile != null) {
      throw new IllegalArgumentException(
          optionName + ": give either a profile or static keys, not both");
    }
    if (profile != null && profile.isBlank()) {
      throw new IllegalArgumentException(optionName + ": profile must not be blank");
    }
    if (apiCallTimeout.isNegative()
        || apiCallTimeout.isZero()
        || attemptTimeout.isNegative()
        || attemptTimeout.isZero()) {
      throw new IllegalArgumentException(optionName + ": timeouts must be positive");
    }
    if (attemptTimeout.compareTo(apiCallTimeout) > 0) {
      throw new IllegalArgumentException(
          optionName + ": the attempt timeout must not exceed the API call timeout");
    }
  }

  /**
   * AWS defaults: default region and credentials chains, virtual-hosted addressing, default
   * timeouts.
   *
   * @param location the bucket and prefix
   * @param optionName the option named in errors
   */
  public static S3Settings of(ObjectStoreUri location, String optionName) {
    return new S3Settings(
        location,
        null,
        null,
        false,
        null,
        null,
        null,
        optionName,
        DEFAULT_API_CALL_TIMEOUT,
        DEFAULT_ATTEMPT_TIMEOUT);
  }

  /** A copy with an endpoint override and addressing style. */
  public S3Settings withEndpoint(URI endpoint, boolean pathStyle) {
    return new S3Settings(
        location,
        region,
        endpoint,
        pathStyle,
        profile,
        accessKey,
        secretKey,
        optionName,
        apiCallTimeout,
        attemptTimeout);
  }

  /** A copy with a region ({@code null}: default chain). */
  public S3Settings withRegion(@Nullable String region) {
    return new S3Settings(
        location,
        region,
        endpoint,
        pathStyle,
        profile,
        accessKey,
        secretKey,
        optionName,
        apiCallTimeout,
        attemptTimeout);
  }

  /** A copy using the named AWS profile's credentials (and no static keys). */
  public S3Settings withProfile(String profile) {
    return new S3Settings(
        location,
        region,
        endpoint,
        pathStyle,
        profile,
        null,
        null,
        optionName,
        apiCallTimeout,
        attemptTimeout);
  }

  /** A copy using static credentials (and no profile). */
  public S3Settings withStaticCredentials(String accessKey, String secretKey) {
    return new S3Settings(
        location,
        region,
        endpoint,
        pathStyle,
        null,
        accessKey,
        secretKey,
        optionName,
        apiCallTimeout,
        attemptTimeout);
  }

  /** A copy with other timeouts. */
  public S3Settings withTimeouts(Duration apiCallTimeout, Duration attemptTimeout) {
    return new S3Settings(
        location,
        region,
        endpoint,
        pathStyle,
        profile,
        accessKey,
        secretKey,
        optionName,
        apiCallTimeout,
        attemptTimeout);
  }

  /**
   * The region to sign for: {@link #region} when given, else {@code us-east-1} with an endpoint
   * override, else {@code null} (the SDK's default region chain decides).
   */
  public @Nullable String effectiveRegion() {
    if (region != null) {
      return region;
    }
    return endpoint != null ? ENDPOINT_DEFAULT_REGION : null;
  }

  /** Whether static keys are set. */
  public boolean hasStaticCredentials() {
    return accessKey != null && secretKey != null;
  }

  /** Every field but the secret key, which shows as {@code <redacted>} when set. */
  @Override
  public String toString() {
    return "S3Settings[location="
        + location
        + ", region="
        + region
        + ", endpoint="
        + endpoint
        + ", pathStyle="
        + pathStyle
        + ", profile="
        + profile
        + ", accessKey="
        + accessKey
        + ", secretKey="
        + (secretKey == null ? null : "<redacted>")
        + ", optionName="
        + optionName
        + ", apiCallTimeout="
        + apiCallTimeout
        + ", attemptTimeout="
        + attemptTimeout
        + "]";
  }
}
