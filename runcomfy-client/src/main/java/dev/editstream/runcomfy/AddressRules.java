package dev.editstream.runcomfy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Optional;

/**
 * Which resolved addresses a download from a RunComfy host ({@code *.runcomfy.net}, {@code
 * *.runcomfy.com}) may connect to. Pure: looks only at the address bytes, never at DNS.
 *
 * <p>An output URL comes from the provider's answer: a name under an allowed suffix that resolves
 * to this machine or the local network would turn the downloader into a probe of internal services
 * (SSRF). Refused: unspecified ({@code 0.0.0.0/8}, {@code ::}), loopback ({@code 127.0.0.0/8},
 * {@code ::1}), private ({@code 10/8}, {@code 172.16/12}, {@code 192.168/16}, {@code fc00::/7}),
 * shared address space ({@code 100.64/10}, RFC 6598), link-local ({@code 169.254/16}, {@code
 * fe80::/10}), the deprecated site-local {@code fec0::/10}, multicast ({@code 224/4}, {@code
 * ff00::/8}), reserved and broadcast ({@code 240/4}); IPv6 forms that embed an IPv4 address
 * (IPv4-mapped {@code ::ffff:0:0/96}, IPv4-compatible {@code ::/96}, NAT64 {@code 64:ff9b::/96},
 * 6to4 {@code 2002::/16}) are judged by the IPv4 address they carry. Hosts configured explicitly as
 * {@code host:port} (the emulator) are not subject to these rules (see {@link DownloadPolicy}).
 */
public final class AddressRules {
  private AddressRules() {}

  /**
   * @param address a resolved address
   * @return empty when a download may connect to it; else the range's name, e.g. {@code loopback}
   */
  public static Optional<String> refusal(InetAddress address) {
    if (address == null) {
      return Optional.of("no address");
    }
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) {
      return v4(b);
    }
    if (address instanceof Inet6Address) {
      return v6(b);
    }
    return Optional.of("unknown address family");
  }

  private static Optional<String> v4(byte[] b) {
    int a0 = b[0] & 0xff;
    int a1 = b[1] & 0xff;
    if (a0 == 0) {
      return Optional.of("unspecified address");
    }
    if (a0 == 127) {
      return Optional.of("loopback address");
    }
    if (a0 == 10 || (a0 == 172 && a1 >= 16 && a1 <= 31) || (a0 == 192 && a1 == 168)) {
      return Optional.of("private address");
    }
    if (a0 == 100 && a1 >= 64 && a1 <= 127) {
      return Optional.of("shared (carrier-grade NAT) address");
    }
    if (a0 == 169 && a1 == 254) {
      return Optional.of("link-local address");
    }
    if (a0 >= 224 && a0 <= 239) {
      return Optional.of("multicast address");
    }
    if (a0 >= 240) {
      return Optional.of("reserved or broadcast address");
    }
    return Optional.empty();
  }

  private static Optional<String> v6(byte[] b) {
    boolean first10Zero = true;
    for (int i = 0; i < 10; i++) {
      first10Zero &= b[i] == 0;
    }
    if (first10Zero && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
      return v4(tail4(b)).map(r -> "IPv4-mapped " + r);
    }
    boolean first12Zero = first10Zero && b[10] == 0 && b[11] == 0;
    if (first12Zero) {
      int last = ((b[12] | b[13] | b[14]) & 0xff);
      if (last == 0 && (b[15] & 0xff) <= 1) {
        return Optional.of((b[15] & 0xff) == 0 ? "unspecified address" : "loopback address");
      }
      return v4(tail4(b)).map(r -> "IPv4-compatible " + r);
    }
    int b0 = b[0] & 0xff;
    int b1 = b[1] & 0xff;
    if (b0 == 0x00 && b1 == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
      boolean zeros = true;
      for (int i = 4; i < 12; i++) {
        zeros &= b[i] == 0;
      }
      if (zeros) {
        return v4(tail4(b)).map(r -> "NAT64 " + r);
      }
    }
    if (b0 == 0x20 && b1 == 0x02) {
      return v4(new byte[] {b[2], b[3], b[4], b[5]}).map(r -> "6to4 " + r);
    }
    if ((b0 & 0xfe) == 0xfc) {
      return Optional.of("private address");
    }
    if (b0 == 0xfe && (b1 & 0xc0) == 0x80) {
      return Optional.of("link-local address");
    }
    if (b0 == 0xfe && (b1 & 0xc0) == 0xc0) {
      return Optional.of("site-local address");
    }
    if (b0 == 0xff) {
      return Optional.of("multicast address");
    }
    return Optional.empty();
  }

  private static byte[] tail4(byte[] b) {
    return new byte[] {b[12], b[13], b[14], b[15]};
  }
}
