package dev.editstream.localkafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.junit.jupiter.api.Test;

/**
 * Issue 19 (command to first POST): a fresh embedded broker creates its consumer-offsets topic by
 * itself, before any consumer group looks for its coordinator, and the probe leaves no group
 * behind.
 */
class EmbeddedKafkaOffsetsTopicTest {
  @Test
  void shouldCreateTheOffsetsTopicBeforeAnyGroupAsksForIt() throws Exception {
    try (EmbeddedKafka k = EmbeddedKafka.start(null)) {
      Properties p = new Properties();
      p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, k.bootstrapServers());
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
            .doesNotContain(EmbeddedKafka.OFFSETS_TOPIC_PROBE_GROUP);
      }
    }
  }
}
