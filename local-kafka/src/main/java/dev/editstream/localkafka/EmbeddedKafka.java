package dev.editstream.localkafka;

import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.ServerSocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (combined KRaft broker and controller, Kafka's own server
 * classes) inside this JVM, for the all-in-one mode, the demo and the tests.
 *
 * <p>Built on Kafka's {@code KafkaClusterTestKit} (artifact {@code kafka-test-common-runtime}),
 * pinned to the Kafka version of the parent POM: it is a test API that changes between releases, so
 * this class is the only place that touches it. Replication settings of internal topics are set to
 * 1, or consumer groups never find their coordinator on a single node.
 *
 * <p>Loopback only: the broker is unauthenticated (PLAINTEXT), so both its listeners (broker and
 * KRaft controller) are bound to {@link #LOOPBACK} 127.0.0.1 and never to all interfaces. The test
 * kit pre-binds every listener to the wildcard address ({@code new InetSocketAddress(0)} in its
 * {@code PreboundSocketFactoryManager}); this class hands it loopback-bound sockets instead, before
 * the cluster is built (the one place that reaches into the kit's internals, pinned to the Kafka
 * version of the parent POM, and checked: {@link #boundAddresses()}).
 */
public final class EmbeddedKafka implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

  /** The only address the embedded broker listens on. */
  public static final String LOOPBACK = "127.0.0.1";

  private final KafkaClusterTestKit cluster;
  private final List<InetSocketAddress> bound;

  private EmbeddedKafka(KafkaClusterTestKit cluster, List<InetSocketAddress> bound) {
    this.cluster = cluster;
    this.bound = List.copyOf(bound);
  }

  /**
   * Formats storage under {@code dataDir} (or a temp folder when {@code null}), starts the broker
   * and waits until it serves requests (about 2-3 s).
   *
   * @throws IllegalStateException when the broker cannot start
   */
  public static EmbeddedKafka start(Path dataDir) {
    try {
      TestKitNodes.Builder nodes =
          new TestKitNodes.Builder()
              .setCombined(true)
              .setNumBrokerNodes(1)
              .setNumControllerNodes(1);
      if (dataDir != null) {
        nodes.setBaseDirectory(dataDir);
      }
      TestKitNodes built = nodes.build();
      KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(built);
      List<InetSocketAddress> bound = bindLoopback(builder, built);
      KafkaClusterTestKit c =
          builder
              .setConfigProp(
                  "listeners",
                  built.brokerListenerName().value()
                      + "://"
                      + LOOPBACK
                      + ":0,"
                      + built.controllerListenerName().value()
                      + "://"
                      + LOOPBACK
                      + ":0")
              .setConfigProp("offsets.topic.replication.factor", "1")
              .setConfigProp("offsets.topic.num.partitions", "4")
              .setConfigProp("transaction.state.log.replication.factor", "1")
              .setConfigProp("transaction.state.log.min.isr", "1")
              .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
              .setConfigProp("share.coordinator.state.topic.min.isr", "1")
              .setConfigProp("group.initial.rebalance.delay.ms", "0")
              .setConfigProp("num.partitions", "4")
              .setConfigProp("auto.create.topics.enable", "false")
              .setConfigProp(
                  "log.cleaner.dedupe.buffer.size",
                  String.valueOf(StandaloneBroker.DEDUPE_BUFFER_BYTES))
              .setDeleteOnClose(dataDir == null)
              .build();
      c.format();
      c.startup();
      c.waitForReadyBrokers();
      EmbeddedKafka k = new EmbeddedKafka(c, bound);
      OffsetsTopic.createInBackground(k.bootstrapServers());
      log.info("embedded Kafka broker (single-node KRaft) started at {}", k.bootstrapServers());
      return k;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("cannot start the embedded Kafka broker: " + e, e);
    }
  }

  /**
   * Pre-binds every listener of every node to 127.0.0.1 in the kit's socket manager, so the kit
   * uses these sockets instead of binding the wildcard address.
   *
   * @return the bound addresses
   * @throws IllegalStateException if the kit's internals are not as expected (another Kafka
   *     version)
   */
  @SuppressWarnings("unchecked")
  private static List<InetSocketAddress> bindLoopback(
      KafkaClusterTestKit.Builder builder, TestKitNodes nodes) throws Exception {
    Object manager;
    Map<Integer, Map<String, ServerSocketChannel>> sockets;
    try {
      Field f = KafkaClusterTestKit.Builder.class.getDeclaredField("socketFactoryManager");
      f.setAccessible(true);
      manager = f.get(builder);
      Field s = manager.getClass().getDeclaredField("sockets");
      s.setAccessible(true);
      sockets = (Map<Integer, Map<String, ServerSocketChannel>>) s.get(manager);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException(
          "the Kafka test kit changed: cannot bind its listeners to loopback only: " + e, e);
    }
    List<InetSocketAddress> out = new ArrayList<>();
    @SuppressWarnings("AddressSelection") // a literal IP address: parsed, never looked up
    InetAddress loopback = InetAddress.getByName(LOOPBACK);
    for (Integer id : nodes.controllerNodes().keySet()) {
      out.add(bind(sockets, id, nodes.controllerListenerName().value(), loopback));
    }
    for (Integer id : nodes.brokerNodes().keySet()) {
      out.add(bind(sockets, id, nodes.brokerListenerName().value(), loopback));
    }
    return out;
  }

  private static InetSocketAddress bind(
      Map<Integer, Map<String, ServerSocketChannel>> sockets,
      int node,
      String listener,
      InetAddress loopback)
      throws java.io.IOException {
    ServerSocketChannel ch =
        ServerSocketFactory.INSTANCE.openServerSocket(
            listener, new InetSocketAddress(loopback, 0), -1, -1);
    synchronized (sockets) {
      sockets.computeIfAbsent(node, k -> new HashMap<>()).put(listener, ch);
    }
    return (InetSocketAddress) ch.getLocalAddress();
  }

  /** The addresses the broker's and controller's listeners are bound to (each 127.0.0.1). */
  public List<InetSocketAddress> boundAddresses() {
    return bound;
  }

  /** The broker's bootstrap servers, {@code localhost:port}. */
  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  /** Stops the broker and deletes its storage when it was a temp folder. */
  @Override
  public void close() {
    try {
      cluster.close();
    } catch (Exception e) {
      log.warn("embedded Kafka broker did not close cleanly: {}", e.toString());
    }
  }
}
