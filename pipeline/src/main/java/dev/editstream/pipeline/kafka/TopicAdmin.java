package dev.editstream.pipeline.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/** Creates editstream's topics when they are missing (idempotent). */
public final class TopicAdmin {
  private TopicAdmin() {}

  /**
   * Creates every missing topic of {@code names}; a name ending in {@code .state} is created
   * compacted ({@code cleanup.policy=compact}).
   *
   * @param partitions partitions per new topic, &gt;= 1
   * @param replicationFactor replication factor per new topic (1 on a single-node broker)
   * @throws IllegalStateException when the cluster cannot be reached within 60 s
   */
  public static void ensureTopics(String bootstrapServers, Collection<String> names, int partitions, short replicationFactor) {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
      Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (String n : names) {
        if (!existing.contains(n)) {
          NewTopic t = new NewTopic(n, partitions, replicationFactor);
          if (n.endsWith(".state")) {
            t.configs(Map.of("cleanup.policy", "compact"));
          }
          missing.add(t);
        }
      }
      if (!missing.isEmpty()) {
        try {
          admin.createTopics(missing).all().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
            throw e;
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot create topics on " + bootstrapServers + ": " + e, e);
    }
  }
}
