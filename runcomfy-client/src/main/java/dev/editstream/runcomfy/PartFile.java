package dev.editstream.runcomfy;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * A download in progress: {@code .<name>.part-<random>} in the target folder, written through a
 * {@link FileChannel} with the SHA-256 computed on the way. Blocking: use off the event loop. Not
 * thread-safe; one writer at a time (Reactor serialises the calls).
 */
final class PartFile {
  /** Serialises "find a free name, then rename" within this JVM, so two downloads never collide. */
  private static final Object PUBLISH_LOCK = new Object();

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final String name;
  private final Path path;
  private final FileChannel channel;
  private final MessageDigest digest;
  private long bytes;
  private boolean done;

  private PartFile(Path dir, String name, Path path, FileChannel channel, MessageDigest digest) {
    this.dir = dir;
    this.name = name;
    this.path = path;
    this.channel = channel;
    this.digest = digest;
  }

  /** Creates the folder if needed and a new, empty part file for the final name {@code name}. */
  static PartFile create(Path dir, String name) throws IOException {
    Files.createDirectories(dir);
    byte[] random = new byte[8];
    RANDOM.nextBytes(random);
    Path path = dir.resolve("." + name + ".part-" + HexFormat.of().formatHex(random));
    FileChannel channel =
        FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try {
      return new PartFile(dir, name, path, channel, MessageDigest.getInstance("SHA-256"));
    } catch (NoSuchAlgorithmException e) {
      channel.close();
      Files.deleteIfExists(path);
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /**
   * For tests: a part file at {@code path} whose bytes go to {@code channel} (e.g. one on {@code
   * /dev/full}).
   */
  static PartFile over(Path dir, String name, Path path, FileChannel channel)
      throws NoSuchAlgorithmException {
    return new PartFile(dir, name, path, channel, MessageDigest.getInstance("SHA-256"));
  }

  /** Appends the readable bytes of {@code buf} (which stays owned by the caller). */
  void write(ByteBuf buf) throws IOException {
    int readable = buf.readableBytes();
    for (ByteBuffer nio : buf.nioBuffers(buf.readerIndex(), readable)) {
      digest.update(nio.duplicate());
      while (nio.hasRemaining()) {
        channel.write(nio);
      }
    }
    bytes += readable;
  }

  /** Bytes written so far. */
  long bytes() {
    return bytes;
  }

  /** The part file's path. */
  Path path() {
    return path;
  }

  /**
   * Forces the content to disk, closes, and renames atomically to the first free name ({@link
   * FileNames#firstFree}). Fsyncs the folder where the platform allows it.
   *
   * @return the final path
   */
  Path commit() throws IOException {
    channel.force(true);
    channel.close();
    Path target;
    synchronized (PUBLISH_LOCK) {
      String free = FileNames.firstFree(name, n -> Files.exists(dir.resolve(n)));
      target = dir.resolve(free);
      try {
        Files.move(path, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(path, target);
      }
    }
    done = true;
    syncDirectory();
    return target;
  }

  /** Lower-case hex SHA-256 of everything written; call once, after the last write. */
  String sha256Hex() {
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Closes and deletes the part file unless committed; idempotent, never throws. */
  void discard() {
    if (done) {
      return;
    }
    done = true;
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing failed: the delete below still runs
    }
    try {
      Files.deleteIfExists(path);
    } catch (IOException ignored) {
      // nothing more can be done; the name is hidden (leading dot) and unique
    }
  }

  private void syncDirectory() {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException ignored) {
      // some platforms cannot open or sync a folder; the file itself is synced
    }
  }
}
