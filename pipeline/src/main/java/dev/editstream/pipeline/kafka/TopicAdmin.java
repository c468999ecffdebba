package dev.editstream.pipeline.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Creates editstream's topics when they are missing (idempotent), sized for the cluster and
 * configured by role ({@link TopicPolicy}); existing topics are checked and every difference from
 * what editstream would create is logged as a warning (never changed).
 */
public final class TopicAdmin {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TopicAdmin.class);

  /** The topic admin's first retry backoff, ms (Kafka's default is 100). */
  static final long RETRY_BACKOFF_MS = 10;

  /** The topic admin's longest retry backoff, ms (Kafka's default is 1,000). */
  static final long RETRY_BACKOFF_MAX_MS = 50;

  private TopicAdmin() {}

  /**
   * Creates every missing topic of {@code names} with {@link TopicPolicy#configs}.
   *
   * @param partitions partitions per new topic, &gt;= 1
   * @param replicationFactor replication factor per new topic, or 0 (or less) for {@code min(3,
   *     brokers)}
   * @return the replication factor new topics get
   * @throws IllegalStateException when the cluster cannot be reached within 60 s
   * @throws IllegalArgumentException naming {@code --replication-factor} when it is above the
   *     number of brokers
   */
  public static short ensureTopics(
      String bootstrapServers, Collection<String> names, int partitions, short replicationFactor) {
    try (Admin admin =
        Admin.create(
            KafkaClientConfig.applyTo(
                Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    bootstrapServers,
                    // the wait for new partitions' leaders (awaitWritable) is retried inside the
                    // client: at Kafka's 100 ms doubling to 1 s, the answer came up to 0.2 s after
                    // the last leader served (the demo's first POST, 2026-12-08)
                    AdminClientConfig.RETRY_BACKOFF_MS_CONFIG,
                    RETRY_BACKOFF_MS,
                    AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG,
                    RETRY_BACKOFF_MAX_MS)))) {
      int brokers = admin.describeCluster().nodes().get(60, TimeUnit.SECONDS).size();
      short rf = TopicPolicy.replicationFactor(Math.max(0, replicationFactor), brokers);
      Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
      List<NewTopic> missing = new ArrayList<>();
      List<String> present = new ArrayList<>();
      for (String n : names) {
        if (!existing.contains(n)) {
          missing.add(new NewTopic(n, partitions, rf).configs(TopicPolicy.configs(n, rf)));
        } else {
          present.add(n);
        }
      }
      if (!missing.isEmpty()) {
        try {
          admin.createTopics(missing).all().get(60, TimeUnit.SECONDS);
          log.info(
              "created {} topics with {} partitions, replication factor {} (cluster of {} brokers)",
              missing.size(),
              partitions,
              rf,
              brokers);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
            throw e;
          }
        }
        awaitWritable(admin, missing, partitions);
      }
      if (!present.isEmpty()) {
        checkExisting(admin, present, rf);
      }
      return rf;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot create topics on " + bootstrapServers + ": " + e, e);
    }
  }

  /**
   * Waits until every partition of the topics just created is served by its leader. {@code
   * createTopics} returns once the controller has the topics, before the brokers have made the
   * partitions; an idempotent producer sending at once can then see its first request refused
   * ({@code NOT_LEADER_OR_FOLLOWER}) and a later one appended, and retries the first with {@code
   * OUT_OF_ORDER_SEQUENCE_NUMBER} until {@code delivery.timeout.ms} drops its records (KAFKA-14359,
   * KAFKA-15591; seen here as a producer test waiting 120 s for an acknowledgement). A {@code
   * ListOffsets} is answered by the partition's leader only, so its success means a produce finds
   * the partition; it is asked again every 20 ms while it fails with a retriable error (the admin
   * client gives up at once when its metadata does not have the topic yet; a partition without its
   * leader yet it retries itself, every {@link #RETRY_BACKOFF_MS} to {@link #RETRY_BACKOFF_MAX_MS}
   * ms), for at most 60 s.
   */
  private static void awaitWritable(Admin admin, List<NewTopic> created, int partitions)
      throws InterruptedException, ExecutionException, TimeoutException {
    Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> ends =
        new java.util.HashMap<>();
    for (NewTopic t : created) {
      for (int p = 0; p < partitions; p++) {
        ends.put(
            new org.apache.kafka.common.TopicPartition(t.name(), p),
            org.apache.kafka.clients.admin.OffsetSpec.latest());
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        admin.listOffsets(ends).all().get(60, TimeUnit.SECONDS);
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof org.apache.kafka.common.errors.RetriableException)
            || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(20);
      }
    }
  }

  /**
   * Warns about every existing topic whose replication or configs differ from {@link TopicPolicy}.
   */
  private static void checkExisting(Admin admin, List<String> topics, short rf)
      throws InterruptedException, ExecutionException, TimeoutException {
    Map<String, org.apache.kafka.clients.admin.TopicDescription> described =
        admin.describeTopics(topics).allTopicNames().get(60, TimeUnit.SECONDS);
    List<org.apache.kafka.common.config.ConfigResource> resources =
        topics.stream()
            .map(
                t ->
                    new org.apache.kafka.common.config.ConfigResource(
                        org.apache.kafka.common.config.ConfigResource.Type.TOPIC, t))
            .toList();
    Map<org.apache.kafka.common.config.ConfigResource, org.apache.kafka.clients.admin.Config>
        configs = admin.describeConfigs(resources).all().get(60, TimeUnit.SECONDS);
    for (String t : topics) {
      List<String> diffs = new ArrayList<>();
      // describeTopics answers for every topic asked, or fails
      var d = Objects.requireNonNull(described.get(t), t);
      int actual = d.partitions().isEmpty() ? 0 : d.partitions().get(0).replicas().size();
      if (actual < rf) {
        diffs.add(
            "replication factor "
                + actual
                + " (editstream creates "
                + rf
                + "; a broker loss stops the topic)");
      }
      org.apache.kafka.clients.admin.Config c =
          configs.get(
              new org.apache.kafka.common.config.ConfigResource(
                  org.apache.kafka.common.config.ConfigResource.Type.TOPIC, t));
      TopicPolicy.configs(t, (short) actual)
          .forEach(
              (k, want) -> {
                org.apache.kafka.clients.admin.ConfigEntry e = c == null ? null : c.get(k);
                String have = e == null ? null : e.value();
                if (!want.equals(have)) {
                  diffs.add(k + "=" + have + " (editstream creates " + want + ")");
                }
              });
      if (!diffs.isEmpty()) {
        log.warn("topic {} exists with {}; left as it is", t, String.join(", ", diffs));
      }
    }
  }
}
