package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PartFile}: hashing from the same buffer, background writeback, its failures. */
class PartFileTest {
  private static final int KIB = 1024;

  @TempDir Path dir;

  /** Runs each task on the calling thread and counts them. */
  private static final class Inline implements Executor {
    final AtomicInteger runs = new AtomicInteger();

    @Override
    public void execute(Runnable r) {
      runs.incrementAndGet();
      r.run();
    }
  }

  /** Holds tasks until {@link #runAll()}. */
  private static final class Held implements Executor {
    final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();

    @Override
    public void execute(Runnable r) {
      tasks.add(r);
    }

    void runAll() {
      Runnable r;
      while ((r = tasks.poll()) != null) {
        r.run();
      }
    }
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  private static void writeInChunks(PartFile part, byte[] data, int chunk) throws IOException {
    for (int off = 0; off < data.length; off += chunk) {
      ByteBuf buf = Unpooled.directBuffer(chunk);
      buf.writeBytes(data, off, Math.min(chunk, data.length - off));
      try {
        part.write(buf);
      } finally {
        buf.release();
      }
    }
  }

  @Test
  void shouldSyncInTheBackgroundEveryStepAndCommitTheSameBytesAndHash() throws Exception {
    Inline executor = new Inline();
    PartFile part =
        PartFile.create(dir, "big.bin", new PartFile.Writeback(4 * KIB, 16 * KIB, executor));
    byte[] data = random(40 * KIB + 123, 1);

    writeInChunks(part, data, KIB);

    // one background sync per full 4 KiB step: at 4, 8, ..., 40 KiB
    assertThat(part.backgroundSyncs()).isEqualTo(10);
    assertThat(executor.runs).hasValue(10);
    String sha = part.sha256Hex();
    Path file = part.commit();
    assertThat(file).isEqualTo(dir.resolve("big.bin"));
    assertThat(Files.readAllBytes(file)).isEqualTo(data);
    assertThat(sha).isEqualTo(sha256(data));
    assertThat(part.syncedBytes()).isEqualTo(40 * KIB);
  }

  @Test
  void shouldHashInlineUpToTheThresholdThenOnTheHashingExecutorWithTheSameResult()
      throws Exception {
    Inline executor = new Inline();
    PartFile small =
        PartFile.create(dir, "small.bin", null, new PartFile.Hashing(8 * KIB, 4 * KIB, executor));
    byte[] few = random(8 * KIB, 7);
    writeInChunks(small, few, KIB);
    assertThat(executor.runs).as("8 KiB written before the threshold was passed").hasValue(0);
    assertThat(small.sha256Hex()).isEqualTo(sha256(few));
    small.commit();

    PartFile big =
        PartFile.create(
            dir, "big-hashed.bin", null, new PartFile.Hashing(8 * KIB, 4 * KIB, executor));
    byte[] many = random(20 * KIB + 5, 8);
    writeInChunks(big, many, KIB);
    assertThat(executor.runs).as("the 13 pieces from 8 KiB on").hasValue(13);
    String sha = big.sha256Hex();
    assertThat(Files.readAllBytes(big.commit())).isEqualTo(many);
    assertThat(sha).isEqualTo(sha256(many));
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      ints = {1, 4095, 4096, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 777})
  void shouldWriteTheSameBytesAndHashWithDirectIoAsThroughThePageCache(int size) throws Exception {
    PartFile.Direct direct = new PartFile.Direct(1, 1 << 20);
    PartFile part = PartFile.create(dir, "direct-" + size + ".bin", null, null, direct, size);
    org.junit.jupiter.api.Assumptions.assumeTrue(
        part.direct(),
        "this file system refuses O_DIRECT; the page-cache path is tested elsewhere");
    byte[] data = random(size, size);
    Random pieces = new Random(size);
    for (int off = 0; off < data.length; ) {
      int n = Math.min(data.length - off, 1 + pieces.nextInt(300 * KIB));
      ByteBuf buf = Unpooled.directBuffer(n);
      buf.writeBytes(data, off, n);
      try {
        part.write(buf);
      } finally {
        buf.release();
      }
      off += n;
    }

    String sha = part.sha256Hex();
    Path file = part.commit();

    assertThat(Files.size(file)).as("padding cut off").isEqualTo(size);
    assertThat(Files.readAllBytes(file)).isEqualTo(data);
    assertThat(sha).isEqualTo(sha256(data));
    assertThat(part.backgroundSyncs()).isZero();
  }

