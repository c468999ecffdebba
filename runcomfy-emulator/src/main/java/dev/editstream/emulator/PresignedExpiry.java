package dev.editstream.emulator;

import java.net.URI;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * When a pre-signed URL stops working, read from its query as a bucket reads it: AWS Signature
 * Version 4 ({@code X-Amz-Date=yyyyMMdd'T'HHmmss'Z'} plus {@code X-Amz-Expires} seconds, AWS S3
 * "Authenticating Requests: Using Query Parameters") or version 2 ({@code Expires} = epoch
 * seconds). A model server fetches an input when the job runs, not when it is submitted, so a URL
 * signed for too short a time fails the job as at RunComfy: the bucket answers 403. Pure.
 */
final class PresignedExpiry {
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

  private PresignedExpiry() {}

  /**
   * The instant a pre-signed URL expires.
   *
   * @param uri the URL
   * @return its expiry, or empty when it is not pre-signed (or its parameters do not parse: the
   *     bucket then refuses it on its own terms)
   */
  static Optional<Instant> expiry(URI uri) {
    String q = uri.getRawQuery();
    if (q == null) {
      return Optional.empty();
    }
    String date = null;
    String expires = null;
    String v2 = null;
    for (String pair : q.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      if (k.equalsIgnoreCase("X-Amz-Date")) {
        date = v;
      } else if (k.equalsIgnoreCase("X-Amz-Expires")) {
        expires = v;
      } else if (k.equals("Expires")) {
        v2 = v;
      }
    }
    try {
      if (date != null && expires != null) {
        Instant signed = LocalDateTime.parse(date, AMZ_DATE).toInstant(ZoneOffset.UTC);
        return Optional.of(signed.plusSeconds(Long.parseLong(expires)));
      }
      if (v2 != null) {
        return Optional.of(Instant.ofEpochSecond(Long.parseLong(v2)));
      }
    } catch (DateTimeParseException | NumberFormatException | ArithmeticException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  /** Whether {@code uri} is a pre-signed URL that has expired at {@code now}. */
  static boolean expired(URI uri, Instant now) {
    return expiry(uri).map(now::isAfter).orElse(false);
  }
}
