package dev.editstream.pipeline.kafka;

import java.util.Map;
import java.util.TreeMap;

/**
 * The replication, cleanup and retention of each editstream topic, chosen by its role. Pure.
 *
 * <ul>
 *   <li>replication factor: {@code min(3, brokers)} unless {@code --replication-factor} says
 *       otherwise; {@code min.insync.replicas} {@code min(2, RF - 1)} when RF &gt; 1, so one broker
 *       may be down and writes with {@code acks=all} go on;
 *   <li>{@code *.jobs.done}, {@code *.jobs.failed}, {@code *.jobs.state}: compacted, never deleted
 *       by time: the latest event per job stays, so the terminal guard, the ledger and {@code
 *       status} know every job however old, and a failed job can be replayed at any time; their
 *       size grows with the number of jobs, not of events;
 *   <li>{@code *.jobs.requested}, {@code *.jobs.submitted}, {@code *.jobs.completed}: the stages'
 *       work queues, deleted after {@value #WORK_RETENTION_DAYS} days (a job takes minutes to
 *       hours);
 *   <li>{@code *.retry.*}: delay topics, deleted after {@value #RETRY_RETENTION_DAYS} day (the
 *       longest backoff is minutes).
 * </ul>
 */
public final class TopicPolicy {
  /** Retention of the work topics, days. */
  public static final int WORK_RETENTION_DAYS = 7;

  /** Retention of the delay topics, days. */
  public static final int RETRY_RETENTION_DAYS = 1;

  private TopicPolicy() {}

  /**
   * The replication factor to create topics with.
   *
   * @param requested {@code --replication-factor}, or 0 to follow the cluster
   * @param brokers brokers in the cluster, &gt;= 1
   * @throws IllegalArgumentException naming {@code --replication-factor} when it is above the
   *     number of brokers or negative
   */
  public static short replicationFactor(int requested, int brokers) {
    if (requested < 0) {
      throw new IllegalArgumentException(
          "--replication-factor must be >= 1 (or 0: min(3, brokers)), was " + requested);
    }
    if (requested > brokers) {
      throw new IllegalArgumentException(
          "--replication-factor "
              + requested
              + " is more than the cluster's "
              + brokers
              + " brokers");
    }
    return (short) (requested == 0 ? Math.min(3, Math.max(1, brokers)) : requested);
  }

  /** The topic configs of one topic, by its name's role. */
  public static Map<String, String> configs(String topic, short replicationFactor) {
    Map<String, String> c = new TreeMap<>();
    if (topic.endsWith(".jobs.done")
        || topic.endsWith(".jobs.failed")
        || topic.endsWith(".jobs.state")) {
      c.put("cleanup.policy", "compact");
      c.put("retention.ms", "-1");
    } else if (topic.contains(".retry.")) {
      c.put("cleanup.policy", "delete");
      c.put("retention.ms", String.valueOf(RETRY_RETENTION_DAYS * 86_400_000L));
    } else {
      c.put("cleanup.policy", "delete");
      c.put("retention.ms", String.valueOf(WORK_RETENTION_DAYS * 86_400_000L));
    }
    if (replicationFactor > 1) {
      c.put("min.insync.replicas", String.valueOf(Math.min(2, replicationFactor - 1)));
    }
    return c;
  }
}
