package dev.editstream.core.error;

import org.jspecify.annotations.Nullable;

/**
 * Maps an HTTP answer of the RunComfy Model API to an {@link ExitClass}. Pure: no HTTP types.
 *
 * <p>Source: RunComfy CLI's mapping ({@code ../shared/docs/runcomfy-model-api.md}): 401/403 → 77;
 * 408/429 → 75; 5xx → 69; 400, 404 on submit, 422 and other 4xx → 65. Documented error codes:
 * 400002 (no balance) and HTTP 402 are treated as account faults (77) because retrying cannot help
 * until an operator acts; 400004 (account/token problem) → 77.
 */
public final class HttpErrorClassifier {
  private HttpErrorClassifier() {}

  /**
   * Classifies an HTTP status (and RunComfy {@code error_code} when the body carried one).
   *
   * @param status the HTTP status, 100..599; a 2xx with an error_code is an error too
   * @param errorCode RunComfy's numeric {@code error_code}, or {@code null}
   * @return the exit class
   */
  public static ExitClass classify(int status, @Nullable Integer errorCode) {
    if (errorCode != null) {
      if (errorCode == 400002
          || errorCode == 400004
          || errorCode == 401001
          || errorCode == 403001) {
        return ExitClass.NOPERM;
      }
      if (errorCode >= 500000 && errorCode < 600000) {
        return ExitClass.UNAVAILABLE;
      }
    }
    if (status == 401 || status == 402 || status == 403) {
      return ExitClass.NOPERM;
    }
    if (status == 408 || status == 429) {
      return ExitClass.TEMPFAIL;
    }
    if (status >= 500 && status <= 599) {
      return ExitClass.UNAVAILABLE;
    }
    if (status >= 400 && status <= 499) {
      return ExitClass.DATA;
    }
    if (errorCode != null) {
      return ExitClass.DATA;
    }
    return ExitClass.OTHER;
  }

  /**
   * The reason's wire text naming the status, e.g. {@code http_429} or {@code http_503_500001}
   * ({@link dev.editstream.core.event.FailureReason#fromWire} reads it as {@code HTTP_429} or
   * {@code HTTP}).
   */
  public static String reason(int status, @Nullable Integer errorCode) {
    return dev.editstream.core.event.FailureReason.httpText(status, errorCode);
  }
}
