package dev.editstream.app;

import dev.editstream.storage.ObjectStoreUri;
import dev.editstream.storage.S3Settings;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Object storage options ({@code run}, {@code demo}, {@code router-worker}, {@code
 * downloader-worker}): where local inputs are staged so that RunComfy can fetch them (its Model API
 * has no upload endpoint: inputs are public https URLs, pre-signed ones included, RunComfy docs)
 * and where results are copied. Credentials come from the AWS SDK's default chain ({@code
 * AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}, {@code ~/.aws}, instance roles) or {@code
 * --s3-profile}.
 */
public final class StorageOptions {
  @Option(
      names = "--stage-to",
      paramLabel = "s3://BUCKET[/PREFIX]",
      description =
          "Upload local inputs here (once per content) and give RunComfy pre-signed GET URLs.")
  @Nullable String stageTo;

  @Option(
      names = "--results-to",
      paramLabel = "s3://BUCKET[/PREFIX]",
      description =
          "Also store every output here (sha256 and content type as metadata); done events and the manifest carry its s3:// URI.")
  @Nullable String resultsTo;

  @Option(
      names = "--keep-local",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "With --results-to, keep the outputs in --out as well (default: ${DEFAULT-VALUE}).")
  boolean keepLocal = true;

  /** How to reach and sign for the store: region, endpoint, credentials, timeouts. */
  @Mixin S3ConnectionOptions s3 = new S3ConnectionOptions();

  /** Whether {@code --stage-to} or {@code --results-to} was given. */
  public boolean any() {
    return stageTo != null || resultsTo != null;
  }

  /** {@code --stage-to}, or null. */
  public @Nullable String stageTo() {
    return stageTo;
  }

  /** {@code --results-to}, or null. */
  public @Nullable String resultsTo() {
    return resultsTo;
  }

  /**
   * Points these options at a local S3 API with static keys and path-style addressing (the demo's
   * S3Proxy); {@code --stage-to} and {@code --results-to} default to {@code s3://BUCKET/inputs} and
   * {@code s3://BUCKET/results} when not given.
   *
   * @param endpoint the store's endpoint, e.g. {@code http://127.0.0.1:PORT}
   * @param bucket the bucket
   * @param accessKey the access key
   * @param secretKey the secret key (never printed)
   */
  public void useLocalStore(
      java.net.URI endpoint, String bucket, String accessKey, String secretKey) {
    stageTo = stageTo == null ? "s3://" + bucket + "/inputs" : stageTo;
    resultsTo = resultsTo == null ? "s3://" + bucket + "/results" : resultsTo;
    s3.endpoint = endpoint;
    s3.pathStyle = true;
    s3.accessKey = accessKey;
    s3.secretKey = secretKey;
  }

  /**
   * The settings of one store.
   *
   * @param optionName {@code --stage-to} or {@code --results-to}
   * @param value its value
   * @throws IllegalArgumentException naming the option and the rule
   */
  S3Settings settings(String optionName, String value) {
    return s3.settings(optionName, ObjectStoreUri.parse(optionName, value));
  }

  /**
   * Opens the stores that were asked for and checks that their buckets answer (fail fast, before
   * any job is published).
   *
   * @param jobDeadline the jobs' deadline: pre-signed input URLs live twice as long plus 15 min (a
   *     queued job is fetched when it runs; at most 7 days, SigV4's limit)
   * @return the storage, or {@code null} when neither option was given
   * @throws IllegalArgumentException for a malformed option (exit 64)
   * @throws dev.editstream.core.error.StageException 77 for refused credentials or a missing
   *     bucket, 69/75 when the store does not answer
   */
  @Nullable Storage open(Duration jobDeadline) {
    if (!any()) {
      return null;
    }
    return Storage.open(
        stageTo == null ? null : settings("--stage-to", stageTo),
        resultsTo == null ? null : settings("--results-to", resultsTo),
        jobDeadline,
        keepLocal);
  }
}
