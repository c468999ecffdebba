package dev.editstream.bench;

import dev.editstream.app.BatchTracker;
import dev.editstream.core.broker.EmbeddedBroker;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.OutputFile;
import dev.editstream.core.event.RouteDecision;
import dev.editstream.core.event.Submission;
import dev.editstream.core.event.Topics;
import dev.editstream.core.job.Job;
import dev.editstream.pipeline.EventCodec;
import dev.editstream.pipeline.kafka.EventPublisher;
import dev.editstream.pipeline.kafka.TopicAdmin;
import dev.editstream.pipeline.stage.TerminalGuard;
import dev.editstream.router.submit.SubmissionLedger;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;

/**
 * Scenario (v), issue 19: what a restart costs with many finished jobs on the topics. It fills an
 * embedded broker with the records {@code finished} jobs leave that a worker's views read at start
 * (per job: the {@code requested} event, the ledger's {@code submitting} and {@code submitted}
 * markers on the state topic, the {@code submitted}, {@code completed} and {@code done} events, as
 * the pipeline writes them), then reads them with the {@code run} command's batch tracker in memory
 * ({@code v-tracker}) and starts the two views a router starts before its first POST (terminal
 * guard, then submission ledger) three ways:
 *
 * <ul>
 *   <li>{@code v-memory}: in memory, as before issue 19 ({@code --state-dir none}): the whole
 *       history read;
 *   <li>{@code v-build}: with local stores, the first start (the stores are built from the topics),
 *       the tracker with its store too;
 *   <li>{@code v-restart}: with the same stores after {@link #DELTA} more jobs finished while no
 *       worker ran: only those are read.
 * </ul>
 *
 * Each row's {@code wall_s} is the time from the first view's start to both being caught up, and
 * its {@code heap_MB} the heap the views keep (heap used after a full GC with the views open, less
 * the same before they started); the note gives the records read and the process's RSS.
 */
public final class ViewsScenario {
  /** Jobs that finish while no worker runs, between the store's build and its restart. */
  static final int DELTA = 1000;

  private ViewsScenario() {}

