package dev.editstream.runcomfy;

import dev.editstream.core.error.ExitClass;

/**
 * Classifies the HTTP status of a download answer. Pure.
 *
 * <p>editstream's rule: 408 and 429 → TEMPFAIL, other 4xx → DATA (the file will not appear), 5xx →
 * UNAVAILABLE, anything else that is neither 2xx nor a followable redirect → OTHER.
 */
public final class DownloadStatus {
  private DownloadStatus() {}

  /** Whether the status is a redirect editstream follows (301, 302, 303, 307, 308). */
  public static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  /** The class of a failed (non-2xx, non-redirect) download answer. */
  public static ExitClass classify(int status) {
    if (status == 408 || status == 429) {
      return ExitClass.TEMPFAIL;
    }
    if (status >= 400 && status <= 499) {
      return ExitClass.DATA;
    }
    if (status >= 500 && status <= 599) {
      return ExitClass.UNAVAILABLE;
    }
    return ExitClass.OTHER;
  }
}
