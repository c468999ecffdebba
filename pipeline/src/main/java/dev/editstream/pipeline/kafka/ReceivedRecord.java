package dev.editstream.pipeline.kafka;

import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A record handed downstream by {@link ReactiveKafkaConsumer}. Call {@link #ack()} exactly once
 * when its outcome is durably published; its offset is committed once every earlier offset of the
 * partition is acknowledged too. A record never acknowledged is redelivered after a restart.
 */
public final class ReceivedRecord {
  private final ConsumerRecord<String, byte[]> record;
  private final long generation;
  private final Consumer<ReceivedRecord> onAck;
  private volatile boolean acked;

  ReceivedRecord(
      ConsumerRecord<String, byte[]> record, long generation, Consumer<ReceivedRecord> onAck) {
    this.record = record;
    this.generation = generation;
    this.onAck = onAck;
  }

  /** The Kafka record: key = job id, value = JSON bytes. */
  public ConsumerRecord<String, byte[]> record() {
    return record;
  }

  /** Topic and partition of the record. */
  public TopicPartition partition() {
    return new TopicPartition(record.topic(), record.partition());
  }

  long generation() {
    return generation;
  }

  /** Marks the record processed; later calls do nothing. Thread-safe. */
  public void ack() {
    if (!acked) {
      acked = true;
      onAck.accept(this);
    }
  }

  /** {@code topic-partition@offset}, for messages. */
  @Override
  public String toString() {
    return record.topic() + "-" + record.partition() + "@" + record.offset();
  }
}
