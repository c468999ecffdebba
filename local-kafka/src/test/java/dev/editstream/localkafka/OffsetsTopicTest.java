package dev.editstream.localkafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19 (command to first POST): a fresh broker of either kind creates its consumer-offsets
 * topic by itself, before any consumer group looks for its coordinator, and the probe leaves no
 * group behind.
 */
class OffsetsTopicTest {
  @TempDir Path dir;

  @Test
  void shouldCreateTheOffsetsTopicOnAFreshEmbeddedBrokerBeforeAnyGroupAsksForIt() throws Exception {
    try (EmbeddedKafka k = EmbeddedKafka.start(null)) {
      assertOffsetsTopicWithoutProbeGroup(k.bootstrapServers());
    }
  }

  @Test
  void shouldCreateTheOffsetsTopicOnAFreshLocalBrokerBeforeAnyGroupAsksForIt() throws Exception {
    try (LocalBroker b = LocalBroker.start(dir.resolve("broker"))) {
      assertOffsetsTopicWithoutProbeGroup(b.bootstrapServers());
    }
  }

  private static void assertOffsetsTopicWithoutProbeGroup(String bootstrapServers)
      throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    try (Admin admin = Admin.create(p)) {
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(
                          admin
                              .listTopics(new ListTopicsOptions().listInternal(true))
                              .names()
                              .get())
                      .contains("__consumer_offsets"));
      assertThat(admin.listGroups().all().get())
          .extracting(g -> g.groupId())
          .doesNotContain(OffsetsTopic.PROBE_GROUP);
    }
  }
}
