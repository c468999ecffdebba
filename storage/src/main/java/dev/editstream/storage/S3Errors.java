package dev.editstream.storage;

import dev.editstream.core.Redact;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Turns a failure of an S3 call into a {@link StageException}: a pure function of the exception
 * (status, S3 error code, cause chain). The rules, first match wins:
 *
 * <table>
 *   <caption>classification</caption>
 *   <tr><th>failure</th><th>class</th><th>reason</th></tr>
 *   <tr><td>a {@link StageException}</td><td>unchanged</td><td>unchanged</td></tr>
 *   <tr><td>{@link NoSuchFileException} (a local file)</td><td>NO_INPUT 66</td><td>{@code no_input}</td></tr>
 *   <tr><td>code {@code NoSuchBucket}, {@link NoSuchBucketException}</td><td>NOPERM 77</td><td>{@code storage_no_bucket}</td></tr>
 *   <tr><td>codes {@code AccessDenied InvalidAccessKeyId SignatureDoesNotMatch ExpiredToken InvalidToken
 *       TokenRefreshRequired AllAccessDisabled AccountProblem}, status 401 or 403</td><td>NOPERM 77</td><td>{@code storage_denied}</td></tr>
 *   <tr><td>code {@code NotImplemented}, status 501 (the store lacks a feature: retrying cannot help)</td><td>DATA 65</td><td>{@code storage_unsupported}</td></tr>
 *   <tr><td>code {@code RequestTimeout} (S3 waited for the body)</td><td>TEMPFAIL 75</td><td>{@code storage_timeout}</td></tr>
 *   <tr><td>codes {@code SlowDown ServiceUnavailable InternalError}, status 429 or 5xx</td><td>UNAVAILABLE 69</td><td>{@code storage_unavailable}</td></tr>
 *   <tr><td>code {@code NoSuchKey}, {@link NoSuchKeyException}, other 404</td><td>DATA 65</td><td>{@code storage_not_found}</td></tr>
 *   <tr><td>any other service answer ({@code EntityTooLarge}, 400, ...)</td><td>DATA 65</td><td>{@code storage_rejected}</td></tr>
 *   <tr><td>{@link ApiCallTimeoutException}, {@link ApiCallAttemptTimeoutException}, an {@link IOException}
 *       or a {@code *TimeoutException} in the cause chain (refused, reset, read timeout)</td><td>TEMPFAIL 75</td><td>{@code storage_timeout}</td></tr>
 *   <tr><td>an SDK client error about credentials ("Unable to load credentials")</td><td>NOPERM 77</td><td>{@code storage_no_credentials}</td></tr>
 *   <tr><td>anything else</td><td>OTHER 1</td><td>{@code storage_error}</td></tr>
 * </table>
 *
 * <p>Messages name the option and the status/code, never a URL query string or a key: the service's
 * own text is passed through {@link Redact#text(String, int)}.
 */
public final class S3Errors {
  private static final Set<String> DENIED =
      Set.of(
          "AccessDenied",
          "InvalidAccessKeyId",
          "SignatureDoesNotMatch",
          "ExpiredToken",
          "InvalidToken",
          "TokenRefreshRequired",
          "AllAccessDisabled",
          "AccountProblem");
  private static final Set<String> UNAVAILABLE =
      Set.of(
          "SlowDown", "ServiceUnavailable", "InternalError", "Throttling", "ThrottlingException");

  private S3Errors() {}

  /**
   * {@link #classify(String, String, Throwable)} without a bucket name ("the bucket" in messages).
   */
  public static StageException classify(String optionName, Throwable t) {
    return classify(optionName, null, t);
  }

  /**
   * Classifies a failure of an S3 call (see the class comment for the rules).
   *
   * @param optionName the option whose store failed, e.g. {@code --stage-to}, named in the message
   * @param bucket the bucket involved, named in the message, or {@code null}
   * @param t the failure; {@link CompletionException} and {@link ExecutionException} wrappers are
   *     unwrapped
   * @return the classified failure, never {@code null}
   */
  public static StageException classify(String optionName, @Nullable String bucket, Throwable t) {
    Throwable e = unwrap(t);
    String where = bucket == null ? "the bucket" : "bucket '" + bucket + "'";
    if (e instanceof StageException se) {
      return se;
    }
    if (e instanceof NoSuchFileException nf) {
      return new StageException(
          ExitClass.NO_INPUT,
          FailureReason.NO_INPUT,
          optionName + ": local file not found: " + Redact.text(nf.getFile(), 300));
    }
    if (e instanceof AwsServiceException ase) {
      int status = ase.statusCode();
      String code = ase.awsErrorDetails() == null ? null : ase.awsErrorDetails().errorCode();
      String said = describe(status, code, ase);
      if ("NoSuchBucket".equals(code) || e instanceof NoSuchBucketException) {
        return new StageException(
            ExitClass.NOPERM,
            FailureReason.STORAGE_NO_BUCKET,
            optionName
                + ": "
                + where
                + " does not exist ("
                + said
                + "); create it or fix "
                + optionName,
            null,
            status,
            null);
      }
      if ((code != null && DENIED.contains(code)) || status == 401 || status == 403) {
        return new StageException(
            ExitClass.NOPERM,
            FailureReason.STORAGE_DENIED,
            optionName
                + ": the store refused the credentials for "
                + where
                + " ("
                + said
                + "); check the profile or keys and the bucket policy",
            null,
            status,
            null);
      }
      if ("NotImplemented".equals(code) || status == 501) {
        return new StageException(
            ExitClass.DATA,
            FailureReason.STORAGE_UNSUPPORTED,
            optionName
                + ": the store of "
                + where
                + " does not support a feature "
                + "the request needs ("
                + said
                + "); check that "
                + optionName
                + " points at an S3-compatible store",
            null,
            status,
            null);
      }
      if ("RequestTimeout".equals(code)) {
        return new StageException(
            ExitClass.TEMPFAIL,
            FailureReason.STORAGE_TIMEOUT,
            optionName + ": the store timed out reading the upload to " + where + " (" + said + ")",
            null,
            status,
            null);
      }
      if ((code != null && UNAVAILABLE.contains(code)) || status == 429 || status >= 500) {
        return new StageException(
            ExitClass.UNAVAILABLE,
            FailureReason.STORAGE_UNAVAILABLE,
            optionName + ": the store is unavailable for " + where + " (" + said + ")",
            null,
            status,
            null);
      }
      if ("NoSuchKey".equals(code) || e instanceof NoSuchKeyException || status == 404) {
        return new StageException(
            ExitClass.DATA,
            FailureReason.STORAGE_NOT_FOUND,
            optionName + ": no such object in " + where + " (" + said + ")",
            null,
            status,
            null);
      }
      return new StageException(
          ExitClass.DATA,
          FailureReason.STORAGE_REJECTED,
          optionName + ": the store refused the request for " + where + " (" + said + ")",
          null,
          status,
          null);
    }
    if (e instanceof ApiCallTimeoutException
        || e instanceof ApiCallAttemptTimeoutException
        || isNetworkFailure(e)) {
      return new StageException(
          ExitClass.TEMPFAIL,
          FailureReason.STORAGE_TIMEOUT,
          optionName
              + ": no answer from the store for "
              + where
              + " ("
              + e.getClass().getSimpleName()
              + ": "
              + Redact.text(String.valueOf(e.getMessage()), 200)
              + ")");
    }
    if (e instanceof SdkClientException
        && e.getMessage() != null
        && e.getMessage().toLowerCase(Locale.ROOT).contains("unable to load credentials")) {
      return new StageException(
          ExitClass.NOPERM,
          FailureReason.STORAGE_NO_CREDENTIALS,
          optionName
              + ": no AWS credentials found (set a profile, environment variables or static keys)");
    }
    return new StageException(
        ExitClass.OTHER,
        FailureReason.STORAGE_ERROR,
        optionName
            + ": storage call failed for "
            + where
            + " ("
            + e.getClass().getSimpleName()
            + ": "
            + Redact.text(String.valueOf(e.getMessage()), 200)
            + ")");
  }

  /** Strips {@link CompletionException} and {@link ExecutionException} wrappers. */
  static Throwable unwrap(Throwable t) {
    Throwable e = t;
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  /** Whether an {@link IOException} or a timeout is in the cause chain of {@code e}. */
  static boolean isNetworkFailure(Throwable e) {
    int depth = 0;
    for (Throwable c = e; c != null && depth < 16; c = c.getCause(), depth++) {
      if (c instanceof IOException
          || c instanceof TimeoutException
          || c.getClass().getSimpleName().endsWith("TimeoutException")) {
        return true;
      }
    }
    return false;
  }

  private static String describe(int status, @Nullable String code, AwsServiceException e) {
    String msg = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
    return "HTTP "
        + status
        + (code == null ? "" : " " + code)
        + (msg == null || msg.isBlank() ? "" : ": " + Redact.text(msg, 200));
  }
}
