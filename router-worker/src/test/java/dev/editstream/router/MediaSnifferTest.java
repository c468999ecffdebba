package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.router.MediaSniffer.Type;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MediaSnifferTest {
  static byte[] b(int... v) {
    byte[] out = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (byte) v[i];
    }
    return out;
  }

  static Stream<Arguments> heads() {
    return Stream.of(
        Arguments.of("real PNG", Media.noisyPng(4, 4), Type.PNG),
        Arguments.of("real JPEG", Media.jpeg(4, 4), Type.JPEG),
        Arguments.of("real GIF", Media.gif(4, 4), Type.GIF),
        Arguments.of("real BMP", Media.bmp(4, 4), Type.BMP),
        Arguments.of("WebP VP8X", Media.webpVp8x(10, 20), Type.WEBP),
        Arguments.of("WebP VP8L", Media.webpVp8l(10, 20), Type.WEBP),
        Arguments.of("WebP VP8", Media.webpVp8(10, 20), Type.WEBP),
        Arguments.of("MP4 isom", Media.ftyp("isom"), Type.MP4),
        Arguments.of("MP4 mp42", Media.ftyp("mp42"), Type.MP4),
        Arguments.of("MOV qt", Media.ftyp("qt  "), Type.MOV),
        Arguments.of("HEIC", Media.ftyp("heic"), Type.HEIF),
        Arguments.of("AVIF", Media.ftyp("avif"), Type.HEIF),
        Arguments.of("WebM", Media.webm(), Type.WEBM),
        Arguments.of("TIFF little-endian", b('I', 'I', 0x2A, 0), Type.TIFF),
        Arguments.of("TIFF big-endian", b('M', 'M', 0, 0x2A), Type.TIFF),
        Arguments.of("PDF", Media.text("%PDF-1.7\n"), Type.PDF),
        Arguments.of("ZIP", b('P', 'K', 3, 4, 0, 0), Type.ZIP),
        Arguments.of("gzip", b(0x1F, 0x8B, 8, 0), Type.GZIP),
        Arguments.of("ELF", b(0x7F, 'E', 'L', 'F', 2, 1), Type.ELF),
        Arguments.of("PEM key", Media.text("-----BEGIN OPENSSH PRIVATE KEY-----\n"), Type.PEM),
        Arguments.of("JSON token file", Media.text("{\"token\": \"abc\"}\n"), Type.TEXT),
        Arguments.of("passwd", Media.text("root:x:0:0:root:/root:/bin/bash\n"), Type.TEXT),
        Arguments.of("UTF-8 text with BOM and accents", Media.text("\uFEFFcafé 東京"), Type.TEXT),
        Arguments.of(
            "text cut in a multi-byte char", Arrays.copyOf(Media.text("ab東"), 4), Type.TEXT),
        Arguments.of("empty", new byte[0], Type.EMPTY),
        Arguments.of("null", null, Type.EMPTY),
        Arguments.of("zeros", new byte[64], Type.UNKNOWN),
        Arguments.of("random binary", b(0x00, 0xFE, 0x13, 0x80, 0x01), Type.UNKNOWN),
        Arguments.of("PNG signature cut short", b(0x89, 'P', 'N', 'G'), Type.UNKNOWN),
        Arguments.of("RIFF but WAVE", Media.text("RIFF\0\0\0\0WAVEfmt "), Type.UNKNOWN),
        Arguments.of(
            "ftyp box too short for a brand", b(0, 0, 0, 8, 'f', 't', 'y', 'p'), Type.UNKNOWN),
        Arguments.of("BM text, not a bitmap", Media.text("BMW is a car brand"), Type.TEXT));
  }

  @ParameterizedTest(name = "{0} is {2}")
  @MethodSource("heads")
  void shouldDetectTheTypeFromTheFirstBytes(String name, byte[] head, Type expected) {
    byte[] h =
        head == null ? null : Arrays.copyOf(head, Math.min(head.length, MediaSniffer.HEAD_BYTES));
    assertThat(MediaSniffer.detect(h)).isEqualTo(expected);
  }

  @Test
  void shouldAcceptOnlyPngJpegWebpAndGifAsImagesAndMp4MovWebmAsVideos() {
    assertThat(Arrays.stream(Type.values()).filter(Type::acceptedImage))
        .containsExactly(Type.PNG, Type.JPEG, Type.WEBP, Type.GIF);
    assertThat(Arrays.stream(Type.values()).filter(Type::acceptedVideo))
        .containsExactly(Type.MP4, Type.MOV, Type.WEBM);
  }

  static Stream<Arguments> sizes() {
    return Stream.of(
        Arguments.of("PNG", Media.noisyPng(7, 3), 7L, 3L),
        Arguments.of(
            "crafted PNG 100000 x 100000",
            Media.craftedPng(100_000, 100_000, 1),
            100_000L,
            100_000L),
        Arguments.of(
            "crafted PNG 2^32-1 wide", Media.craftedPng(0xFFFFFFFFL, 1, 1), 0xFFFFFFFFL, 1L),
        Arguments.of("GIF", Media.gif(9, 5), 9L, 5L),
        Arguments.of("BMP", Media.bmp(6, 4), 6L, 4L),
        Arguments.of("WebP VP8X", Media.webpVp8x(16383, 2), 16383L, 2L),
        Arguments.of("WebP VP8L", Media.webpVp8l(300, 200), 300L, 200L),
        Arguments.of("WebP VP8", Media.webpVp8(640, 480), 640L, 480L));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sizes")
  void shouldReadTheDeclaredSizeFromTheHeaderWithoutDecoding(
      String name, byte[] file, long w, long h) {
    assertThat(
            MediaSniffer.dimensions(
                Arrays.copyOf(file, Math.min(file.length, MediaSniffer.HEAD_BYTES))))
        .containsExactly(w, h);
  }

  @Test
  void shouldGiveNoSizeForJpegVideosAndCutHeaders() {
    assertThat(MediaSniffer.dimensions(Media.jpeg(4, 4))).isNull();
    assertThat(MediaSniffer.dimensions(Media.ftyp("isom"))).isNull();
    assertThat(MediaSniffer.dimensions(Arrays.copyOf(Media.noisyPng(4, 4), 16))).isNull();
    assertThat(MediaSniffer.dimensions(Arrays.copyOf(Media.webpVp8x(4, 4), 20))).isNull();
  }

  @Test
  void shouldGiveEachTypeAMimeTypeAndTheAcceptedMediaTheirOwn() {
    assertThat(Type.PNG.mimeType()).isEqualTo("image/png");
    assertThat(Type.JPEG.mimeType()).isEqualTo("image/jpeg");
    assertThat(Type.WEBP.mimeType()).isEqualTo("image/webp");
    assertThat(Type.GIF.mimeType()).isEqualTo("image/gif");
    assertThat(Type.MP4.mimeType()).isEqualTo("video/mp4");
    assertThat(Type.MOV.mimeType()).isEqualTo("video/quicktime");
    assertThat(Type.WEBM.mimeType()).isEqualTo("video/webm");
    assertThat(MediaSniffer.detect(Media.jpeg(4, 4)).mimeType()).isEqualTo("image/jpeg");
    for (Type t : Type.values()) {
      assertThat(t.mimeType()).as(t.name()).matches("[a-z]+/[a-z0-9.+-]+");
      if (t.acceptedImage()) {
        assertThat(t.mimeType()).as(t.name()).startsWith("image/");
      }
      if (t.acceptedVideo()) {
        assertThat(t.mimeType()).as(t.name()).startsWith("video/");
      }
    }
  }
}
