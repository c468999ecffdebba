package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressRulesTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "0.0.0.0|unspecified",
        "0.1.2.3|unspecified",
        "127.0.0.1|loopback",
        "127.255.255.254|loopback",
        "10.0.0.0|private",
        "10.255.255.255|private",
        "172.16.0.1|private",
        "172.31.255.255|private",
        "192.168.0.1|private",
        "192.168.255.255|private",
        "100.64.0.1|shared",
        "100.127.255.255|shared",
        "169.254.0.1|link-local",
        "169.254.169.254|link-local",
        "224.0.0.1|multicast",
        "239.255.255.255|multicast",
        "240.0.0.1|reserved",
        "255.255.255.255|broadcast",
        "::|unspecified",
        "::1|loopback",
        "fc00::1|private",
        "fdff:ffff::1|private",
        "fe80::1|link-local",
        "febf::1|link-local",
        "fec0::1|site-local",
        "ff02::1|multicast",
        "ff0e::1|multicast",
        "::127.0.0.1|IPv4-compatible loopback",
        "64:ff9b::a00:1|NAT64 private",
        "2002:c0a8:101::1|6to4 private",
        "2002:7f00:1::|6to4 loopback",
      })
  void shouldRefuseInternalRanges(String address, String reason) throws UnknownHostException {
    assertThat(AddressRules.refusal(InetAddress.getByName(address)))
        .hasValueSatisfying(r -> assertThat(r).contains(reason));
  }

  @ParameterizedTest
  @CsvSource({
    "1.1.1.1",
    "8.8.8.8",
    "9.255.255.255",
    "11.0.0.0",
    "93.184.216.34",
    "100.63.255.255",
    "100.128.0.0",
    "169.253.255.255",
    "169.255.0.0",
    "172.15.255.255",
    "172.32.0.0",
    "192.167.255.255",
    "192.169.0.0",
    "223.255.255.255",
    "126.255.255.255",
    "128.0.0.1",
    "2606:4700::1111",
    "2001:4860:4860::8888",
    "fbff::1",
    "fe7f::1",
    "2a00:1450::1",
    "64:ff9b::808:808",
    "2002:808:808::1",
    "64:ff9b:1::a00:1",
  })
  void shouldAllowPublicAddresses(String address) throws UnknownHostException {
    assertThat(AddressRules.refusal(InetAddress.getByName(address))).isEmpty();
  }

  @Test
  void shouldJudgeAnIpv4MappedAddressKeptInIpv6FormByItsIpv4Part() throws UnknownHostException {
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    mapped[12] = 10;
    mapped[15] = 1;
    assertThat(AddressRules.refusal(Inet6Address.getByAddress(null, mapped, -1)))
        .hasValueSatisfying(r -> assertThat(r).contains("IPv4-mapped private"));
    mapped[12] = 8;
    mapped[13] = 8;
    mapped[14] = 8;
    mapped[15] = 8;
    assertThat(AddressRules.refusal(Inet6Address.getByAddress(null, mapped, -1))).isEmpty();
    assertThat(AddressRules.refusal(null)).isPresent();
  }

  @Test
  void shouldCheckEveryIpv4AddressOfEachFirstOctetConsistently() throws UnknownHostException {
    for (int a = 0; a < 256; a++) {
      boolean internal = a == 0 || a == 10 || a == 127 || a >= 224;
      InetAddress addr = InetAddress.getByAddress(new byte[] {(byte) a, 1, 2, 3});
      assertThat(AddressRules.refusal(addr).isPresent()).as("%d.1.2.3", a).isEqualTo(internal);
    }
  }
}
