package dev.editstream.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UrlRulesTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://cdn.example.com/a.png",
        "https://CDN.Example.COM:8443/a/b.png?sig=1#frag",
        "https://8.8.8.8/a.png",
        "https://[2001:4860:4860::8888]/a.png",
        "https://172.32.0.1/a.png",
        "https://100.128.0.1/a.png",
        "https://example.com./a.png"
      })
  void shouldAcceptPublicHttpsUrls(String url) {
    assertThat(UrlRules.check(url)).isNull();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "https://10.1.2.3/a.png|private",
        "https://172.16.0.1/a.png|private",
        "https://172.31.255.255/a.png|private",
        "https://192.168.1.1/a.png|private",
        "https://127.0.0.1/a.png|loopback",
        "https://127.255.0.9/a.png|loopback",
        "https://169.254.169.254/latest/meta-data|link-local",
        "https://0.0.0.0/a.png|unspecified",
        "https://224.0.0.1/a.png|multicast",
        "https://255.255.255.255/a.png|reserved",
        "https://100.64.0.1/a.png|carrier-grade",
        "https://[::1]/a.png|loopback",
        "https://[::]/a.png|unspecified",
        "https://[fc00::1]/a.png|unique local",
        "https://[fd12:3456::1]/a.png|unique local",
        "https://[fe80::1]/a.png|link-local",
        "https://[ff02::1]/a.png|multicast",
        "https://[::ffff:127.0.0.1]/a.png|IPv4-mapped",
        "https://[::ffff:10.0.0.1]/a.png|private",
        "https://[64:ff9b::a9fe:a9fe]/a.png|embedded IPv4",
        "https://[fe80::1%25eth0]/a.png|zone id",
        "https://localhost/a.png|loopback host",
        "https://LOCALHOST./a.png|loopback host",
        "https://api.localhost/a.png|loopback host",
        "https://printer.local/a.png|local-only",
        "https://metadata.google.internal/a.png|local-only",
        "https://intranet/a.png|single-label",
        "https://2130706433/a.png|numeric host",
        "https://017.0.0.1/a.png|ambiguous",
        "https://127.1/a.png|numeric host",
        "https://0x7f.0.0.1/a.png|numeric host",
        "https://999.1.1.1/a.png|numeric host"
      })
  void shouldRefuseNonPublicHosts(String url, String why) {
    assertThat(UrlRules.check(url)).startsWith("must be a public https URL").contains(why);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "http://cdn.example.com/a.png|scheme \"http\" refused",
        "ftp://cdn.example.com/a.png|scheme \"ftp\" refused",
        "file:///etc/passwd|scheme \"file\" refused",
        "data:image/png;base64,iVBORw0KGgo=|scheme \"data\" refused",
        "javascript:alert(1)|scheme \"javascript\" refused",
        "https://user:pw@cdn.example.com/a.png|user info",
        "https://cdn.runcomfy.net@evil.com/a.png|user info",
        "https://cdn.example.com/a b.png|must be a valid https URL",
        "https:opaque|valid host name",
        "https:///nohost.png|valid host name",
        "https://my_host.example.com/a.png|valid host name"
      })
  void shouldRefuseUrlsThatAreNotPlainHttps(String url, String fragment) {
    assertThat(UrlRules.check(url)).contains(fragment);
  }

  @Test
  void shouldRefuseAUrlLongerThan2048Chars() {
    String url = "https://cdn.example.com/" + "a".repeat(UrlRules.MAX_URL_CHARS);
    assertThat(UrlRules.check(url)).contains("at most 2048 characters");
    assertThat(UrlRules.check(url.substring(0, UrlRules.MAX_URL_CHARS))).isNull();
  }

  @Test
  void shouldRefuseControlAndBidiCharacters() {
    assertThat(UrlRules.check("https://cdn.example.com/a\u0000.png"))
        .contains("control characters (U+0000");
    assertThat(UrlRules.check("https://cdn.example.com/a\t.png"))
        .contains("control characters (U+0009");
    assertThat(UrlRules.check("https://cdn.example.com/\u202Egnp.exe"))
        .contains("bidirectional")
        .contains("U+202E");
    assertThat(UrlRules.check("https://cdn.example.com/\u2066x.png")).contains("bidirectional");
  }
}
