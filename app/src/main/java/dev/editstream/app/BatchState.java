package dev.editstream.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import dev.editstream.core.broker.EmbeddedBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;

/**
 * A batch's state folder, {@code <out>/.editstream/}: the embedded broker's data ({@code broker/},
 * topics, committed offsets, the submission ledger), so the same {@code run} command after a crash,
 * a kill -9 or a reboot resumes where the last one stopped; {@code run.lock}, held (an OS file
 * lock, released when the process dies) by the process that serves the broker; and, while a run is
 * live, {@code endpoint.json} ({@code bootstrap_servers}, {@code pid}, {@code started_at}) and
 * {@code progress.json} (the run's latest counts), which {@code status}, {@code list} and {@code
 * cancel} read to reach the live run's broker instead of starting their own.
 */
final class BatchState implements AutoCloseable {
  /** The state folder's name inside the output folder. */
  static final String FOLDER = ".editstream";

  /**
   * State folders this JVM holds: probing their lock file from here would release the lock (closing
   * any descriptor of a file drops every POSIX lock the process holds on it).
   */
  private static final java.util.Set<Path> HELD =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final Path dir;
  private final FileChannel lockFile;
  private final FileLock lock;
  private final EmbeddedBroker broker;
  private final boolean fresh;

  /**
   * Stops the broker cleanly on SIGTERM (a broker killed uncleanly makes the next start wait ~10 s
   * for its old session).
   */
  private final Thread onTerm;

  private BatchState(
      Path dir, FileChannel lockFile, FileLock lock, EmbeddedBroker broker, boolean fresh) {
    this.dir = dir;
    this.lockFile = lockFile;
    this.lock = lock;
    this.broker = broker;
    this.fresh = fresh;
    this.onTerm = new Thread(broker::close, "editstream-state-close");
    Runtime.getRuntime().addShutdownHook(onTerm);
  }

  /** The state folder of an output folder. */
  static Path folder(Path outDir) {
    return outDir.resolve(FOLDER);
  }

  /**
   * Takes the state folder of {@code outDir} (creating it) and starts its broker: for {@code run},
   * and for {@code status}/{@code list}/{@code cancel} when no run is live.
   *
   * @param serving whether this process serves a run ({@code endpoint.json} is written for others)
   * @throws IllegalStateException when another process holds the folder (naming its pid when
   *     known), or the broker cannot start
   * @throws UncheckedIOException when the folder cannot be created
   */
  static BatchState open(Path outDir, boolean serving) {
    Path dir = folder(outDir);
    FileChannel ch = null;
    try {
      Files.createDirectories(dir);
      ch =
          FileChannel.open(
              dir.resolve("run.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        ch.close();
        String pid =
            liveEndpoint(outDir).map(n -> " (pid " + n.path("pid").asText() + ")").orElse("");
        throw new IllegalStateException(
            "another editstream process is using "
                + dir
                + pid
                + ": wait for it to end, or use `editstream status --out "
                + outDir
                + "` to follow it");
      }
      // asked under the lock: no other process can start this folder's broker meanwhile
      boolean fresh = !exists(outDir);
      EmbeddedBroker broker;
      try {
        broker = EmbeddedBroker.start(dir.resolve("broker"));
      } catch (RuntimeException e) {
        lock.release();
        ch.close();
        throw e;
      }
      BatchState s = new BatchState(dir, ch, lock, broker, fresh);
      HELD.add(dir.toAbsolutePath().normalize());
      if (serving) {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("bootstrap_servers", broker.bootstrapServers());
        o.put("pid", ProcessHandle.current().pid());
        o.put("started_at", Instant.now().toString());
        s.replace("endpoint.json", o);
      }
      return s;
    } catch (IOException e) {
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException ignored) {
          // the first error is the one to report
        }
      }
      throw new UncheckedIOException(
          "cannot open the batch state folder " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The endpoint of the live run that holds {@code outDir}'s state folder, if one does: its {@code
   * endpoint.json} names a live pid and its lock is held (a process killed with -9 leaves its
   * {@code endpoint.json}, and may linger as a zombie that looks alive, but its lock is gone).
   */
  static Optional<JsonNode> liveEndpoint(Path outDir) {
    Path dir = folder(outDir);
    Path endpoint = dir.resolve("endpoint.json");
    if (!Files.isRegularFile(endpoint) || !locked(dir)) {
      return Optional.empty();
    }
    try {
      JsonNode n = Json.mapper().readTree(Files.readString(endpoint, StandardCharsets.UTF_8));
      long pid = n.path("pid").asLong(-1);
      boolean alive = pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
      return alive && n.path("bootstrap_servers").isTextual() ? Optional.of(n) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Whether some process holds the folder's {@code run.lock}. */
  private static boolean locked(Path dir) {
    if (HELD.contains(dir.toAbsolutePath().normalize())) {
      return true;
    }
    try (FileChannel ch = FileChannel.open(dir.resolve("run.lock"), StandardOpenOption.WRITE)) {
      FileLock probe = ch.tryLock();
      if (probe == null) {
        return true;
      }
      probe.release();
      return false;
    } catch (OverlappingFileLockException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether {@code outDir} has a state folder with a broker in it (a batch ran there). */
  static boolean exists(Path outDir) {
    return Files.isDirectory(folder(outDir).resolve("broker"));
  }

  /**
   * Whether this folder's broker was formatted by this {@link #open}: its topics then hold only
   * what this process writes, so no job has an earlier event to resume from.
   */
  boolean fresh() {
    return fresh;
  }

  /** The broker's bootstrap servers (127.0.0.1:port). */
  String bootstrapServers() {
    return broker.bootstrapServers();
  }

  /** The state folder. */
  Path dir() {
    return dir;
  }

  /**
   * Writes {@code progress.json} (the live run's counts for {@code status}); failures are ignored.
   */
  void writeProgress(ObjectNode progress) {
    try {
      replace("progress.json", progress);
    } catch (IOException e) {
      // status then shows the counts from the topics only
    }
  }

  /** Reads the live run's {@code progress.json}, if any. */
  static Optional<JsonNode> progress(Path outDir) {
    try {
      return Optional.of(
          Json.mapper()
              .readTree(
                  Files.readString(
                      folder(outDir).resolve("progress.json"), StandardCharsets.UTF_8)));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private void replace(String name, ObjectNode o) throws IOException {
    Path target = dir.resolve(name);
    Path tmp = dir.resolve(name + ".tmp");
    Files.writeString(tmp, Json.mapper().writeValueAsString(o) + "\n", StandardCharsets.UTF_8);
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Stops the broker (its data stays), removes {@code endpoint.json} and {@code progress.json},
   * releases the lock.
   */
  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(onTerm);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook closes the broker too (close is idempotent)
    }
    try {
      Files.deleteIfExists(dir.resolve("endpoint.json"));
      Files.deleteIfExists(dir.resolve("progress.json"));
    } catch (IOException e) {
      // a stale file names a dead pid: readers check it
    }
    broker.close();
    HELD.remove(dir.toAbsolutePath().normalize());
    try {
      lock.release();
      lockFile.close();
    } catch (IOException e) {
      // the OS releases the lock with the process
    }
  }
}
