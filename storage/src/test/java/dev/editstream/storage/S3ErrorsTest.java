package dev.editstream.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

class S3ErrorsTest {
  private static S3Exception s3(int status, String code) {
    AwsErrorDetails.Builder d = AwsErrorDetails.builder();
    if (!code.isEmpty()) {
      d.errorCode(code).errorMessage("the " + code + " text");
    }
    return (S3Exception)
        S3Exception.builder().statusCode(status).awsErrorDetails(d.build()).build();
  }

  @ParameterizedTest(name = "{0} {1} -> {2} {3}")
  @CsvSource({
    "403, AccessDenied,          77, storage_denied",
    "403, InvalidAccessKeyId,    77, storage_denied",
    "403, SignatureDoesNotMatch, 77, storage_denied",
    "400, ExpiredToken,          77, storage_denied",
    "400, InvalidToken,          77, storage_denied",
    "400, TokenRefreshRequired,  77, storage_denied",
    "403, AllAccessDisabled,     77, storage_denied",
    "403, AccountProblem,        77, storage_denied",
    "403, '',                    77, storage_denied",
    "401, '',                    77, storage_denied",
    "403, RequestTimeTooSkewed,  77, storage_denied",
    "404, NoSuchBucket,          77, storage_no_bucket",
    "503, SlowDown,              69, storage_unavailable",
    "503, ServiceUnavailable,    69, storage_unavailable",
    "500, InternalError,         69, storage_unavailable",
    "502, '',                    69, storage_unavailable",
    "504, '',                    69, storage_unavailable",
    "429, '',                    69, storage_unavailable",
    "400, SlowDown,              69, storage_unavailable",
    "400, RequestTimeout,        75, storage_timeout",
    "501, NotImplemented,        65, storage_unsupported",
    "501, '',                    65, storage_unsupported",
    "404, NoSuchKey,             65, storage_not_found",
    "404, '',                    65, storage_not_found",
    "400, EntityTooLarge,        65, storage_rejected",
    "400, InvalidRequest,        65, storage_rejected",
    "400, '',                    65, storage_rejected",
    "409, BucketAlreadyOwnedByYou, 65, storage_rejected",
    "412, PreconditionFailed,    65, storage_rejected",
  })
  void shouldClassifyServiceAnswers(int status, String code, int exit, String reason) {
    StageException e = S3Errors.classify("--stage-to", "media-in", s3(status, code));
    assertThat(e.exitClass().code()).isEqualTo(exit);
    assertThat(e.reasonText()).isEqualTo(reason);
    assertThat(e.httpStatus()).contains(status);
    assertThat(e.getMessage())
        .startsWith("--stage-to: ")
        .contains("media-in")
        .contains("HTTP " + status);
    // the same when wrapped as the SDK's futures do
    assertThat(
            S3Errors.classify("--stage-to", new CompletionException(s3(status, code))).reasonText())
        .isEqualTo(reason);
  }

  @Test
  void shouldNameTheBucketAndOptionWhenTheBucketIsMissing() {
    StageException e =
        S3Errors.classify(
            "--stage-to", "media-in", NoSuchBucketException.builder().statusCode(404).build());
    assertThat(e.exitClass()).isEqualTo(ExitClass.NOPERM);
    assertThat(e.reasonText()).isEqualTo("storage_no_bucket");
    assertThat(e.getMessage()).contains("bucket 'media-in'").contains("--stage-to");
    assertThat(
            S3Errors.classify("--stage-to", NoSuchBucketException.builder().statusCode(404).build())
                .getMessage())
        .contains("the bucket");
  }

  @Test
  void shouldTreatTypedNoSuchKeyAsNotFound() {
    assertThat(
            S3Errors.classify("--o", NoSuchKeyException.builder().statusCode(404).build())
                .reasonText())
        .isEqualTo("storage_not_found");
  }

  @Test
  void shouldTreatTimeoutsAndBrokenConnectionsAsTempfail() {
    Throwable[] failures = {
      ApiCallTimeoutException.create(1000),
      ApiCallAttemptTimeoutException.create(1000),
      SdkClientException.builder()
          .message("Unable to execute HTTP request")
          .cause(new ConnectException("Connection refused"))
          .build(),
      SdkClientException.builder()
          .message("io")
          .cause(new IOException("Connection reset by peer"))
          .build(),
      SdkClientException.builder()
          .message("t")
          .cause(new java.util.concurrent.TimeoutException("read"))
          .build(),
      new CompletionException(
          SdkClientException.builder()
              .message("x")
              .cause(new RuntimeException(new IOException("closed")))
              .build()),
      new IOException("Broken pipe"),
    };
    for (Throwable t : failures) {
      StageException e = S3Errors.classify("--stage-to", "media-in", t);
      assertThat(e.exitClass()).as(t.toString()).isEqualTo(ExitClass.TEMPFAIL);
      assertThat(e.reasonText()).isEqualTo("storage_timeout");
      assertThat(e.exitClass().retryable()).isTrue();
    }
  }

  @Test
  void shouldTreatMissingCredentialsAsNoperm() {
    StageException e =
        S3Errors.classify(
            "--stage-to",
            SdkClientException.create(
                "Unable to load credentials from any of the providers in the chain"));
    assertThat(e.exitClass()).isEqualTo(ExitClass.NOPERM);
    assertThat(e.reasonText()).isEqualTo("storage_no_credentials");
  }

  @Test
  void shouldReportAMissingLocalFileAsNoInput() {
    StageException e = S3Errors.classify("--stage-to", new NoSuchFileException("/data/a.png"));
    assertThat(e.exitClass()).isEqualTo(ExitClass.NO_INPUT);
    assertThat(e.getMessage()).contains("/data/a.png");
  }

  @Test
  void shouldKeepStageExceptionsAndCallTheRestOther() {
    StageException se = new StageException(ExitClass.DATA, "x", "y");
    assertThat(S3Errors.classify("--o", new CompletionException(se))).isSameAs(se);
    StageException other = S3Errors.classify("--o", new IllegalStateException("boom"));
    assertThat(other.exitClass()).isEqualTo(ExitClass.OTHER);
    assertThat(other.reasonText()).isEqualTo("storage_error");
    assertThat(S3Errors.classify("--o", SdkClientException.create("something else")).exitClass())
        .isEqualTo(ExitClass.OTHER);
  }

  @Test
  void shouldNeverPutAQueryStringInTheMessage() {
    S3Exception e =
        (S3Exception)
            S3Exception.builder()
                .statusCode(403)
                .awsErrorDetails(
                    AwsErrorDetails.builder()
                        .errorCode("AccessDenied")
                        .errorMessage("denied for http://h/b/k?X-Amz-Signature=abcdef0123")
                        .build())
                .build();
    assertThat(S3Errors.classify("--o", e).getMessage()).doesNotContain("abcdef0123");
    SdkClientException c =
        SdkClientException.builder()
            .message("GET https://h/b/k?X-Amz-Signature=abcdef0123 failed")
            .cause(new IOException("reset"))
            .build();
    assertThat(S3Errors.classify("--o", c).getMessage()).doesNotContain("abcdef0123");
  }
}
