package dev.editstream.pipeline.kafka;

import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.RecordLimits;
import dev.editstream.pipeline.EventCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Publishes job events to Kafka without blocking the caller: one idempotent producer ({@code
 * acks=all}, {@code enable.idempotence=true}) per process, shared by every stage. Records are keyed
 * by job id, so every event of a job lands on the same partition of a topic, in order. {@code send}
 * runs on one dedicated thread (it can block on metadata) and completions are delivered on
 * Reactor's parallel scheduler, never on the producer's I/O thread.
 *
 * <p>No event over {@link RecordLimits#maxRecordBytes()} is handed to Kafka: {@link #publish} fails
 * it at once with Kafka's own {@link RecordTooLargeException}. Callers must treat that, and every
 * other {@link #recordRefused refusal of the record} (a non-retriable {@link ApiException}), as a
 * failure of the job, not of the broker: retrying it can never succeed. Callers that can replace a
 * too-large event (stages, the producer) fit it first with {@link RecordLimits#fit}.
 *
 * <p>Every event record carries the {@link #headers headers} {@value #HEADER_TYPE}, {@value
 * #HEADER_VERSION}, {@value #HEADER_JOB_ID}, {@value #HEADER_BATCH} (when the job has a batch) and
 * a W3C {@value Traceparent#HEADER} ({@link Traceparent}), so consumers can route and trace records
 * without decoding their values.
 */
public final class EventPublisher implements AutoCloseable {
  /** Header: the event's wire type ({@code requested}, {@code submitted}, ...). */
  public static final String HEADER_TYPE = "editstream-event-type";

  /** Header: the envelope version, {@link JobEvent#VERSION}. */
  public static final String HEADER_VERSION = "editstream-event-version";

  /** Header: the job's id (also the record key). */
  public static final String HEADER_JOB_ID = "editstream-job-id";

  /** Header: the job's batch label, only when it has one. */
  public static final String HEADER_BATCH = "editstream-batch";

  private final Properties props;
  private volatile KafkaProducer<String, byte[]> producer;
  private final Scheduler sendThread = Schedulers.newSingle("editstream-kafka-send", true);
  private volatile RecordLimits limits = RecordLimits.DEFAULTS;

  /**
   * @param bootstrapServers Kafka bootstrap servers
   * @param clientId client id shown in broker logs and metrics
   * @param extra producer properties that override the defaults
   */
  public EventPublisher(String bootstrapServers, String clientId, Map<String, Object> extra) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    // a job's events are a few hundred bytes to a few KiB spread over many partitions: at 5 ms a
    // batch held one or two records, and the broker and consumers paid per request. 20 ms and
    // 64 KiB batches raised the pipeline's jobs/s by a third (docs/architecture.md, "Producer
    // batching"), for at most 20 ms more per hop on jobs that take seconds to minutes
    p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    KafkaClientConfig.applyTo(p);
    p.putAll(extra);
    this.props = p;
    this.producer = new KafkaProducer<>(p);
  }

  /**
   * Sets the record limits checked by {@link #publish} (default {@link RecordLimits#DEFAULTS}).
   *
   * @return this publisher
   */
  public EventPublisher withLimits(RecordLimits l) {
    this.limits = java.util.Objects.requireNonNull(l, "limits");
    return this;
  }

  /** The record limits this publisher enforces. */
  public RecordLimits limits() {
    return limits;
  }

  /**
   * Publishes one event keyed by its job id, under a new trace; completes when the broker
   * acknowledged it (acks=all). As {@link #publish(String, JobEvent, String)} with no parent.
   *
   * @return the record's metadata, or an error after the producer's delivery timeout (120 s); a
   *     {@link RecordTooLargeException} at once, without contacting Kafka, when the encoded event
   *     is over {@link RecordLimits#maxRecordBytes()}
   */
  public Mono<RecordMetadata> publish(String topic, JobEvent event) {
    return publish(topic, event, null);
  }

  /**
   * Publishes one event keyed by its job id with the editstream headers ({@link #headers});
   * completes when the broker acknowledged it (acks=all).
   *
   * @param parentTraceparent the {@code traceparent} of the record being handled: the event is
   *     written under the same trace with a new span id; {@code null} or malformed: a new trace
   * @return the record's metadata, or an error after the producer's delivery timeout (120 s); a
   *     {@link RecordTooLargeException} at once, without contacting Kafka, when the encoded event
   *     is over {@link RecordLimits#maxRecordBytes()}
   */
  public Mono<RecordMetadata> publish(
      String topic, JobEvent event, @Nullable String parentTraceparent) {
    return Mono.defer(
        () -> {
          byte[] bytes = EventCodec.encode(event);
          if (bytes.length > limits.maxRecordBytes()) {
            return Mono.error(
                new RecordTooLargeException(
                    String.format(
                        "the %s event of job %s is %,d bytes, over the limit of %,d bytes",
                        event.type().wire(),
                        event.jobId(),
                        bytes.length,
                        limits.maxRecordBytes())));
          }
          return send(
              topic, event.jobId(), bytes, headers(event, Traceparent.child(parentTraceparent)));
        });
  }

  /**
   * The headers of an event's record: {@value #HEADER_TYPE} (the wire type), {@value
   * #HEADER_VERSION} ({@link JobEvent#VERSION}), {@value #HEADER_JOB_ID}, {@value #HEADER_BATCH}
   * (only when the job has a batch label) and {@value Traceparent#HEADER}; values are UTF-8.
   *
   * @param event the event
   * @param trace the record's trace context
   * @return the headers, in that order
   */
  public static Headers headers(JobEvent event, Traceparent trace) {
    RecordHeaders h = new RecordHeaders();
    h.add(HEADER_TYPE, utf8(event.type().wire()));
    h.add(HEADER_VERSION, utf8(String.valueOf(JobEvent.VERSION)));
    h.add(HEADER_JOB_ID, utf8(event.jobId()));
    if (event.job() != null && event.job().batch() != null) {
      h.add(HEADER_BATCH, utf8(event.job().batch()));
    }
    h.add(Traceparent.HEADER, utf8(trace.toString()));
    return h;
  }

  /**
   * The {@value Traceparent#HEADER} header of a consumed record, as text, or {@code null} when it
   * has none (the last one wins when there are several).
   */
  public static @Nullable String traceparentOf(
      org.apache.kafka.clients.consumer.ConsumerRecord<?, ?> record) {
    Header h = record.headers() == null ? null : record.headers().lastHeader(Traceparent.HEADER);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Whether {@code err} refuses the record itself, so publishing it again can never succeed:
   * Kafka's {@link RecordTooLargeException} and every other non-retriable {@link ApiException}
   * (invalid topic, authorization, serialization), except those after which this publisher replaces
   * its producer and a retry does succeed. Everything else (timeouts, a broker down, a leader
   * moving) is a broker failure worth retrying.
   */
  public static boolean recordRefused(Throwable err) {
    Throwable e = err;
    for (int i = 0; i < 5 && e != null; i++) {
      if (e instanceof ApiException api) {
        return !(api instanceof RetriableException) && !broken(api);
      }
      e = e.getCause();
    }
    return false;
  }

  /**
   * Fetches the metadata of {@code topics} ahead of their first record, on a worker thread (never
   * the send thread, which it would hold for {@code max.block.ms} if a topic were missing). A
   * producer's first record to a topic waits for that topic's metadata; in the demo the router's
   * first {@code submitting} marker, acknowledged before its POST, waited 65 ms for it and the
   * first {@code submitted} event 133 ms (issue 19, read from the topics' segments). Best effort: a
   * topic that fails is left to its first send, which fetches it then.
   *
   * @param topics topic names
   * @return the partitions known per topic (absent: its metadata could not be fetched), when all
   *     were asked; never errors
   */
  public Mono<Map<String, Integer>> warm(Collection<String> topics) {
    List<String> names = List.copyOf(topics);
    return Mono.fromCallable(
            () -> {
              Map<String, Integer> known = new LinkedHashMap<>();
              for (String t : names) {
                try {
                  known.put(t, producer.partitionsFor(t).size());
                } catch (RuntimeException e) {
                  org.slf4j.LoggerFactory.getLogger(EventPublisher.class)
                      .debug("metadata of {} not fetched ahead: {}", t, e.toString());
                }
              }
              return known;
            })
        .subscribeOn(Schedulers.boundedElastic());
  }

  /** Publishes raw bytes without headers; for tools that forward records unchanged. */
  public Mono<RecordMetadata> send(String topic, String key, byte[] value) {
    return send(topic, key, value, null);
  }

  @SuppressWarnings("FutureReturnValueIgnored") // the callback below gets the send's outcome
  private Mono<RecordMetadata> send(
      String topic, String key, byte[] value, @Nullable Headers headers) {
    return Mono.<RecordMetadata>create(
            sink -> {
              KafkaProducer<String, byte[]> current = producer;
              current.send(
                  new ProducerRecord<>(topic, null, key, value, headers),
                  (md, err) -> {
                    if (err == null) {
                      sink.success(md);
                      return;
                    }
                    if (broken(err)) {
                      replace(current, err);
                    }
                    sink.error(err);
                  });
            })
        // KafkaProducer.send may block (metadata, full buffer): never on a caller's event loop
        .subscribeOn(sendThread)
        // the completion runs on the producer's I/O thread: hop off it, or a downstream send()
        // waits for metadata that only this very thread can fetch (a deadlock until max.block.ms)
        .publishOn(Schedulers.parallel());
  }

  /**
   * Errors after which this producer cannot be trusted to deliver again (its sequence state is
   * stuck).
   */
  static boolean broken(Exception err) {
    return err instanceof OutOfOrderSequenceException
        || err instanceof ProducerFencedException
        || (err instanceof org.apache.kafka.common.errors.TimeoutException
            && String.valueOf(err.getMessage()).startsWith("Expiring"));
  }

  /**
   * Replaces a producer whose idempotence state is broken (seen after a broker crash: the broker
   * refuses its sequence numbers until the batches expire). Records it had not written fail and are
   * sent again by the caller's retry through the new producer.
   */
  private synchronized void replace(KafkaProducer<String, byte[]> broken, Exception why) {
    if (producer != broken) {
      return;
    }
    org.slf4j.LoggerFactory.getLogger(EventPublisher.class)
        .warn("Kafka producer replaced after {}", why.toString());
    producer = new KafkaProducer<>(props);
    bindClientMetrics();
    sendThread.schedule(() -> broken.close(Duration.ZERO));
  }

  private io.micrometer.core.instrument.@Nullable MeterRegistry metricsRegistry;
  private io.micrometer.core.instrument.binder.kafka.@Nullable KafkaClientMetrics clientMetrics;

  /**
   * Publishes the Kafka producer's own metrics ({@code kafka.producer.*}: record send rate, errors,
   * request latency, buffer use...) to {@code registry} through Micrometer's {@code
   * KafkaClientMetrics}, for this producer and any that replaces it.
   *
   * @return this
   */
  public synchronized EventPublisher bindMetrics(
      io.micrometer.core.instrument.MeterRegistry registry) {
    this.metricsRegistry = registry;
    bindClientMetrics();
    return this;
  }

  private synchronized void bindClientMetrics() {
    if (metricsRegistry == null) {
      return;
    }
    if (clientMetrics != null) {
      clientMetrics.close();
    }
    clientMetrics = new io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics(producer);
    clientMetrics.bindTo(metricsRegistry);
  }

  /** Flushes pending records and closes the producer (waits at most 10 s). */
  @Override
  public void close() {
    synchronized (this) {
      if (clientMetrics != null) {
        clientMetrics.close();
      }
    }
    producer.close(Duration.ofSeconds(10));
    sendThread.dispose();
  }
}