  @Test
  void shouldUseThePageCacheBelowTheDirectThresholdOrWhenTheSizeIsUnknown() throws Exception {
    PartFile.Direct direct = new PartFile.Direct(1 << 20, 1 << 20);
    PartFile small = PartFile.create(dir, "small-announced.bin", null, null, direct, (1 << 20) - 1);
    PartFile unknown = PartFile.create(dir, "unknown.bin", null, null, direct, -1);

    assertThat(small.direct()).isFalse();
    assertThat(unknown.direct()).isFalse();
    small.discard();
    unknown.discard();
    try (var s = Files.list(dir)) {
      assertThat(s).as("both part files removed").isEmpty();
    }
  }

  @Test
  void shouldDeleteADirectPartFileThatIsDiscarded() throws Exception {
    PartFile part =
        PartFile.create(dir, "gone.bin", null, null, new PartFile.Direct(1, 1 << 20), 10 << 20);
    byte[] data = random(2 * (1 << 20) + 5, 9);
    writeInChunks(part, data, 64 * KIB);

    part.discard();

    try (var s = Files.list(dir)) {
      assertThat(s).isEmpty();
    }
  }

  @Test
  void shouldNotSyncInTheBackgroundWithoutWriteback() throws Exception {
    PartFile part = PartFile.create(dir, "plain.bin", null);
    byte[] data = random(20 * KIB, 2);

    writeInChunks(part, data, 3 * KIB);

    assertThat(part.backgroundSyncs()).isZero();
    String sha = part.sha256Hex();
    assertThat(Files.readAllBytes(part.commit())).isEqualTo(data);
    assertThat(sha).isEqualTo(sha256(data));
  }

  @Test
  void shouldHashAndWriteEveryComponentOfACompositeBufferAndLeaveItsIndexes() throws Exception {
    PartFile part = PartFile.create(dir, "composite.bin", null);
    byte[] a = random(5000, 3);
    byte[] b = random(7000, 4);
    CompositeByteBuf buf = Unpooled.compositeBuffer();
    buf.addComponent(true, Unpooled.wrappedBuffer(a));
    buf.addComponent(true, Unpooled.directBuffer(b.length).writeBytes(b));
    buf.readerIndex(10);
    try {
      part.write(buf);
      assertThat(buf.readerIndex()).isEqualTo(10);
      assertThat(buf.readableBytes()).isEqualTo(a.length + b.length - 10);
    } finally {
      buf.release();
    }

    byte[] expected = new byte[a.length + b.length - 10];
    System.arraycopy(a, 10, expected, 0, a.length - 10);
    System.arraycopy(b, 0, expected, a.length - 10, b.length);
    String sha = part.sha256Hex();
    assertThat(Files.readAllBytes(part.commit())).isEqualTo(expected);
    assertThat(sha).isEqualTo(sha256(expected));
  }

  @Test
  void shouldLeaveAPooledChunkReadableAfterWritingIt() throws Exception {
    PartFile part = PartFile.create(dir, "pooled.bin", null);
    byte[] data = random(3 * KIB, 5);
    ByteBuf buf = io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(data.length);
    buf.writeBytes(data);
    try {
      part.write(buf);
      part.write(buf);
      assertThat(buf.readableBytes()).isEqualTo(data.length);
    } finally {
      buf.release();
    }
    byte[] twice = new byte[2 * data.length];
    System.arraycopy(data, 0, twice, 0, data.length);
    System.arraycopy(data, 0, twice, data.length, data.length);
    String sha = part.sha256Hex();
    assertThat(Files.readAllBytes(part.commit())).isEqualTo(twice);
    assertThat(sha).isEqualTo(sha256(twice));
  }

  @Test
  void shouldMakeTheWriterWaitWhenTooMuchIsWrittenButNotYetSynced() throws Exception {
    Held executor = new Held();
    PartFile part =
        PartFile.create(dir, "slow-disk.bin", new PartFile.Writeback(4 * KIB, 8 * KIB, executor));
    byte[] data = random(32 * KIB, 6);
    AtomicInteger chunksWritten = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread writer =
        new Thread(
            () -> {
              try {
                for (int off = 0; off < data.length; off += KIB) {
                  ByteBuf buf = Unpooled.wrappedBuffer(data, off, KIB);
                  part.write(buf);
                  chunksWritten.incrementAndGet();
                }
              } catch (Throwable e) {
                failure.set(e);
              }
            },
            "part-file-test-writer");
    writer.start();

    // the first sync starts at 4 KiB and is held: past 8 KiB pending (the 9th chunk) the writer
    // waits
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> writer.getState() == Thread.State.WAITING && chunksWritten.get() == 8);
    assertThat(executor.tasks).hasSize(1);

