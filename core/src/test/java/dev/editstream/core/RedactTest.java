package dev.editstream.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactTest {
  @Test
  void shouldDropTheQueryStringAndFragmentOfAUrl() {
    assertThat(Redact.url("https://cdn.runcomfy.net/a/b.png?X-Amz-Signature=abc&t=1"))
        .isEqualTo("https://cdn.runcomfy.net/a/b.png?<redacted>");
    assertThat(Redact.url("https://cdn.runcomfy.net/a/b.png#frag"))
        .isEqualTo("https://cdn.runcomfy.net/a/b.png?<redacted>");
    assertThat(Redact.url("https://cdn.runcomfy.net/a/b.png"))
        .isEqualTo("https://cdn.runcomfy.net/a/b.png");
    assertThat(Redact.url(null)).isNull();
  }

  @Test
  void shouldRedactSignedUrlsAndBearerTokensInsideFreeText() {
    String t =
        Redact.text(
            "GET https://x.runcomfy.net/o.png?sig=SECRET failed; Authorization: Bearer tok_123.abc");
    assertThat(t)
        .doesNotContain("SECRET")
        .doesNotContain("tok_123")
        .contains("https://x.runcomfy.net/o.png?<redacted>");
  }
}
