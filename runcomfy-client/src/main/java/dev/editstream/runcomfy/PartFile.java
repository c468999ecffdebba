package dev.editstream.runcomfy;

import com.sun.nio.file.ExtendedOpenOption;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * A download in progress: {@code .<name>.part-<random>} in the target folder, written through a
 * {@link FileChannel} with the SHA-256 computed on the way (from the same buffer, no copy of the
 * chunk). Blocking: use off the event loop. Not thread-safe; one writer at a time (Reactor
 * serialises the calls).
 *
 * <p><b>Background writeback</b> ({@link Writeback}, optional): every {@link
 * Writeback#everyBytes()} written, a {@code force(false)} (fdatasync) of what is written so far
 * starts on the writeback executor, at most one at a time per file, while the writer goes on. So
 * the disk writes while the download still runs and the final fsync in {@link #commit()} has little
 * left (without it, Linux keeps up to 10% of memory dirty, and a 2 GiB download spends seconds in
 * the final fsync). The writer waits for the running force when more than {@link
 * Writeback#maxPendingBytes()} are written but not yet known to be on disk, which bounds dirty page
 * cache per download. A failed background force fails the download (the next {@link #write} or
 * {@link #commit()} throws it): Linux reports a writeback error to one fsync only, so a later fsync
 * could succeed over lost data.
 *
 * <p><b>Hashing on another thread</b> ({@link Hashing}, optional): once a file passes {@link
 * Hashing#fromBytes()}, its SHA-256 is fed by a {@link ParallelDigest} on the hashing executor
 * while this thread writes the same buffers: a large download then uses two cores for hashing and
 * writing instead of one (scenario (d) of docs/benchmarks.md: hashing was most of the writer
 * thread's CPU on a 2 GiB download). Smaller files are hashed inline, where a hand-off would cost
 * more than it saves.
 *
 * <p><b>Direct I/O</b> ({@link Direct}, optional): a file announced (Content-Length) at or above
 * {@link Direct#fromBytes()} is opened with {@code O_DIRECT} where the file system allows it; its
 * bytes are gathered into one block-aligned buffer of {@link Direct#bufferBytes()} and written from
 * there straight to the device, bypassing the page cache. The writer thread then no longer pays for
 * page-cache pages (on this project's virtual machines, writing 2 GiB into fresh pages cost 2.3
 * CPU-s), no dirty pages pile up, and no background sync is needed. The last, partial block is
 * padded with zeros, written, and the file truncated back to its length before the final fsync.
 * Where {@code O_DIRECT} is refused (tmpfs, other platforms), the file is written through the page
 * cache as usual.
 */
final class PartFile {
  /** Serialises "find a free name, then rename" within this JVM, so two downloads never collide. */
  private static final Object PUBLISH_LOCK = new Object();

  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * Background writeback of one part file.
   *
   * @param everyBytes start a background fdatasync each time this many bytes were written since the
   *     last one started, bytes, at least 1
   * @param maxPendingBytes the writer waits for the running fdatasync while more than this many
   *     bytes are written but not yet synced, bytes, at least {@code everyBytes}
   * @param executor runs the fdatasyncs (must not be the writers' own bounded pool, or writers
   *     waiting for a queued fdatasync could starve it); a rejected task only skips that sync
   */
  record Writeback(long everyBytes, long maxPendingBytes, Executor executor) {
    /**
     * Validates.
     *
     * @throws IllegalArgumentException on a size out of range or no executor
     */
    Writeback {
      if (everyBytes < 1 || maxPendingBytes < everyBytes) {
        throw new IllegalArgumentException(
            "writeback: need 1 <= everyBytes <= maxPendingBytes, was "
                + everyBytes
                + ", "
                + maxPendingBytes);
      }
      if (executor == null) {
        throw new IllegalArgumentException("writeback: executor is missing");
      }
    }
  }

  /**
   * Hashing of a large file on another thread.
   *
   * @param fromBytes bytes written inline before hashing moves to {@code executor}, at least 0
   * @param maxPendingBytes bytes queued for hashing before the writer waits, at least 1; the queued
   *     buffers stay retained (direct memory) until hashed
   * @param executor runs the hashing of each file's pieces one after another
   */
  record Hashing(long fromBytes, long maxPendingBytes, Executor executor) {
    /**
     * Validates.
     *
     * @throws IllegalArgumentException on a size out of range or no executor
     */
    Hashing {
      if (fromBytes < 0 || maxPendingBytes < 1) {
        throw new IllegalArgumentException(
            "hashing: need fromBytes >= 0 and maxPendingBytes >= 1, was "
                + fromBytes
                + ", "
                + maxPendingBytes);
      }
      if (executor == null) {
        throw new IllegalArgumentException("hashing: executor is missing");
      }
    }
  }

  /**
   * Direct I/O for large files.
   *
   * @param fromBytes announced sizes from which {@code O_DIRECT} is tried, bytes, at least 1
   * @param bufferBytes the aligned gathering buffer, bytes: a positive multiple of 1 MiB (so of
   *     every file-system block size up to 1 MiB)
   */
  record Direct(long fromBytes, int bufferBytes) {
    /**
     * Validates.
     *
     * @throws IllegalArgumentException on a size out of range
     */
    Direct {
      if (fromBytes < 1 || bufferBytes < (1 << 20) || bufferBytes % (1 << 20) != 0) {
        throw new IllegalArgumentException(
            "direct: need fromBytes >= 1 and bufferBytes a positive multiple of 1 MiB, was "
                + fromBytes
                + ", "
                + bufferBytes);
      }
    }
  }

  private final Path dir;
  private final String name;
  private final Path path;
  private final FileChannel channel;
  private final MessageDigest digest;
  private final @Nullable Writeback writeback;
  private final @Nullable Hashing hashing;

  /** Set once the file passed {@link Hashing#fromBytes()}: feeds the digest from then on. */
  private @Nullable ParallelDigest parallel;

  /**
   * Direct I/O only: the block-aligned gathering buffer, written when full. Not pooled: a cancel
   * may discard the part file while its writer still copies, and this memory must outlive both.
   */
  private @Nullable ByteBuffer aligned;

  /** Direct I/O only: the file system's block size, bytes. */
  private int block;

  private final long createdNanos = System.nanoTime();
  private long bytes;
  private int largestWrite;
  private boolean done;

  /** Bytes written when the running (or last) background sync started. */
  private long syncStartedAt;

  /** Bytes known to be on disk (covered by a finished background sync). */
  private long syncedUpTo;

  /** The running or last background sync; completes with the byte count it covered. */
  private @Nullable CompletableFuture<Long> sync;

  private int backgroundSyncs;

  private PartFile(
      Path dir,
      String name,
      Path path,
      FileChannel channel,
      MessageDigest digest,
      @Nullable Writeback writeback,
      @Nullable Hashing hashing) {
    this.dir = dir;
    this.name = name;
    this.path = path;
    this.channel = channel;
    this.digest = digest;
    this.writeback = writeback;
    this.hashing = hashing;
  }

  /**
   * Creates the folder if needed and a new, empty part file for the final name {@code name}.
   *
   * @param writeback background writeback, or {@code null} for none (only the final fsync)
   * @throws IOException if the folder or the file cannot be created
   */
  static PartFile create(Path dir, String name, @Nullable Writeback writeback) throws IOException {
    return create(dir, name, writeback, null);
  }

  /**
   * As {@link #create(Path, String, Writeback)}, with the hashing of large files on another thread.
   *
   * @param hashing where and from what size the hashing moves off the writer, or {@code null} for
   *     inline hashing only
   * @throws IOException if the folder or the file cannot be created
   */
  static PartFile create(
      Path dir, String name, @Nullable Writeback writeback, @Nullable Hashing hashing)
      throws IOException {
    return create(dir, name, writeback, hashing, null, -1);
  }

  /**
   * As {@link #create(Path, String, Writeback, Hashing)}, with direct I/O for a large file.
   *
   * @param direct from which announced size and with which buffer to try {@code O_DIRECT}, or
   *     {@code null} for none
   * @param expectedBytes the announced size (Content-Length), bytes, or -1 when unknown (no direct
   *     I/O then)
   * @throws IOException if the folder or the file cannot be created
   */
  static PartFile create(
      Path dir,
      String name,
      @Nullable Writeback writeback,
      @Nullable Hashing hashing,
      @Nullable Direct direct,
      long expectedBytes)
      throws IOException {
    if (!Files.isDirectory(
        dir)) { // a stat, cheaper than the failed mkdir (and its exception) of createDirectories
      Files.createDirectories(dir);
    }
    byte[] random = new byte[8];
    RANDOM.nextBytes(random);
    Path path = dir.resolve("." + name + ".part-" + HexFormat.of().formatHex(random));
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
    if (direct != null && expectedBytes >= direct.fromBytes()) {
      PartFile p = openDirect(dir, name, path, digest, hashing, direct);
      if (p != null) {
        return p;
      }
    }
    FileChannel channel =
        FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    return new PartFile(dir, name, path, channel, digest, writeback, hashing);
  }

  /**
   * The part file opened with {@code O_DIRECT}, or {@code null} where the file system refuses it.
   */
  private static @Nullable PartFile openDirect(
      Path dir,
      String name,
      Path path,
      MessageDigest digest,
      @Nullable Hashing hashing,
      Direct direct)
      throws IOException {
    int blockSize;
    FileChannel channel;
    try {
      blockSize = Math.toIntExact(Files.getFileStore(dir).getBlockSize());
      if (blockSize < 1
          || blockSize > direct.bufferBytes()
          || direct.bufferBytes() % blockSize != 0) {
        return null;
      }
      channel =
          FileChannel.open(
              path,
              StandardOpenOption.CREATE_NEW,
              StandardOpenOption.WRITE,
              ExtendedOpenOption.DIRECT);
    } catch (UnsupportedOperationException | ArithmeticException e) {
      return null; // this platform has no O_DIRECT or reports no usable block size
    } catch (IOException e) {
      Files.deleteIfExists(path); // e.g. EINVAL from a file system without O_DIRECT (tmpfs)
      return null;
    }
    PartFile p = new PartFile(dir, name, path, channel, digest, null, hashing);
    p.block = blockSize;
    p.aligned = ByteBuffer.allocateDirect(direct.bufferBytes() + blockSize).alignedSlice(blockSize);
    p.aligned.limit(direct.bufferBytes());
    return p;
  }

  /** Whether this part file is written with {@code O_DIRECT}. */
  boolean direct() {
    return aligned != null;
  }

  /**
   * For tests: a part file at {@code path} whose bytes go to {@code channel} (e.g. one on {@code
   * /dev/full}), with {@code writeback} ({@code null} for none).
   */
  static PartFile over(Path dir, String name, Path path, FileChannel channel, Writeback writeback)
      throws NoSuchAlgorithmException {
    return new PartFile(
        dir, name, path, channel, MessageDigest.getInstance("SHA-256"), writeback, null);
  }

  /**
   * Appends the readable bytes of {@code buf} (which stays owned by the caller; its indexes are
   * left unchanged), hashing them from the same memory; may start or wait for a background sync.
   *
   * @throws IOException if writing fails, or a background sync failed
   */
  void write(ByteBuf buf) throws IOException {
    int readable = buf.readableBytes();
    if (readable == 0) {
      return;
    }
    if (parallel == null && hashing != null && bytes >= hashing.fromBytes()) {
      parallel = new ParallelDigest(digest, hashing.executor(), hashing.maxPendingBytes());
    }
    if (parallel != null) {
      parallel.update(buf); // hashed on the hashing executor while this thread writes
    }
    if (aligned != null) {
      if (parallel == null) {
        for (ByteBuffer nio : buf.nioBuffers(buf.readerIndex(), readable)) {
          digest.update(nio);
        }
      }
      gather(aligned, buf, readable);
    } else if (buf.nioBufferCount() == 1) {
      // one view over the same memory (not internalNioBuffer: the event loop may share it)
      write(buf.nioBuffer(buf.readerIndex(), readable), parallel == null);
    } else {
      for (ByteBuffer nio : buf.nioBuffers(buf.readerIndex(), readable)) {
        write(nio, parallel == null);
      }
    }
    bytes += readable;
    largestWrite = Math.max(largestWrite, readable);
    if (writeback != null) {
      afterWrite(writeback);
    }
  }

  /** Direct I/O: copies the bytes into the aligned buffer, writing it out each time it is full. */
  private void gather(ByteBuffer aligned, ByteBuf buf, int readable) throws IOException {
    int index = buf.readerIndex();
    int left = readable;
    while (left > 0) {
      int n = Math.min(left, aligned.remaining());
      int limit = aligned.limit();
      aligned.limit(aligned.position() + n);
      buf.getBytes(index, aligned);
      aligned.limit(limit);
      index += n;
      left -= n;
      if (!aligned.hasRemaining()) {
        writeAligned(aligned, aligned.position());
      }
    }
  }

  /**
   * Direct I/O: writes the first {@code length} bytes of the aligned buffer (a multiple of the
   * block size).
   */
  private void writeAligned(ByteBuffer aligned, int length) throws IOException {
    int limit = aligned.limit();
    aligned.position(0).limit(length);
    while (aligned.hasRemaining()) {
      channel.write(aligned);
    }
    aligned.clear().limit(limit);
  }

  /**
   * Direct I/O: writes what is gathered, padded to a whole block, and cuts the file back to its
   * length.
   */
  private void flushTail(ByteBuffer aligned) throws IOException {
    int tail = aligned.position();
    if (tail > 0) {
      int padded = (tail + block - 1) / block * block;
      for (int i = tail; i < padded; i++) {
        aligned.put(i, (byte) 0);
      }
      writeAligned(aligned, padded);
    }
    channel.truncate(bytes);
  }

  private void write(ByteBuffer nio, boolean hash) throws IOException {
    if (hash) {
      int start = nio.position();
      digest.update(nio);
      nio.position(start);
    }
    while (nio.hasRemaining()) {
      channel.write(nio);
    }
  }

  /** Starts a background sync when due; waits for the running one when too much is pending. */
  private void afterWrite(Writeback writeback) throws IOException {
    if (sync != null && sync.isDone()) {
      syncedUpTo = Math.max(syncedUpTo, joinSync(sync));
    }
    if (sync != null && !sync.isDone() && bytes - syncedUpTo > writeback.maxPendingBytes()) {
      syncedUpTo = Math.max(syncedUpTo, joinSync(sync));
    }
    if ((sync == null || sync.isDone()) && bytes - syncStartedAt >= writeback.everyBytes()) {
      long upTo = bytes;
      try {
        sync =
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    channel.force(false);
                    return upTo;
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                },
                writeback.executor());
        syncStartedAt = upTo;
        backgroundSyncs++;
      } catch (RejectedExecutionException e) {
        // the executor is shut down (downloader closing): the final fsync still covers everything
        sync = null;
      }
    }
  }

  /** Waits for the current background sync; returns the bytes it covered or throws its failure. */
  private static long joinSync(CompletableFuture<Long> sync) throws IOException {
    try {
      return sync.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw new IOException("background sync failed", cause);
    }
  }

  /** {@link System#nanoTime()} when this part file was created. */
  long createdNanos() {
    return createdNanos;
  }

  /** Bytes written so far. */
  long bytes() {
    return bytes;
  }

  /** The largest single {@link #write} so far, bytes (how big the pieces of the body were). */
  int largestWrite() {
    return largestWrite;
  }

  /** Background syncs started so far. */
  int backgroundSyncs() {
    return backgroundSyncs;
  }

  /** Bytes covered by the background syncs that have finished and were observed by the writer. */
  long syncedBytes() {
    return syncedUpTo;
  }

  /** The part file's path. */
  Path path() {
    return path;
  }

  /**
   * Waits for a running background sync (throwing its failure), forces the content to disk, closes,
   * and renames atomically to the first free name ({@link FileNames#firstFree}). Fsyncs the folder
   * where the platform allows it.
   *
   * @return the final path
   * @throws IOException if a sync, the close or the rename fails
   */
  Path commit() throws IOException {
    if (sync != null) {
      syncedUpTo = Math.max(syncedUpTo, joinSync(sync));
    }
    if (aligned != null) {
      flushTail(aligned);
    }
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

  /**
   * Lower-case hex SHA-256 of everything written; call once, after the last write.
   *
   * @throws java.io.InterruptedIOException if interrupted while the hashing thread finishes
   */
  String sha256Hex() throws IOException {
    return HexFormat.of().formatHex(parallel == null ? digest.digest() : parallel.digest());
  }

  /**
   * Closes and deletes the part file unless committed; idempotent, never throws. A running
   * background sync ends with {@link ClosedChannelException} (ignored) or finishes first.
   */
  void discard() {
    if (done) {
      return;
    }
    done = true;
    if (parallel != null) {
      parallel.abandon(); // every queued buffer released before the caller's own release
    }
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
