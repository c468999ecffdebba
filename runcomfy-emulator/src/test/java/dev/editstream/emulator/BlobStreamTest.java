package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.List;
import org.junit.jupiter.api.Test;

class BlobStreamTest {
  static List<byte[]> bytes(long size, long seed, boolean zeros) {
    return BlobStream.chunks(size, seed, zeros)
        .map(
            b -> {
              try {
                return ByteBufUtil.getBytes(b);
              } finally {
                b.release();
              }
            })
        .collectList()
        .block();
  }

  @Test
  void shouldCutTheBlobInto64KiBChunksWithAShortLastOne() {
    long size = 3L * BlobStream.CHUNK + 100;
    List<byte[]> chunks = bytes(size, 1, false);
    assertThat(chunks).hasSize(4);
    assertThat(chunks.stream().mapToLong(c -> c.length).sum()).isEqualTo(size);
    assertThat(chunks.get(3)).hasSize(100);
    assertThat(BlobStream.chunkCount(0)).isZero();
    assertThat(bytes(0, 1, false)).isEmpty();
    assertThat(BlobStream.chunkCount(BlobStream.MAX_BYTES)).isEqualTo(65_536);
    assertThat(BlobStream.chunkLength(10, 0)).isEqualTo(10);
  }

  @Test
  void shouldRepeatTheSameBytesForTheSameSeedAndVaryByChunkAndSeed() {
    List<byte[]> a = bytes(2L * BlobStream.CHUNK + 7, 5, false);
    List<byte[]> b = bytes(2L * BlobStream.CHUNK + 7, 5, false);
    List<byte[]> c = bytes(2L * BlobStream.CHUNK + 7, 6, false);
    for (int i = 0; i < a.size(); i++) {
      assertThat(a.get(i)).isEqualTo(b.get(i));
      assertThat(a.get(i)).isNotEqualTo(c.get(i));
    }
    assertThat(a.get(0)).isNotEqualTo(a.get(1));
  }

  @Test
  void shouldSendZerosOnRequest() {
    List<byte[]> z = bytes(BlobStream.CHUNK + 3, 5, true);
    assertThat(z).hasSize(2);
    assertThat(z.get(0)).containsOnly((byte) 0);
    assertThat(z.get(1)).hasSize(3).containsOnly((byte) 0);
  }

  @Test
  void shouldRefuseSizesOutOfRange() {
    assertThatThrownBy(() -> BlobStream.chunks(-1, 0, false))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BlobStream.chunks(BlobStream.MAX_BYTES + 1, 0, false))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldStartEveryChunkOnTheTapeAtAnAlignedOffsetThatVariesWithIndexAndSeed() {
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    for (long i = 0; i < 1000; i++) {
      int off = BlobStream.offset(5, i);
      assertThat(off % Long.BYTES).isZero();
      assertThat(off).isBetween(0, BlobStream.TAPE_BYTES - BlobStream.CHUNK);
      seen.add(off);
    }
    // 1,000 draws among 131,072 offsets: a handful of repeats at most
    assertThat(seen.size()).isGreaterThan(990);
    assertThat(BlobStream.offset(5, 3))
        .isEqualTo(BlobStream.offset(5, 3))
        .isNotEqualTo(BlobStream.offset(6, 3));
  }

  @Test
  void shouldServeSlicesOfOneSharedTapeThatSurviveRelease() {
    ByteBuf tape = BlobStream.tape(9);
    assertThat(tape.readableBytes()).isEqualTo(BlobStream.TAPE_BYTES);
    assertThat(tape.isReadOnly()).isTrue();
    ByteBuf first = BlobStream.chunks(BlobStream.CHUNK, 9, false).blockFirst();
    byte[] expected = ByteBufUtil.getBytes(tape, BlobStream.offset(9, 0), BlobStream.CHUNK);
    assertThat(ByteBufUtil.getBytes(first)).isEqualTo(expected);
    first.release();
    first.release();
    // the same tape again, still readable: releasing a chunk frees nothing
    assertThat(BlobStream.tape(9)).isSameAs(tape);
    assertThat(ByteBufUtil.getBytes(tape, BlobStream.offset(9, 0), BlobStream.CHUNK))
        .isEqualTo(expected);
  }
}
