package dev.editstream.app;

import dev.editstream.storage.ObjectStoreUri;
import dev.editstream.storage.S3Settings;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * How to reach an S3-compatible store and sign for it ({@code run}, the workers, {@code demo},
 * {@code presign}): region, endpoint, addressing, credentials profile and timeouts. Credentials
 * come from the AWS SDK's default chain ({@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY},
 * {@code ~/.aws}, instance roles) or {@code --s3-profile}.
 */
public final class S3ConnectionOptions {
  @Option(
      names = "--s3-region",
      description =
          "Region of the buckets (default: the AWS SDK's chain; us-east-1 with --s3-endpoint).")
  @Nullable String region;

  @Option(
      names = "--s3-endpoint",
      description =
          "Endpoint of an S3-compatible store (MinIO, R2, GCS's S3 interface...), e.g. https://minio.example.net:9000.")
  @Nullable URI endpoint;

  @Option(
      names = "--s3-path-style",
      description =
          "Address buckets as https://endpoint/bucket (most S3-compatible stores) instead of bucket.endpoint.")
  boolean pathStyle;

  @Option(
      names = "--s3-profile",
      description =
          "Credentials from this profile of ~/.aws/credentials instead of the default chain.")
  @Nullable String profile;

  @Option(
      names = "--s3-attempt-timeout-s",
      defaultValue = "120",
      description =
          "Longest wait for one S3 request, s; a slower answer is retried (default: ${DEFAULT-VALUE}).")
  long attemptTimeoutSeconds = 120;

  @Option(
      names = "--s3-call-timeout-s",
      defaultValue = "300",
      description =
          "Longest wait for one S3 call with the SDK's retries (3 attempts), s; then the job goes round the delay topic (default: ${DEFAULT-VALUE}).")
  long callTimeoutSeconds = 300;

  /**
   * Static keys for a store started by this process ({@code demo --with-local-s3}) or a test; never
   * from the command line.
   */
  @Nullable String accessKey;

  @Nullable String secretKey;

  /**
   * The settings of one store at {@code location}.
   *
   * @param optionName the option named in errors, e.g. {@code --stage-to}
   * @throws IllegalArgumentException naming the option and the rule
   */
  S3Settings settings(String optionName, ObjectStoreUri location) {
    if (attemptTimeoutSeconds < 1) {
      throw new IllegalArgumentException(
          "--s3-attempt-timeout-s must be >= 1, was " + attemptTimeoutSeconds);
    }
    if (callTimeoutSeconds < attemptTimeoutSeconds) {
      throw new IllegalArgumentException(
          "--s3-call-timeout-s must be >= --s3-attempt-timeout-s ("
              + attemptTimeoutSeconds
              + "), was "
              + callTimeoutSeconds);
    }
    S3Settings s =
        S3Settings.of(location, optionName)
            .withTimeouts(
                Duration.ofSeconds(callTimeoutSeconds), Duration.ofSeconds(attemptTimeoutSeconds));
    if (endpoint != null) {
      s = s.withEndpoint(endpoint, pathStyle);
    }
    if (region != null) {
      s = s.withRegion(region);
    }
    if (profile != null) {
      s = s.withProfile(profile);
    }
    if (accessKey != null) {
      // set together with accessKey (by a demo or a test)
      s = s.withStaticCredentials(accessKey, Objects.requireNonNull(secretKey, "secretKey"));
    }
    return s;
  }
}
