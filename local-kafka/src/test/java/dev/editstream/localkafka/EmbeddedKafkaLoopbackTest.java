package dev.editstream.localkafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 14, defect 4: the unauthenticated embedded broker listens on loopback only. */
class EmbeddedKafkaLoopbackTest {
  @Test
  void shouldBindTheBrokerAndControllerListenersToLoopbackOnly() throws Exception {
    try (EmbeddedKafka k = EmbeddedKafka.start(null)) {
      assertThat(k.boundAddresses())
          .hasSizeGreaterThanOrEqualTo(2)
          .allSatisfy(a -> assertThat(a.getAddress().isLoopbackAddress()).as("%s", a).isTrue());
      int brokerPort = Integer.parseInt(k.bootstrapServers().replaceAll(".*:", ""));
      assertThat(k.boundAddresses()).extracting(InetSocketAddress::getPort).contains(brokerPort);
      for (InetSocketAddress a : k.boundAddresses()) {
        assertThat(LocalBrokerLoopbackTest.connects(InetAddress.getLoopbackAddress(), a.getPort()))
            .as("loopback port %d", a.getPort())
            .isTrue();
        for (InetAddress other : LocalBrokerLoopbackTest.nonLoopbackAddresses()) {
          assertThat(LocalBrokerLoopbackTest.connects(other, a.getPort()))
              .as("%s port %d must refuse", other, a.getPort())
              .isFalse();
        }
        // Java's sockets are listed in /proc/net/tcp6 (as ::ffff:127.0.0.1): both files are read,
        // and one entry at least must be there
        List<String> listening = LocalBrokerLoopbackTest.listeningAddressesOf(a.getPort());
        if (java.nio.file.Files.isReadable(Path.of("/proc/net/tcp6"))
            || java.nio.file.Files.isReadable(Path.of("/proc/net/tcp"))) {
          assertThat(listening).as("listening sockets of port %d", a.getPort()).isNotEmpty();
        }
        assertThat(listening)
            .allSatisfy(hex -> assertThat(LocalBrokerLoopbackTest.LOOPBACK_HEX).contains(hex));
      }
    }
  }

  @Test
  void shouldWriteLoopbackListenersForTheStandaloneBroker() {
    String p = StandaloneBroker.properties(9092, 9093, Path.of("/tmp/x"));
    assertThat(p)
        .contains("listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093")
        .contains("controller.quorum.voters=1@127.0.0.1:9093")
        .doesNotContain("0.0.0.0")
        .doesNotContain("localhost");
  }
}
