package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UrlSignerTest {
  static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes();

  static Map<String, List<String>> params(String signed) {
    return new QueryStringDecoder(signed).parameters();
  }

  @Test
  void shouldAppendAHexHmacAndTheExpiry() {
    String signed = new UrlSigner(KEY).sign("/files/r1/output-1.png");
    assertThat(signed)
        .matches("/files/r1/output-1\\.png\\?X-Amz-Signature=[0-9a-f]{64}&X-Amz-Expires=3600");
    assertThat(new UrlSigner(KEY).sign("/files/r1/output-1.png")).isEqualTo(signed);
  }

  @Test
  void shouldVerifyOnlyTheSignedPathWithTheSameKey() {
    UrlSigner s = new UrlSigner(KEY);
    String signed = s.sign("/files/r1/output-1.png");
    assertThat(s.verify("/files/r1/output-1.png", params(signed))).isTrue();
    assertThat(s.verify("/files/r2/output-1.png", params(signed))).isFalse();
    assertThat(new UrlSigner().verify("/files/r1/output-1.png", params(signed))).isFalse();
    assertThat(s.verify("/files/r1/output-1.png", Map.of())).isFalse();
    assertThat(s.verify("/files/r1/output-1.png", Map.of(UrlSigner.SIGNATURE, List.of("00"))))
        .isFalse();
    assertThat(s.verify("/files/r1/output-1.png", Map.of(UrlSigner.SIGNATURE, List.of("a", "b"))))
        .isFalse();
  }

  @Test
  void shouldDrawADifferentKeyPerSigner() {
    assertThat(new UrlSigner().sign("/x")).isNotEqualTo(new UrlSigner().sign("/x"));
  }
}
