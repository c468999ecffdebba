package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DownloadPolicyTest {
  private final DownloadPolicy policy =
      DownloadPolicy.runComfyDefault().withLocalHosts(Set.of("127.0.0.1:8123", "LocalHost:9000"));

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://playgrounds-storage-public.runcomfy.net/tools/7063/results/abc123/result.png",
        "https://cdn.runcomfy.com/x.mp4",
        "https://CDN.RunComfy.NET/x.png",
        "https://a.b.c.runcomfy.net:8443/x.png?sig=abc",
        "http://cdn.runcomfy.net/x.png",
        "HTTP://CDN.RUNCOMFY.COM/x.mp4",
        "http://a.b.runcomfy.com:8080/x.png",
        "http://127.0.0.1:8123/assets/x.png",
        "https://127.0.0.1:8123/assets/x.png",
        "http://localhost:9000/a",
      })
  void shouldAllow(String url) {
    assertThat(policy.refusal(URI.create(url))).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "https://runcomfy.net.evil.com/x.png|not under",
        "https://cdn.runcomfy.net@evil.com/x.png|user info",
        "https://user:pw@cdn.runcomfy.net/x.png|user info",
        "https://runcomfy.net/x.png|not under",
        "https://evilruncomfy.net/x.png|not under",
        "https://cdn.runcomfy.net.evil.com/x.png|not under",
        "https://cdn.runcomfy.org/x.png|not under",
        "https://cdn.runcomfy.net./x.png|ends with a dot",
        "http://runcomfy.net.evil.com/x.png|not under",
        "http://cdn.runcomfy.net@evil.com/x.png|user info",
        "http://user@cdn.runcomfy.net/x.png|user info",
        "http://runcomfy.com/x.png|not under",
        "http://93.184.216.34/x.png|IP literal",
        "http://[::1]/x.png|IP literal",
        "ftp://cdn.runcomfy.net/x.png|scheme 'ftp'",
        "ws://cdn.runcomfy.net/x.png|scheme 'ws'",
        "file:///etc/passwd|scheme 'file'",
        "mailto:a@runcomfy.net|not an absolute hierarchical URL",
        "/relative/x.png|not an absolute hierarchical URL",
        "https://93.184.216.34/x.png|IP literal",
        "https://[::1]/x.png|IP literal",
        "https://[2606:4700::1111]/x.png|IP literal",
        "http://127.0.0.1:8124/x.png|IP literal",
        "http://127.0.0.1/x.png|IP literal",
        "http://localhost:9001/x.png|not under",
        "https://127.0.0.1/x.png|IP literal",
        "https://cdn_x.runcomfy.net/x.png|no valid host",
      })
  void shouldRefuseWithReason(String url, String reasonPart) {
    assertThat(policy.refusal(URI.create(url)))
        .hasValueSatisfying(r -> assertThat(r).contains(reasonPart));
  }

  @Test
  void shouldRefuseNull() {
    assertThat(policy.refusal(null)).isPresent();
  }

  @Test
  void shouldNotAllowLocalHostsByDefault() {
    assertThat(DownloadPolicy.runComfyDefault().refusal(URI.create("http://127.0.0.1:8123/x")))
        .isPresent();
  }

  @Test
  void shouldKeepHttpsOnlyOnSuffixHostsForAPolicyBuiltWithoutTheHttpFlag() {
    DownloadPolicy strict =
        new DownloadPolicy(DownloadPolicy.DEFAULT_SUFFIXES, Set.of("127.0.0.1:8123"));

    assertThat(strict.refusal(URI.create("http://cdn.runcomfy.net/x.png")))
        .hasValueSatisfying(r -> assertThat(r).contains("only allowed for configured local hosts"));
    assertThat(strict.refusal(URI.create("https://cdn.runcomfy.net/x.png"))).isEmpty();
    assertThat(strict.refusal(URI.create("http://127.0.0.1:8123/x.png"))).isEmpty();
    assertThat(
            strict
                .withLocalHosts(Set.of("localhost:1"))
                .refusal(URI.create("http://cdn.runcomfy.net/x")))
        .isPresent();
  }

  @Test
  void shouldKeepHttpOnRunComfyHostsAfterAddingLocalHosts() {
    assertThat(
            DownloadPolicy.runComfyDefault().refusal(URI.create("http://cdn.runcomfy.com/x.png")))
        .isEmpty();
    assertThat(policy.refusal(URI.create("http://cdn.runcomfy.com/x.png"))).isEmpty();
  }

  @Test
  void shouldMatchLocalHostOnDefaultPortOnlyWhenConfigured() {
    DownloadPolicy p = new DownloadPolicy(List.of(".runcomfy.net"), Set.of("assets.local:80"));

    assertThat(p.refusal(URI.create("http://assets.local/x"))).isEmpty();
    assertThat(p.refusal(URI.create("https://assets.local/x"))).isPresent();
  }

  @Test
  void shouldNeverEchoQueryInReason() {
    assertThat(policy.refusal(URI.create("https://evil.com/x?sig=SECRET")))
        .hasValueSatisfying(r -> assertThat(r).doesNotContain("SECRET"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"runcomfy.net", "", ".x", "x.runcomfy.net"})
  void shouldRefuseSuffixesWithoutLeadingDot(String suffix) {
    assertThatThrownBy(() -> new DownloadPolicy(List.of(suffix), Set.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("suffixes:");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"127.0.0.1", "127.0.0.1:", "http://127.0.0.1:80", "a b:80", "127.0.0.1:80/x"})
  void shouldRefuseLocalEntriesThatAreNotHostPort(String entry) {
    assertThatThrownBy(() -> new DownloadPolicy(List.of(".runcomfy.net"), Set.of(entry)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("localHosts:");
  }
}
