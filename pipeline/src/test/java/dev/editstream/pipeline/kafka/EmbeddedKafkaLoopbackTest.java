package dev.editstream.pipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 14, defect 4: the unauthenticated embedded broker listens on loopback only. */
class EmbeddedKafkaLoopbackTest {
  @Test
  void shouldBindTheBrokerAndControllerListenersToLoopbackOnly() throws Exception {
    try (EmbeddedKafka k = EmbeddedKafka.start(null)) {
      assertThat(k.boundAddresses()).hasSizeGreaterThanOrEqualTo(2)
          .allSatisfy(a -> assertThat(a.getAddress().isLoopbackAddress()).as("%s", a).isTrue());
      int brokerPort = Integer.parseInt(k.bootstrapServers().replaceAll(".*:", ""));
      assertThat(k.boundAddresses()).extracting(InetSocketAddress::getPort).contains(brokerPort);
      for (InetSocketAddress a : k.boundAddresses()) {
        assertThat(connects(InetAddress.getLoopbackAddress(), a.getPort())).as("loopback port %d", a.getPort()).isTrue();
        for (InetAddress other : nonLoopbackAddresses()) {
          assertThat(connects(other, a.getPort())).as("%s port %d must refuse", other, a.getPort()).isFalse();
        }
        assertThat(listeningAddressesOf(a.getPort())).as("listening sockets of port %d", a.getPort())
            .allSatisfy(hex -> assertThat(hex).isEqualTo("0100007F"));
      }
    }
  }

  @Test
  void shouldWriteLoopbackListenersForTheStandaloneBroker() {
    String p = StandaloneBroker.properties(9092, 9093, Path.of("/tmp/x"));
    assertThat(p).contains("listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093")
        .contains("controller.quorum.voters=1@127.0.0.1:9093").doesNotContain("0.0.0.0").doesNotContain("localhost");
  }

  private static boolean connects(InetAddress host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 1_000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static List<InetAddress> nonLoopbackAddresses() throws Exception {
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

  /** Local addresses (hex, as in /proc/net/tcp) of IPv4 sockets listening on {@code port}; empty off Linux. */
  private static List<String> listeningAddressesOf(int port) throws IOException {
    Path tcp = Path.of("/proc/net/tcp");
    List<String> out = new ArrayList<>();
    if (!java.nio.file.Files.isReadable(tcp)) {
      return out;
    }
    String hexPort = String.format(":%04X", port);
    for (String line : java.nio.file.Files.readAllLines(tcp)) {
      String[] f = line.trim().split("\\s+");
      if (f.length > 3 && f[1].endsWith(hexPort) && f[3].equals("0A")) {
        out.add(f[1].substring(0, f[1].indexOf(':')));
      }
    }
    return out;
  }
}
