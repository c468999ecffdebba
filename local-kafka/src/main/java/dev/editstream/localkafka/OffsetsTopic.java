package dev.editstream.localkafka;

import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Has a fresh broker create its {@code __consumer_offsets} topic before the first consumer group
 * needs it. A broker creates that topic when a group first looks for its coordinator; on a fresh
 * broker the creation (four partitions and their logs) then sits between the first group's
 * subscription and its join: the router's group answered {@code NOT_COORDINATOR} for about 0.2 s
 * after its first {@code FindCoordinator} (2026-12-06 and 12-08, 2 cores; issue 19: command to
 * first POST). Looking up a group that never exists makes the broker create the topic while the
 * caller creates its own topics and reads its views.
 */
final class OffsetsTopic {
  private static final Logger log = LoggerFactory.getLogger(OffsetsTopic.class);

  /** The consumer group whose lookup makes the broker create its offsets topic; never joined. */
  static final String PROBE_GROUP = "editstream-offsets-topic-probe";

  private OffsetsTopic() {}

  /**
   * Starts the lookup on a daemon thread and returns at once. On a broker that already has the
   * topic the lookup is answered at once and does nothing. Failures (a broker stopped at once) are
   * logged at DEBUG: the first real group then creates the topic, as Kafka always does.
   *
   * @param bootstrapServers the broker's {@code host:port}
   */
  static void createInBackground(String bootstrapServers) {
    Thread t =
        new Thread(
            () -> {
              Properties p = new Properties();
              p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
              try (Admin admin = Admin.create(p)) {
                admin
                    .describeConsumerGroups(
                        List.of(PROBE_GROUP), new DescribeConsumerGroupsOptions().timeoutMs(10_000))
                    .all()
                    .get();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (Exception e) {
                log.debug("offsets topic probe: {}", e.toString());
              }
            },
            "editstream-offsets-topic");
    t.setDaemon(true);
    t.start();
  }
}
