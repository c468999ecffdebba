package dev.editstream.localkafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.utils.Time;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A persistent single-node Kafka broker (combined KRaft broker and controller, Kafka's own {@code
 * KafkaRaftServer}) inside this JVM, with its data in a state folder that survives the process:
 * started again on the same folder — after {@link #close()}, or after the process was killed (kill
 * -9) — it serves the same topics, records and committed consumer-group offsets.
 *
 * <p>Configuration is {@link StandaloneBroker#properties(int, int, Path)} (loopback-only listeners,
 * replication factor 1 for internal topics). Layout of the data folder:
 *
 * <ul>
 *   <li>{@code server.properties} — the configuration of the last start (rewritten each start);
 *   <li>{@code ports.properties} — the broker and controller ports of the last start, reused when
 *       they are free again so clients keep their address across restarts;
 *   <li>{@code logs/} — Kafka's log directory (formatted on first start, {@code meta.properties});
 *   <li>{@code local-broker.lock} — held while a {@code LocalBroker} runs on the folder.
 * </ul>
 *
 * <p>Durability: logs are fsynced once a second, not per record. A kill -9 loses nothing (written
 * records are in the operating system's page cache, which survives the process); a power loss or
 * kernel crash may lose the last second of records.
 *
 * <p>Only one broker may use a data folder at a time; several {@code LocalBroker}s on different
 * folders may run in one JVM.
 */
public final class LocalBroker implements dev.editstream.core.broker.EmbeddedBroker {
  private static final Logger log = LoggerFactory.getLogger(LocalBroker.class);

  /** The only address the broker listens on. */
  public static final String LOOPBACK = "127.0.0.1";

  static final String PORTS_FILE = "ports.properties";
  static final String LOCK_FILE = "local-broker.lock";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Data folders of the brokers running in this JVM. Checked before any file lock is touched: on
   * POSIX systems closing any channel of a file drops every lock this process holds on it, so an
   * in-JVM second start must not even open the lock files.
   */
  private static final java.util.Set<Path> RUNNING =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final KafkaRaftServer server;
  private final Path dataDir;
  private final int port;
  private final int controllerPort;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private boolean closed;

  private LocalBroker(
      KafkaRaftServer server,
      Path dataDir,
      int port,
      int controllerPort,
      FileChannel lockChannel,
      FileLock lock) {
    this.server = server;
    this.dataDir = dataDir;
    this.port = port;
    this.controllerPort = controllerPort;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Starts the broker on {@code dataDir} and waits until it answers client requests (at most 60 s;
   * typically a few seconds, plus log recovery after a crash).
   *
   * <p>Creates {@code dataDir} when missing and formats it when it holds no broker yet ({@code
   * logs/meta.properties} absent); otherwise the existing data is served. Picks two free ports on
   * 127.0.0.1 (broker and KRaft controller), preferring those recorded in {@code
   * dataDir/ports.properties} by the last start, and records the chosen ones there.
   *
   * @param dataDir the state folder (created when missing), kept across restarts
   * @return the running broker; {@link #close()} stops it
   * @throws IllegalStateException when the broker cannot start — the folder is used by another
   *     process or another {@code LocalBroker} of this JVM ("another editstream process is using
   *     &lt;dir&gt;"), the folder cannot be written or formatted, or the broker does not answer
   *     within 60 s. The message names {@code dataDir}.
   */
  public static LocalBroker start(Path dataDir) {
    Path dir = dataDir.toAbsolutePath().normalize();
    long t0 = System.nanoTime();
    FileChannel lockChannel = null;
    FileLock lock = null;
    KafkaRaftServer server = null;
    if (!RUNNING.add(dir)) {
      throw new IllegalStateException(inUse(dir) + " (a LocalBroker of this JVM runs on it)");
    }
    try {
      Files.createDirectories(dir);
      lockChannel =
          FileChannel.open(
              dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      lock = tryLock(lockChannel, dir);
      checkKafkaLockFree(dir);
      int[] ports = choosePorts(dir);
      Path propsFile = StandaloneBroker.prepare(ports[0], ports[1], dir);
      Properties props = new Properties();
      props.load(new StringReader(Files.readString(propsFile)));
      server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
      server.startup();
      LocalBroker broker = new LocalBroker(server, dir, ports[0], ports[1], lockChannel, lock);
      broker.awaitReady(t0);
      OffsetsTopic.createInBackground(broker.bootstrapServers());
      log.info(
          "local Kafka broker (single-node KRaft) started at {} with its data in {} ({} ms)",
          broker.bootstrapServers(),
          dir,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
      return broker;
    } catch (RuntimeException | IOException e) {
      if (server != null) {
        stop(server, dir);
      }
      release(lock, lockChannel);
      RUNNING.remove(dir);
      if (e instanceof IllegalStateException ise
          && ise.getMessage() != null
          && ise.getMessage().contains(dir.toString())) {
        throw ise;
      }
      if (isKafkaLockFailure(e)) {
        throw new IllegalStateException(inUse(dir), e);
      }
      throw new IllegalStateException(
          "cannot start the local Kafka broker with its data in " + dir + ": " + e, e);
    }
  }

  /** The broker's bootstrap servers, {@code "127.0.0.1:PORT"}. */
  @Override
  public String bootstrapServers() {
    return LOOPBACK + ":" + port;
  }

  /** The broker's client port on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** The KRaft controller's port on 127.0.0.1. */
  public int controllerPort() {
    return controllerPort;
  }

  /** The absolute state folder this broker keeps its data in. */
  public Path dataDir() {
    return dataDir;
  }

  /**
   * Stops the broker (controlled shutdown, logs flushed) and releases the data folder; waits at
   * most 30 s for the shutdown and logs a warning when it takes longer. Idempotent; never throws.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stop(server, dataDir);
    release(lock, lockChannel);
    RUNNING.remove(dataDir);
    log.info("local Kafka broker at {} stopped", bootstrapServers());
  }

  private void awaitReady(long t0) {
    long deadline = t0 + START_TIMEOUT.toNanos();
    Exception last = null;
    try (Admin admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000))) {
      while (System.nanoTime() < deadline) {
        try {
          Collection<Node> nodes = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
          if (!nodes.isEmpty()) {
            return;
          }
        } catch (ExecutionException | TimeoutException e) {
          last = e;
        }
        Thread.sleep(100);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "interrupted while starting the local Kafka broker with its data in " + dataDir, e);
    }
    throw new IllegalStateException(
        "the local Kafka broker with its data in "
            + dataDir
            + " did not answer at "
            + bootstrapServers()
            + " within "
            + START_TIMEOUT.toSeconds()
            + " s"
            + (last == null ? "" : ": " + last),
        last);
  }

  /** Shuts the server down on a helper thread and waits at most {@link #STOP_TIMEOUT}. */
  private static void stop(KafkaRaftServer server, Path dir) {
    Thread t =
        new Thread(
            () -> {
              try {
                server.shutdown();
                server.awaitShutdown();
              } catch (RuntimeException e) {
                log.warn(
                    "local Kafka broker with its data in {} did not shut down cleanly: {}",
                    dir,
                    e.toString());
              }
            },
            "local-kafka-shutdown");
    t.setDaemon(true);
    t.start();
    try {
      t.join(STOP_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (t.isAlive()) {
      log.warn(
          "local Kafka broker with its data in {} did not shut down within {} s",
          dir,
          STOP_TIMEOUT.toSeconds());
    }
  }

  private static FileLock tryLock(FileChannel ch, Path dir) throws IOException {
    FileLock l;
    try {
      l = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      throw new IllegalStateException(inUse(dir) + " (a LocalBroker of this JVM runs on it)", e);
    }
    if (l == null) {
      throw new IllegalStateException(inUse(dir));
    }
    return l;
  }

  /**
   * Fails when Kafka's own {@code logs/.lock} is held, e.g. by a {@code editstream broker} ({@link
   * StandaloneBroker}) process that does not take this class's lock.
   */
  private static void checkKafkaLockFree(Path dir) throws IOException {
    Path kafkaLock = dir.resolve("logs").resolve(".lock");
    if (!Files.exists(kafkaLock)) {
      return;
    }
    try (FileChannel ch = FileChannel.open(kafkaLock, StandardOpenOption.WRITE)) {
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        throw new IllegalStateException(inUse(dir) + " (a Kafka broker of this JVM runs on it)", e);
      }
      if (l == null) {
        throw new IllegalStateException(inUse(dir));
      }
      l.release();
    }
  }

  private static boolean isKafkaLockFailure(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      String m = c.getMessage();
      if (c instanceof OverlappingFileLockException
          || (m != null && m.contains("Failed to acquire lock"))) {
        return true;
      }
    }
    return false;
  }

  private static String inUse(Path dir) {
    return "another editstream process is using "
        + dir
        + ": its Kafka broker data folder is locked";
  }

  private static void release(@Nullable FileLock lock, @Nullable FileChannel ch) {
    try {
      if (lock != null && lock.isValid()) {
        lock.release();
      }
      if (ch != null) {
        ch.close();
      }
    } catch (IOException e) {
      log.warn("cannot release the local Kafka broker's lock: {}", e.toString());
    }
  }

  /**
   * Broker and controller ports: those of {@code ports.properties} when both are free now, else two
   * new ephemeral ones; the result is written back to {@code ports.properties}.
   */
  static int[] choosePorts(Path dir) throws IOException {
    Path file = dir.resolve(PORTS_FILE);
    Properties recorded = new Properties();
    if (Files.exists(file)) {
      try (InputStream in = Files.newInputStream(file)) {
        recorded.load(in);
      } catch (IllegalArgumentException e) {
        log.warn("ignoring unreadable {}: {}", file, e.toString());
      }
    }
    int port = parsePort(recorded.getProperty("broker.port"));
    int controllerPort = parsePort(recorded.getProperty("controller.port"));
    if (port <= 0
        || controllerPort <= 0
        || port == controllerPort
        || !isFree(port)
        || !isFree(controllerPort)) {
      try (ServerSocket a = bindLoopback(0);
          ServerSocket b = bindLoopback(0)) {
        port = a.getLocalPort();
        controllerPort = b.getLocalPort();
      }
    }
    Properties out = new Properties();
    out.setProperty("broker.port", Integer.toString(port));
    out.setProperty("controller.port", Integer.toString(controllerPort));
    Path tmp = dir.resolve(PORTS_FILE + ".tmp");
    try (OutputStream os = Files.newOutputStream(tmp)) {
      out.store(os, "ports of the last LocalBroker start (127.0.0.1)");
    }
    Files.move(
        tmp,
        file,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return new int[] {port, controllerPort};
  }

  private static int parsePort(String s) {
    try {
      int p = s == null ? -1 : Integer.parseInt(s.trim());
      return p >= 1 && p <= 65535 ? p : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static boolean isFree(int port) {
    try {
      bindLoopback(port).close();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @SuppressWarnings("AddressSelection") // a literal IP address: parsed, never looked up
  private static ServerSocket bindLoopback(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port));
    return s;
  }
}
