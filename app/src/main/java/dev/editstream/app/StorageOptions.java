package dev.editstream.app;

import dev.editstream.storage.ObjectStoreUri;
import dev.editstream.storage.S3Settings;
import java.net.URI;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * Object storage options ({@code run}, {@code demo}, {@code router-worker}, {@code
 * downloader-worker}): where local inputs are staged so that RunComfy can fetch them (its Model API
 * has no upload endpoint: inputs are public https URLs, pre-signed ones included, RunComfy docs)
 * and where results are copied. Credentials come from the AWS SDK's default chain
 * ({@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}, {@code ~/.aws}, instance roles) or
 * {@code --s3-profile}.
 */
public final class StorageOptions {
  @Option(names = "--stage-to", paramLabel = "s3://BUCKET[/PREFIX]",
      description = "Upload local inputs here (once per content) and give RunComfy pre-signed GET URLs.")
  String stageTo;

  @Option(names = "--results-to", paramLabel = "s3://BUCKET[/PREFIX]",
      description = "Also store every output here (sha256 and content type as metadata); done events and the manifest carry its s3:// URI.")
  String resultsTo;

  @Option(names = "--s3-region", description = "Region of the buckets (default: the AWS SDK's chain; us-east-1 with --s3-endpoint).")
  String region;

  @Option(names = "--s3-endpoint", description = "Endpoint of an S3-compatible store (MinIO, R2, GCS's S3 interface...), e.g. https://minio.example.net:9000.")
  URI endpoint;

  @Option(names = "--s3-path-style", description = "Address buckets as https://endpoint/bucket (most S3-compatible stores) instead of bucket.endpoint.")
  boolean pathStyle;

  @Option(names = "--s3-profile", description = "Credentials from this profile of ~/.aws/credentials instead of the default chain.")
  String profile;

  @Option(names = "--keep-local", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "With --results-to, keep the outputs in --out as well (default: ${DEFAULT-VALUE}).")
  boolean keepLocal = true;

  @Option(names = "--s3-attempt-timeout-s", defaultValue = "120",
      description = "Longest wait for one S3 request, s; a slower answer is retried (default: ${DEFAULT-VALUE}).")
  long attemptTimeoutSeconds = 120;

  @Option(names = "--s3-call-timeout-s", defaultValue = "300",
      description = "Longest wait for one S3 call with the SDK's retries (3 attempts), s; then the job goes round the delay topic (default: ${DEFAULT-VALUE}).")
  long callTimeoutSeconds = 300;

  /** Static keys for a store started by this process ({@code demo --with-local-s3}) or a test; never from the command line. */
  String accessKey;
  String secretKey;

  /** Whether {@code --stage-to} or {@code --results-to} was given. */
  boolean any() {
    return stageTo != null || resultsTo != null;
  }

  /**
   * The settings of one store.
   *
   * @param optionName {@code --stage-to} or {@code --results-to}
   * @param value its value
   * @throws IllegalArgumentException naming the option and the rule
   */
  S3Settings settings(String optionName, String value) {
    if (attemptTimeoutSeconds < 1) {
      throw new IllegalArgumentException("--s3-attempt-timeout-s must be >= 1, was " + attemptTimeoutSeconds);
    }
    if (callTimeoutSeconds < attemptTimeoutSeconds) {
      throw new IllegalArgumentException("--s3-call-timeout-s must be >= --s3-attempt-timeout-s (" + attemptTimeoutSeconds + "), was "
          + callTimeoutSeconds);
    }
    S3Settings s = S3Settings.of(ObjectStoreUri.parse(optionName, value), optionName)
        .withTimeouts(Duration.ofSeconds(callTimeoutSeconds), Duration.ofSeconds(attemptTimeoutSeconds));
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
      s = s.withStaticCredentials(accessKey, secretKey);
    }
    return s;
  }

  /**
   * Opens the stores that were asked for and checks that their buckets answer (fail fast, before
   * any job is published).
   *
   * @param jobDeadline the jobs' deadline: pre-signed input URLs live twice as long plus 15 min
   *     (a queued job is fetched when it runs; at most 7 days, SigV4's limit)
   * @return the storage, or {@code null} when neither option was given
   * @throws IllegalArgumentException for a malformed option (exit 64)
   * @throws dev.editstream.core.error.StageException 77 for refused credentials or a missing bucket,
   *     69/75 when the store does not answer
   */
  Storage open(Duration jobDeadline) {
    if (!any()) {
      return null;
    }
    return Storage.open(stageTo == null ? null : settings("--stage-to", stageTo),
        resultsTo == null ? null : settings("--results-to", resultsTo), jobDeadline, keepLocal);
  }
}
