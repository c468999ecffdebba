package dev.editstream.localkafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, defect 4, for {@code run}'s persistent broker: a started {@link LocalBroker} (no
 * authentication) accepts connections on loopback only, on its broker and its controller port, and
 * the kernel lists its listening sockets on 127.0.0.1 alone (the checks of {@link
 * EmbeddedKafkaLoopbackTest}).
 */
class LocalBrokerLoopbackTest {
  @TempDir Path dir;

  @Test
  void shouldListenOnLoopbackOnlyOnTheBrokerAndControllerPorts() throws Exception {
    try (LocalBroker b = LocalBroker.start(dir.resolve("broker"))) {
      assertThat(b.bootstrapServers()).isEqualTo(LocalBroker.LOOPBACK + ":" + b.port());
      for (int port : new int[] {b.port(), b.controllerPort()}) {
        assertThat(connects(InetAddress.getLoopbackAddress(), port))
            .as("loopback port %d", port)
            .isTrue();
        for (InetAddress other : nonLoopbackAddresses()) {
          assertThat(connects(other, port)).as("%s port %d must refuse", other, port).isFalse();
        }
        List<String> listening = listeningAddressesOf(port);
        if (Files.isReadable(Path.of("/proc/net/tcp"))
            || Files.isReadable(Path.of("/proc/net/tcp6"))) {
          assertThat(listening).as("listening sockets of port %d", port).isNotEmpty();
        }
        assertThat(listening).as("listening sockets of port %d", port).isSubsetOf(LOOPBACK_HEX);
      }
    }
  }

  static boolean connects(InetAddress host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 1_000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static List<InetAddress> nonLoopbackAddresses() throws Exception {
    List<InetAddress> out = new ArrayList<>();
    for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      for (InetAddress a : Collections.list(ni.getInetAddresses())) {
        if (!a.isLoopbackAddress() && a instanceof Inet4Address) {
          out.add(a);
        }
      }
    }
    return out;
  }

  /**
   * Loopback as /proc/net/tcp and tcp6 write it: 127.0.0.1, ::ffff:127.0.0.1 (a dual-stack Java
   * socket bound to 127.0.0.1 is listed in tcp6 so) and ::1. The wildcard is {@code 00000000} or 32
   * zeros.
   */
  static final List<String> LOOPBACK_HEX =
      List.of("0100007F", "0000000000000000FFFF00000100007F", "00000000000000000000000001000000");

  /**
   * Local addresses (hex, as in /proc/net/tcp and /proc/net/tcp6) of the sockets listening on
   * {@code port}; empty off Linux.
   */
  static List<String> listeningAddressesOf(int port) throws IOException {
    List<String> out = new ArrayList<>();
    String hexPort = String.format(":%04X", port);
    for (Path tcp : List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"))) {
      if (!Files.isReadable(tcp)) {
        continue;
      }
      for (String line : Files.readAllLines(tcp)) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 3 && f[1].endsWith(hexPort) && f[3].equals("0A")) {
          out.add(f[1].substring(0, f[1].indexOf(':')));
        }
      }
    }
    return out;
  }
}