    // the disk catches up: the writer goes on, waiting again whenever a sync is held too long
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              executor.runAll();
              return !writer.isAlive();
            });
    writer.join();
    assertThat(failure.get()).isNull();
    assertThat(chunksWritten).hasValue(32);
    String sha = part.sha256Hex();
    assertThat(Files.readAllBytes(part.commit())).isEqualTo(data);
    assertThat(sha).isEqualTo(sha256(data));
  }

  @Test
  void shouldFailTheNextWriteWhenABackgroundSyncFailed() throws Exception {
    Path path = Files.createFile(dir.resolve(".bad.bin.part-test"));
    FileChannel failing = new ForceFails(FileChannel.open(path, StandardOpenOption.WRITE));
    PartFile part =
        PartFile.over(
            dir, "bad.bin", path, failing, new PartFile.Writeback(2 * KIB, 8 * KIB, new Inline()));
    byte[] data = random(4 * KIB, 7);

    // the sync started at 2 KiB fails; the writer learns it at its next write
    assertThatThrownBy(() -> writeInChunks(part, data, KIB))
        .isInstanceOf(IOException.class)
        .hasMessage("EIO from the test disk");
    part.discard();
    assertThat(path).doesNotExist();
    assertThat(dir.resolve("bad.bin")).doesNotExist();
  }

  @Test
  void shouldFailTheCommitWhenTheLastBackgroundSyncFailed() throws Exception {
    Path path = Files.createFile(dir.resolve(".bad.bin.part-test"));
    Held executor = new Held();
    FileChannel failing = new ForceFails(FileChannel.open(path, StandardOpenOption.WRITE));
    PartFile part =
        PartFile.over(
            dir, "bad.bin", path, failing, new PartFile.Writeback(2 * KIB, 8 * KIB, executor));

    writeInChunks(part, random(3 * KIB, 8), KIB);
    executor.runAll();

    assertThatThrownBy(part::commit)
        .isInstanceOf(IOException.class)
        .hasMessage("EIO from the test disk");
    part.discard();
    assertThat(path).doesNotExist();
    assertThat(dir.resolve("bad.bin")).doesNotExist();
  }

  @Test
  void shouldSkipBackgroundSyncsWhenTheExecutorRefusesAndStillCommit() throws Exception {
    Executor closed =
        r -> {
          throw new RejectedExecutionException("shut down");
        };
    PartFile part = PartFile.create(dir, "closing.bin", new PartFile.Writeback(KIB, KIB, closed));
    byte[] data = random(10 * KIB, 9);

    writeInChunks(part, data, KIB);

    assertThat(part.backgroundSyncs()).isZero();
    assertThat(Files.readAllBytes(part.commit())).isEqualTo(data);
  }

  @Test
  void shouldRefuseAWritebackStepOutOfRange() {
    Executor e = Runnable::run;
    assertThatThrownBy(() -> new PartFile.Writeback(0, 1, e))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("writeback:");
    assertThatThrownBy(() -> new PartFile.Writeback(2, 1, e))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PartFile.Writeback(1, 1, null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** A file channel whose {@code force} fails as a disk with a write error would. */
  private static final class ForceFails extends FileChannel {
    private final FileChannel d;

    ForceFails(FileChannel d) {
      this.d = d;
    }

    @Override
    public void force(boolean metaData) throws IOException {
      throw new IOException("EIO from the test disk");
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return d.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
      return d.read(dsts, offset, length);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      return d.write(src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      return d.write(srcs, offset, length);
    }

    @Override
    public long position() throws IOException {
      return d.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
      d.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return d.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      d.truncate(size);
      return this;
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target)
        throws IOException {
      return d.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count)
        throws IOException {
      return d.transferFrom(src, position, count);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return d.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      return d.write(src, position);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
      return d.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
      return d.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return d.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      d.close();
    }
  }

  @Test
  void shouldListNoPartFileAfterCommit() throws Exception {
    PartFile part = PartFile.create(dir, "x.bin", null);
    writeInChunks(part, random(KIB, 10), KIB);
    part.commit();
    try (var s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString()).toList()).isEqualTo(List.of("x.bin"));
    }
  }
}
