package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** {@link PresignedExpiry}: SigV4 and SigV2 expiry read from the query, as a bucket reads it. */
class PresignedExpiryTest {
  private static final String V4 =
      "https://b.s3.amazonaws.com/in/a.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20261205%2Fus-east-1%2Fs3%2Faws4_request"
          + "&X-Amz-Date=20261205T100000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=abc";

  @Test
  void shouldReadSigV4Expiry() {
    assertThat(PresignedExpiry.expiry(URI.create(V4)))
        .contains(Instant.parse("2026-12-05T11:00:00Z"));
    assertThat(PresignedExpiry.expired(URI.create(V4), Instant.parse("2026-12-05T10:59:59Z")))
        .isFalse();
    assertThat(PresignedExpiry.expired(URI.create(V4), Instant.parse("2026-12-05T11:00:00Z")))
        .isFalse();
    assertThat(PresignedExpiry.expired(URI.create(V4), Instant.parse("2026-12-05T11:00:01Z")))
        .isTrue();
    // parameter names are case-insensitive for V4 (as S3 reads them)
    assertThat(
            PresignedExpiry.expiry(
                URI.create(
                    V4.replace("X-Amz-Date", "x-amz-date")
                        .replace("X-Amz-Expires", "x-amz-expires"))))
        .contains(Instant.parse("2026-12-05T11:00:00Z"));
  }

  @Test
  void shouldReadSigV2Expiry() {
    URI v2 =
        URI.create(
            "https://b.s3.amazonaws.com/a.png?AWSAccessKeyId=AK&Expires=1796464800&Signature=x");
    assertThat(PresignedExpiry.expiry(v2)).contains(Instant.ofEpochSecond(1796464800));
    assertThat(PresignedExpiry.expired(v2, Instant.ofEpochSecond(1796464801))).isTrue();
  }

  @Test
  void shouldLeaveUnsignedOrUnreadableUrlsToTheServer() {
    assertThat(PresignedExpiry.expiry(URI.create("https://cdn.example.com/a.png"))).isEmpty();
    assertThat(PresignedExpiry.expiry(URI.create("https://cdn.example.com/a.png?v=3"))).isEmpty();
    assertThat(
            PresignedExpiry.expiry(URI.create("https://b/a?X-Amz-Date=yesterday&X-Amz-Expires=60")))
        .isEmpty();
    assertThat(
            PresignedExpiry.expiry(
                URI.create("https://b/a?X-Amz-Date=20261205T100000Z&X-Amz-Expires=soon")))
        .isEmpty();
    assertThat(PresignedExpiry.expiry(URI.create("https://b/a?X-Amz-Date=20261205T100000Z")))
        .isEmpty();
    assertThat(PresignedExpiry.expired(URI.create("https://cdn.example.com/a.png"), Instant.MAX))
        .isFalse();
  }
}
