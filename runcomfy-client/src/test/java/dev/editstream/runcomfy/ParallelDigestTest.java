package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link ParallelDigest}: order kept across threads, memory bounded, every buffer released. */
class ParallelDigestTest {
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static MessageDigest sha256() throws Exception {
    return MessageDigest.getInstance("SHA-256");
  }

  @Test
  void shouldHashPiecesInTheirOrderOnAPoolOfThreadsAndReleaseEveryBuffer() throws Exception {
    byte[] data = random(3_000_000, 1);
    ParallelDigest pd = new ParallelDigest(sha256(), pool, 256 * 1024);
    List<ByteBuf> bufs = new ArrayList<>();
    Random sizes = new Random(2);
    for (int off = 0; off < data.length; ) {
      int n = Math.min(data.length - off, 1 + sizes.nextInt(64 * 1024));
      ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(n);
      b.writeBytes(data, off, n);
      pd.update(b);
      assertThat(b.readableBytes()).as("the caller's indexes are left alone").isEqualTo(n);
      b.release(); // the caller's own reference, as PartFile's caller does at once
      bufs.add(b);
      off += n;
    }

    assertThat(pd.digest()).isEqualTo(sha256().digest(data));
    assertThat(bufs).allSatisfy(b -> assertThat(b.refCnt()).as("released once hashed").isZero());
    assertThat(pd.pendingBytes()).isZero();
  }

  @Test
  void shouldHashEveryComponentOfACompositeBuffer() throws Exception {
    byte[] a = random(1000, 3);
    byte[] b = random(2000, 4);
    CompositeByteBuf c = Unpooled.compositeBuffer();
    c.addComponent(true, Unpooled.wrappedBuffer(a));
    c.addComponent(true, Unpooled.wrappedBuffer(b));
    c.readerIndex(10);
    ParallelDigest pd = new ParallelDigest(sha256(), pool, 1 << 20);

    pd.update(c);
    c.release();

    MessageDigest expected = sha256();
    expected.update(a, 10, a.length - 10);
    expected.update(b);
    assertThat(pd.digest()).isEqualTo(expected.digest());
    assertThat(c.refCnt()).isZero();
  }

  @Test
  void shouldMakeTheWriterWaitWhenMoreThanTheBoundIsQueued() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    ExecutorService slow = Executors.newSingleThreadExecutor();
    try {
      ParallelDigest pd =
          new ParallelDigest(
              sha256(),
              r ->
                  slow.execute(
                      () -> {
                        try {
                          gate.await();
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                        r.run();
                      }),
              2048);
      byte[] data = random(3072, 5);
      pd.update(Unpooled.wrappedBuffer(data, 0, 1024));
      pd.update(Unpooled.wrappedBuffer(data, 1024, 1024));
      assertThat(pd.pendingBytes()).as("at the bound, not over it").isEqualTo(2048);
      AtomicBoolean third = new AtomicBoolean();
      Thread writer =
          new Thread(
              () -> {
                try {
                  pd.update(Unpooled.wrappedBuffer(data, 2048, 1024));
                  third.set(true);
                } catch (java.io.InterruptedIOException e) {
                  throw new IllegalStateException(e);
                }
              });
      writer.start();
      await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).untilFalse(third);

      gate.countDown();

      await().atMost(Duration.ofSeconds(5)).untilTrue(third);
      writer.join();
      assertThat(pd.digest()).isEqualTo(sha256().digest(data));
    } finally {
      slow.shutdownNow();
      assertThat(slow.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void shouldHashOnTheCallerInOrderOnceTheExecutorRefuses() throws Exception {
    AtomicBoolean refuse = new AtomicBoolean();
    ParallelDigest pd =
        new ParallelDigest(
            sha256(),
            r -> {
              if (refuse.get()) {
                throw new RejectedExecutionException("shut down");
              }
              pool.execute(r);
            },
            1 << 20);
    byte[] data = random(4096, 6);
    pd.update(Unpooled.wrappedBuffer(data, 0, 2048));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> pd.pendingBytes() == 0); // the drain task ended
    refuse.set(true);
    ByteBuf second = Unpooled.directBuffer(2048).writeBytes(data, 2048, 2048);

    pd.update(second);
    second.release();

    assertThat(second.refCnt()).as("hashed on this thread before update returned").isZero();
    assertThat(pd.digest()).isEqualTo(sha256().digest(data));
  }

  @Test
  void shouldReleaseEveryQueuedBufferWhenAbandoned() throws Exception {
    ParallelDigest pd = new ParallelDigest(sha256(), pool, 1 << 20);
    List<ByteBuf> bufs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ByteBuf b = Unpooled.directBuffer(4096).writeBytes(random(4096, i));
      pd.update(b);
      b.release();
      bufs.add(b);
    }

    pd.abandon();

    assertThat(bufs).allSatisfy(b -> assertThat(b.refCnt()).isZero());
  }

  @Test
  void shouldRefuseABoundBelowOneByte() {
    assertThatThrownBy(() -> new ParallelDigest(sha256(), pool, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxPendingBytes");
  }
}
