package dev.editstream.runcomfy;

import io.netty.buffer.ByteBuf;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * A message digest fed on another thread, in order, while the caller goes on writing the same bytes
 * to a file: the SHA-256 of a large download no longer shares one core with the writes.
 *
 * <p>{@link #update(ByteBuf)} retains the buffer and queues its readable bytes; one drain task at a
 * time (started on {@code executor} when the queue was idle) hashes the queued pieces in order and
 * releases each buffer once hashed. At most {@code maxPendingBytes} stay queued (a single larger
 * piece is let through alone): beyond that {@code update} waits, which bounds the (direct) memory a
 * download keeps. When {@code executor} refuses the drain task (shut down), the caller drains the
 * queue itself. Thread-safe; meant for one writer plus the drain task.
 */
final class ParallelDigest {
  @SuppressWarnings("ArrayRecordComponent") // a queue item, never compared or hashed
  private record Piece(ByteBuffer[] views, ByteBuf buf, int bytes) {}

  private final MessageDigest digest;
  private final Executor executor;
  private final long maxPendingBytes;
  private final ArrayDeque<Piece> queue = new ArrayDeque<>();
  private long pendingBytes;
  private boolean draining;
  private @Nullable RuntimeException failure;

  /**
   * @param digest fed only by this object from now on
   * @param executor runs the drain task
   * @param maxPendingBytes bytes queued before {@link #update} waits, at least 1
   * @throws IllegalArgumentException if {@code maxPendingBytes < 1}
   */
  ParallelDigest(MessageDigest digest, Executor executor, long maxPendingBytes) {
    if (maxPendingBytes < 1) {
      throw new IllegalArgumentException(
          "maxPendingBytes: must be at least 1, was " + maxPendingBytes);
    }
    this.digest = digest;
    this.executor = executor;
    this.maxPendingBytes = maxPendingBytes;
  }

  /**
   * Queues the readable bytes of {@code buf} (the caller keeps its own reference and indexes),
   * waiting first while too much is queued.
   *
   * @throws InterruptedIOException if interrupted while waiting (the buffer is then not queued)
   */
  void update(ByteBuf buf) throws InterruptedIOException {
    int readable = buf.readableBytes();
    if (readable == 0) {
      return;
    }
    boolean start;
    synchronized (this) {
      while (pendingBytes > 0 && pendingBytes + readable > maxPendingBytes) {
        try {
          wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException(
              "interrupted while waiting for the hashing of earlier pieces");
        }
      }
      queue.addLast(new Piece(buf.nioBuffers(buf.readerIndex(), readable), buf.retain(), readable));
      pendingBytes += readable;
      start = !draining;
      draining = true;
    }
    if (start) {
      try {
        executor.execute(this::drain);
      } catch (RejectedExecutionException e) {
        drain(); // the executor is shut down (downloader closing): hash here, still in order
      }
    }
  }

  /** Bytes queued and not yet hashed. */
  synchronized long pendingBytes() {
    return pendingBytes;
  }

  /**
   * Waits for every queued piece, then completes the digest.
   *
   * @return the digest of everything queued, in order
   * @throws InterruptedIOException if interrupted while waiting
   * @throws IllegalStateException if hashing a piece failed (a bug, never an I/O error)
   */
  byte[] digest() throws InterruptedIOException {
    synchronized (this) {
      while (pendingBytes > 0) {
        try {
          wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while waiting for the hashing to end");
        }
      }
      if (failure != null) {
        throw new IllegalStateException("hashing a downloaded piece failed", failure);
      }
      return digest.digest();
    }
  }

  /**
   * Waits, without giving in to interrupts, until every queued piece is hashed and its buffer
   * released; for a download being abandoned. A few milliseconds at most: at most {@code
   * maxPendingBytes} are queued. Never throws.
   */
  void abandon() {
    boolean interrupted = false;
    synchronized (this) {
      while (pendingBytes > 0) {
        try {
          wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void drain() {
    while (true) {
      Piece p;
      synchronized (this) {
        p = queue.pollFirst();
        if (p == null) {
          draining = false;
          return;
        }
      }
      try {
        for (ByteBuffer v : p.views()) {
          digest.update(v);
        }
      } catch (RuntimeException e) {
        synchronized (this) {
          failure = failure == null ? e : failure;
        }
      } finally {
        p.buf().release();
        synchronized (this) {
          pendingBytes -= p.bytes();
          notifyAll();
        }
      }
    }
  }
}
