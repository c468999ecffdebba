package dev.editstream.emulator;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.SplittableRandom;
import reactor.core.publisher.Flux;

/**
 * Bytes of a synthetic download ({@code GET /_emulator/blob/{bytes}}), generated on demand in
 * chunks of {@link #CHUNK} bytes so that even {@link #MAX_BYTES} never sit in memory: each chunk is
 * allocated when the connection asks for it and released by Netty once written. The content is
 * deterministic: chunk {@code i} of a given seed is always the same pseudo-random bytes (so a
 * wrong offset after a resume shows), or all zeros.
 */
final class BlobStream {
  /** Chunk size, bytes (64 KiB). */
  static final int CHUNK = 64 * 1024;
  /** Largest blob, bytes (4 GiB). */
  static final long MAX_BYTES = 4L * 1024 * 1024 * 1024;

  private static final long GOLDEN = 0x9E3779B97F4A7C15L;
  private static final ByteBuf ZEROS = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(new byte[CHUNK]).asReadOnly());

  private BlobStream() {}

  /**
   * The chunks of a blob.
   *
   * @param bytes total size, bytes, {@code 0..MAX_BYTES}
   * @param seed seed of the pseudo-random content
   * @param zeros {@code true} for zeros (no allocation), {@code false} for pseudo-random bytes
   * @param alloc allocator of the pseudo-random chunks
   * @throws IllegalArgumentException if {@code bytes} is out of range
   */
  static Flux<ByteBuf> chunks(long bytes, long seed, boolean zeros, ByteBufAllocator alloc) {
    if (bytes < 0 || bytes > MAX_BYTES) {
      throw new IllegalArgumentException("blob size must be 0.." + MAX_BYTES + " bytes, was " + bytes);
    }
    long count = chunkCount(bytes);
    return Flux.<ByteBuf, Long>generate(() -> 0L, (index, sink) -> {
      if (index >= count) {
        sink.complete();
        return index;
      }
      int length = chunkLength(bytes, index);
      sink.next(zeros ? ZEROS.slice(0, length) : fill(alloc.buffer(length, length), seed, index, length));
      return index + 1;
    });
  }

  /** How many chunks a blob of {@code bytes} has. */
  static long chunkCount(long bytes) {
    return (bytes + CHUNK - 1) / CHUNK;
  }

  /** The length of chunk {@code index} of a blob of {@code bytes}, bytes. */
  static int chunkLength(long bytes, long index) {
    return (int) Math.min(CHUNK, bytes - index * CHUNK);
  }

  /** Writes the {@code length} pseudo-random bytes of chunk {@code index} into {@code buf}; returns {@code buf}. */
  static ByteBuf fill(ByteBuf buf, long seed, long index, int length) {
    SplittableRandom r = new SplittableRandom(seed ^ (index * GOLDEN));
    int longs = length / Long.BYTES;
    for (int i = 0; i < longs; i++) {
      buf.writeLong(r.nextLong());
    }
    long tail = r.nextLong();
    for (int i = longs * Long.BYTES; i < length; i++) {
      buf.writeByte((int) tail);
      tail >>>= 8;
    }
    return buf;
  }
}
