package dev.editstream.emulator;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/**
 * Bytes of a synthetic download ({@code GET /_emulator/blob/{bytes}}), in chunks of {@link #CHUNK}
 * bytes, so that even {@link #MAX_BYTES} never sit in memory, and without generating or copying
 * bytes per chunk: every chunk is a read-only slice of one shared pseudo-random <i>tape</i> per
 * seed ({@link #TAPE_BYTES} bytes of direct memory, built once), which Netty writes to the socket
 * from that memory (no copy in the JVM, nothing to release). So the emulator, which shares the JVM
 * and the cores with the client in benchmarks, costs little more than the socket writes.
 *
 * <p>The content is deterministic: chunk {@code i} of a given seed is the tape's window at an
 * offset drawn from {@code (seed, i)} ({@link #offset}), so two chunks of one blob differ and a
 * wrong offset after a resume shows; or all zeros.
 */
final class BlobStream {
  /** Chunk size, bytes (64 KiB). */
  static final int CHUNK = 64 * 1024;

  /** Largest blob, bytes (4 GiB). */
  static final long MAX_BYTES = 4L * 1024 * 1024 * 1024;

  /** Distinct chunk start offsets on the tape, 8 bytes apart. */
  static final int OFFSETS = 1 << 17;

  /** Tape length, bytes: {@link #OFFSETS} × 8 + {@link #CHUNK} (1 MiB + 64 KiB). */
  static final int TAPE_BYTES = OFFSETS * Long.BYTES + CHUNK;

  private static final long GOLDEN = 0x9E3779B97F4A7C15L;
  private static final ByteBuf ZEROS =
      Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(new byte[CHUNK]).asReadOnly());

  /** The tape of the last seed asked for (an emulator uses one seed). */
  private static volatile @Nullable Tape last;

  private record Tape(long seed, ByteBuf bytes) {}

  private BlobStream() {}

  /**
   * The chunks of a blob: read-only slices of shared memory (releasing them is a no-op).
   *
   * @param bytes total size, bytes, {@code 0..MAX_BYTES}
   * @param seed seed of the pseudo-random content
   * @param zeros {@code true} for zeros, {@code false} for pseudo-random bytes
   * @throws IllegalArgumentException if {@code bytes} is out of range
   */
  static Flux<ByteBuf> chunks(long bytes, long seed, boolean zeros) {
    if (bytes < 0 || bytes > MAX_BYTES) {
      throw new IllegalArgumentException(
          "blob size must be 0.." + MAX_BYTES + " bytes, was " + bytes);
    }
    long count = chunkCount(bytes);
    ByteBuf source = zeros ? ZEROS : tape(seed);
    return Flux.<ByteBuf, Long>generate(
        () -> 0L,
        (index, sink) -> {
          if (index >= count) {
            sink.complete();
            return index;
          }
          int length = chunkLength(bytes, index);
          sink.next(source.slice(zeros ? 0 : offset(seed, index), length));
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

  /**
   * Where chunk {@code index} of seed {@code seed} starts on the tape: a multiple of 8 below {@code
   * OFFSETS × 8}.
   */
  static int offset(long seed, long index) {
    long z = seed ^ (index * GOLDEN);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    return (int) (z & (OFFSETS - 1)) * Long.BYTES;
  }

  /**
   * The read-only, unreleasable tape of {@code seed}, {@link #TAPE_BYTES} bytes; built on first
   * use.
   */
  static ByteBuf tape(long seed) {
    Tape t = last;
    if (t != null && t.seed() == seed) {
      return t.bytes();
    }
    ByteBuf buf = Unpooled.directBuffer(TAPE_BYTES, TAPE_BYTES);
    SplittableRandom r = new SplittableRandom(seed);
    while (buf.isWritable()) {
      buf.writeLong(r.nextLong());
    }
    ByteBuf shared = Unpooled.unreleasableBuffer(buf.asReadOnly());
    last = new Tape(seed, shared);
    return shared;
  }
}
