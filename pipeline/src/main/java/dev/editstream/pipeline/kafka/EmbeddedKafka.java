package dev.editstream.pipeline.kafka;

import java.nio.file.Path;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (combined KRaft broker and controller, Kafka's own server
 * classes) inside this JVM, for the all-in-one mode, the demo and the tests.
 *
 * <p>Built on Kafka's {@code KafkaClusterTestKit} (artifact {@code kafka-test-common-runtime}),
 * pinned to the Kafka version of the parent POM: it is a test API that changes between releases,
 * so this class is the only place that touches it. Replication settings of internal topics are set
 * to 1, or consumer groups never find their coordinator on a single node.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

  private final KafkaClusterTestKit cluster;

  private EmbeddedKafka(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  /**
   * Formats storage under {@code dataDir} (or a temp folder when {@code null}), starts the broker
   * and waits until it serves requests (about 2-3 s).
   *
   * @throws IllegalStateException when the broker cannot start
   */
  public static EmbeddedKafka start(Path dataDir) {
    try {
      TestKitNodes.Builder nodes = new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1);
      if (dataDir != null) {
        nodes.setBaseDirectory(dataDir);
      }
      KafkaClusterTestKit c = new KafkaClusterTestKit.Builder(nodes.build())
          .setConfigProp("offsets.topic.replication.factor", "1")
          .setConfigProp("offsets.topic.num.partitions", "4")
          .setConfigProp("transaction.state.log.replication.factor", "1")
          .setConfigProp("transaction.state.log.min.isr", "1")
          .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
          .setConfigProp("share.coordinator.state.topic.min.isr", "1")
          .setConfigProp("group.initial.rebalance.delay.ms", "0")
          .setConfigProp("num.partitions", "4")
          .setConfigProp("auto.create.topics.enable", "false")
          .setDeleteOnClose(dataDir == null)
          .build();
      c.format();
      c.startup();
      c.waitForReadyBrokers();
      EmbeddedKafka k = new EmbeddedKafka(c);
      log.info("embedded Kafka broker (single-node KRaft) started at {}", k.bootstrapServers());
      return k;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("cannot start the embedded Kafka broker: " + e, e);
    }
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
