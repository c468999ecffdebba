package dev.editstream.localkafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.Uuid;

/**
 * A single-node Kafka broker (combined KRaft broker and controller) run by Kafka's own entry points
 * — {@code kafka.tools.StorageTool} to format, {@code kafka.Kafka} to serve — on a fixed port and a
 * persistent data folder, so it can be stopped (even with kill -9) and started again with its
 * topics, offsets and committed data intact. For local multi-process set-ups and the chaos run;
 * production uses a real cluster.
 *
 * <p>Loopback only: both listeners (broker and KRaft controller) are bound to 127.0.0.1, never to
 * all interfaces, because the broker is unauthenticated (PLAINTEXT).
 *
 * <p>Durability: the broker flushes (fsyncs) its logs once a second ({@code
 * log.flush.interval.ms}), not after every record, which is far too slow for batches of tens of
 * thousands of jobs. A kill -9 of the broker process loses nothing (written records are in the
 * operating system's page cache, which survives the process); a power loss or kernel crash may lose
 * the last second of records.
 *
 * <p>{@link LocalBroker} runs the same configuration inside the calling JVM.
 */
public final class StandaloneBroker {
  private StandaloneBroker() {}

  /**
   * The broker's session with its own controller, ms ({@code broker.session.timeout.ms}; Kafka's
   * default 9,000): how long the broker restarted after a crash waits before it can register.
   */
  public static final int BROKER_SESSION_MS = 4_000;

  /**
   * The log cleaner's key map for the compacted topics, bytes ({@code
   * log.cleaner.dedupe.buffer.size}; Kafka's default 128 MiB). The cleaner allocates and zeroes it
   * as the broker starts: 70 ms of a local broker's start on 2 cores and 128 MiB of heap, for
   * topics that hold one process's batches (2026-12-08, issue 19: command to first POST). 16 MiB
   * maps about 630,000 keys per cleaning pass (24 bytes per key, load factor 0.9); more keys take
   * more passes, never fewer records kept.
   */
  public static final int DEDUPE_BUFFER_BYTES = 16 << 20;

  /**
   * The broker's configuration file content.
   *
   * @param port client port on 127.0.0.1
   * @param controllerPort KRaft controller port on 127.0.0.1
   * @param dataDir where logs and metadata live
   */
  public static String properties(int port, int controllerPort, Path dataDir) {
    return String.join(
        "\n",
        List.of(
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
            "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs=" + dataDir.resolve("logs").toAbsolutePath(),
            "num.partitions=4",
            "auto.create.topics.enable=false",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=4",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            // after a crash the controller keeps the dead incarnation's registration until its
            // session ends, and the restarted broker cannot register before (9 s by default, paid
            // by the same command after a SIGKILL); two heartbeats a second keep eight chances
            // within the shorter session
            "broker.session.timeout.ms=" + BROKER_SESSION_MS,
            "broker.heartbeat.interval.ms=500",
            // fsync once a second, not per record: kill -9 loses nothing, a power loss up to ~1 s.
            "log.flush.interval.ms=1000",
            "log.flush.scheduler.interval.ms=1000",
            "log.cleaner.dedupe.buffer.size=" + DEDUPE_BUFFER_BYTES,
            ""));
  }

  /**
   * Formats {@code dataDir} when it holds no broker yet, then serves until the process ends (this
   * call does not return).
   *
   * @throws IOException if the configuration cannot be written
   * @throws IllegalStateException if formatting fails
   */
  public static void run(int port, int controllerPort, Path dataDir) throws IOException {
    Path props = prepare(port, controllerPort, dataDir);
    kafka.Kafka.main(new String[] {props.toString()});
  }

  /**
   * Creates {@code dataDir}, (re)writes {@code dataDir/server.properties} with {@link
   * #properties(int, int, Path)} and formats the storage under {@code dataDir/logs} with Kafka's
   * {@code StorageTool} when {@code logs/meta.properties} is absent (a new folder); an already
   * formatted folder keeps its cluster id, topics and offsets.
   *
   * @return the path of the written {@code server.properties}
   * @throws IOException if the folder or the configuration cannot be written
   * @throws IllegalStateException if formatting fails (the message names {@code dataDir})
   */
  static Path prepare(int port, int controllerPort, Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    Path props = dataDir.resolve("server.properties");
    Files.writeString(props, properties(port, controllerPort, dataDir));
    if (!Files.exists(dataDir.resolve("logs").resolve("meta.properties"))) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      int rc =
          kafka.tools.StorageTool.execute(
              new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", props.toString()},
              new PrintStream(buf, true, StandardCharsets.UTF_8));
      if (rc != 0) {
        throw new IllegalStateException(
            "formatting " + dataDir + " failed: " + buf.toString(StandardCharsets.UTF_8));
      }
    }
    return props;
  }
}
