package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.Test;

class BlobStreamTest {
  static final UnpooledByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

  static List<byte[]> bytes(long size, long seed, boolean zeros) {
    return BlobStream.chunks(size, seed, zeros, ALLOC).map(b -> {
      try {
        return ByteBufUtil.getBytes(b);
      } finally {
        b.release();
      }
    }).collectList().block();
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
    assertThatThrownBy(() -> BlobStream.chunks(-1, 0, false, ALLOC)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BlobStream.chunks(BlobStream.MAX_BYTES + 1, 0, false, ALLOC)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldFillExactlyTheAskedLength() {
    ByteBuf buf = ALLOC.buffer();
    try {
      BlobStream.fill(buf, 1, 0, 13);
      assertThat(buf.readableBytes()).isEqualTo(13);
    } finally {
      buf.release();
    }
  }
}