  /**
   * Runs the scenario.
   *
   * @param finished jobs on the topics, at least 1
   * @param work scratch folder (the broker's data and the stores go under {@code work/v})
   * @return the rows {@code v-memory}, {@code v-build} and {@code v-restart}
   * @throws IOException when the scratch folder cannot be cleared
   */
  public static List<BenchResult> run(int finished, Path work) throws IOException {
    Path dir = work.resolve("v");
    Trees.delete(dir);
    Topics topics = new Topics("bench-v");
    List<BenchResult> rows = new ArrayList<>();
    try (EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("broker"))) {
      String bootstrap = broker.bootstrapServers();
      TopicAdmin.ensureTopics(bootstrap, topics.all(), 4, (short) 1);
      long t0 = System.nanoTime();
      long records = publish(bootstrap, topics, 0, finished);
      double fillS = (System.nanoTime() - t0) / 1e9;
      String fill =
          String.format(
              Locale.ROOT,
              "%d finished jobs = %d records on the topics (written in %.0f s)",
              finished,
              records,
              fillS);
      rows.add(tracker(finished, bootstrap, topics, fill));
      rows.add(start("v-memory", finished, bootstrap, topics, null, fill));
      Path state = dir.resolve("state");
      rows.add(start("v-build", finished, bootstrap, topics, state, "stores built; " + fill));
      publish(bootstrap, topics, finished, finished + DELTA);
      rows.add(
          start(
              "v-restart",
              finished + DELTA,
              bootstrap,
              topics,
              state,
              DELTA + " more jobs finished while stopped; " + fill));
    }
    return rows;
  }

  /** The {@code run} command's batch tracker over the same topics (always in memory). */
  private static BenchResult tracker(int jobs, String bootstrap, Topics topics, String note) {
    return measure(
        "v-tracker",
        jobs,
        () -> {
          BatchTracker t = new BatchTracker(bootstrap, topics, null);
          return new Opened(
              t,
              String.format(
                  Locale.ROOT,
                  "run's BatchTracker, in memory; read %d records, %d jobs known",
                  t.recordsReadAtStart(),
                  t.size()));
        },
        note);
  }

  /** The terminal guard, then the submission ledger, as a router starts them. */
  private static BenchResult start(
      String name, int jobs, String bootstrap, Topics topics, @Nullable Path state, String note) {
    return measure(
        name,
        jobs,
        () -> {
          EventPublisher publisher = new EventPublisher(bootstrap, "bench-v", Map.of());
          TerminalGuard guard = TerminalGuard.start(bootstrap, topics, state, h -> {});
          SubmissionLedger ledger = SubmissionLedger.start(bootstrap, topics, publisher, state);
          // with stores, also the run command's tracker (in memory it is the row v-tracker)
          @Nullable BatchTracker tracker =
              state == null ? null : new BatchTracker(bootstrap, topics, null, state);
          return new Opened(
              () -> {
                if (tracker != null) {
                  tracker.close();
                }
                ledger.close();
                guard.close();
                publisher.close();
              },
              tracker == null
                  ? String.format(
                      Locale.ROOT,
                      "in memory; read %d + %d records (guard + ledger), %d + %d jobs known",
                      guard.recordsReadAtStart(),
                      ledger.recordsReadAtStart(),
                      guard.size(),
                      ledger.size())
                  : String.format(
                      Locale.ROOT,
                      "local stores; read %d + %d + %d records (guard + ledger + tracker), %d +"
                          + " %d + %d jobs known",
                      guard.recordsReadAtStart(),
                      ledger.recordsReadAtStart(),
                      tracker.recordsReadAtStart(),
                      guard.size(),
                      ledger.size(),
                      tracker.size()));
        },
        note);
  }

  /** What a measured start opened, to close after the heap is read, and what it read. */
  private record Opened(AutoCloseable resource, String what) {}

  /**
   * Times {@code open} (to caught up), reads the heap it keeps with it open, closes it.
   *
   * @throws IllegalStateException if closing fails
   */
  private static BenchResult measure(
      String name, int jobs, java.util.function.Supplier<Opened> open, String note) {
    long before = usedHeapAfterGc();
    ResourceMeter meter = new ResourceMeter();
    meter.start();
    long t0 = System.nanoTime();
    Opened o = open.get();
    double wall = (System.nanoTime() - t0) / 1e9;
    long kept = usedHeapAfterGc() - before;
    double rss = rssMb();
    double cpu = meter.cpuSeconds();
    try {
      o.resource().close();
    } catch (Exception e) {
      throw new IllegalStateException("closing " + name + ": " + e, e);
    }
    return new BenchResult(
        name,
        jobs,
        wall,
        0,
        0,
        0,
        0,
        0,
        0,
        Math.max(0, kept) / 1048576.0,
        cpu,
        String.format(Locale.ROOT, "%s; RSS %.0f MB; %s", o.what(), rss, note));
  }

  /**
   * Publishes what jobs {@code from..to-1} leave on the topics the views read, and waits for the
   * acknowledgements.
   *
   * @return records published
   */
  static long publish(String bootstrap, Topics topics, int from, int to) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    // millions of records queue behind each other on 2 cores: a batch may wait minutes to be sent
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 900_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 120_000);
    Instant at = Instant.parse("2026-12-01T00:00:00Z");
    long n = 0;
    AtomicReference<@Nullable Exception> failure = new AtomicReference<>();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
      for (int i = from; i < to; i++) {
        String id = String.format(Locale.ROOT, "sku-%07d", i);
        JobEvent requested =
            JobEvent.requested(
                new Job(
                    id,
                    "put the product on studio-grey paper, soft shadow",
                    List.of("https://cdn.example.com/gallery/" + id + ".jpg"),
                    null,
                    null,
                    null,
                    Map.of(),
                    "gallery"),
                at);
        JobEvent submitted =
            requested.submitted(
                new RouteDecision("google/nano-banana-2/edit", "background", List.of("studio")),
                Map.of("prompt", "put the product on studio-grey paper, soft shadow"),
                new Submission("req-" + id, null, null, null, at.plusSeconds(1)),
                at.plusSeconds(1));
        JobEvent completed =
            submitted.completed(List.of("https://cdn.runcomfy.net/out/" + id + ".png"), at);
        JobEvent done =
            completed.done(
                List.of(
                    new OutputFile(
                        "gallery/" + id + ".png",
                        1_234_567,
                        "ab".repeat(32),
                        "image/png",
                        "https://cdn.runcomfy.net/out/" + id + ".png")),
                at.plusSeconds(9));
        send(producer, topics.requested(), id, EventCodec.encode(requested), failure);
        send(producer, topics.state(), id, marker(id, "submitting", at), failure);
        send(producer, topics.state(), id, marker(id, "submitted", at), failure);
        send(producer, topics.submitted(), id, EventCodec.encode(submitted), failure);
        send(producer, topics.completed(), id, EventCodec.encode(completed), failure);
        send(producer, topics.done(), id, EventCodec.encode(done), failure);
        n += 6;
      }
      producer.flush();
    }
    Exception e = failure.get();
    if (e != null) {
      throw new IllegalStateException("could not fill the topics: " + e, e);
    }
    return n;
  }

  private static void send(
      KafkaProducer<String, byte[]> producer,
      String topic,
      String key,
      byte[] value,
      AtomicReference<@Nullable Exception> failure) {
    var unused =
        producer.send(
            new ProducerRecord<>(topic, key, value),
            (md, e) -> {
              if (e != null) {
                failure.compareAndSet(null, e);
              }
            });
  }

  /** A ledger marker as the state topic carries it (the JSON of {@link SubmissionLedger.Entry}). */
  private static byte[] marker(String id, String state, Instant at) {
    return SubmissionLedger.CODEC.encode(
        new SubmissionLedger.Entry(
            id,
            SubmissionLedger.State.valueOf(state.toUpperCase(Locale.ROOT)),
            0,
            state.equals("submitted") ? "req-" + id : null,
            at));
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 2; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** The process's resident set, MB, from {@code /proc/self/status} (0 where there is none). */
  static double rssMb() {
    return ChildJvm.statusKb(Path.of("/proc/self/status"), "VmRSS:") / 1024.0;
  }
}
