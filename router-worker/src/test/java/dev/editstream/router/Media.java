package dev.editstream.router;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** Media fixtures: real encoded images, and crafted headers (huge declared sizes, other types). */
final class Media {
  private Media() {}

  /** A PNG of random pixels (does not compress: about 3 bytes a pixel). */
  static byte[] noisyPng(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Random r = new Random(7);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, r.nextInt(0xFFFFFF));
      }
    }
    return MaskCheckTest.encode(img, "png");
  }

  /** A real JPEG of {@code w x h}. */
  static byte[] jpeg(int w, int h) {
    return MaskCheckTest.encode(new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB), "jpg");
  }

  /** A real GIF of {@code w x h}. */
  static byte[] gif(int w, int h) {
    return MaskCheckTest.encode(new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED), "gif");
  }

  /** A real BMP of {@code w x h}. */
  static byte[] bmp(int w, int h) {
    return MaskCheckTest.encode(new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB), "bmp");
  }

  /**
   * A PNG whose IHDR declares {@code w x h} (8-bit grayscale) followed by a tiny IDAT: {@code rows}
   * rows of zeros deflated (a decompression bomb when {@code rows == h}: all zeros compress about
   * 1000:1).
   */
  static byte[] craftedPng(long w, long h, int rows) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
    byte[] ihdr = new byte[13];
    put32(ihdr, 0, w);
    put32(ihdr, 4, h);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 0; // grayscale
    chunk(out, "IHDR", ihdr);
    Deflater d = new Deflater(9);
    byte[] row = new byte[(int) Math.min(w + 1, 1 << 20)];
    ByteArrayOutputStream z = new ByteArrayOutputStream();
    byte[] buf = new byte[65536];
    for (int i = 0; i < rows; i++) {
      d.setInput(row);
      while (!d.needsInput()) {
        z.write(buf, 0, d.deflate(buf));
      }
    }
    d.finish();
    while (!d.finished()) {
      z.write(buf, 0, d.deflate(buf));
    }
    chunk(out, "IDAT", z.toByteArray());
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] len = new byte[4];
    put32(len, 0, data.length);
    out.writeBytes(len);
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    out.writeBytes(t);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    byte[] c = new byte[4];
    put32(c, 0, crc.getValue());
    out.writeBytes(c);
  }

  private static void put32(byte[] b, int at, long v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }

  /** The head of an ISO base media file: an {@code ftyp} box with {@code brand}, then padding. */
  static byte[] ftyp(String brand) {
    byte[] b = new byte[64];
    b[3] = 0x18;
    System.arraycopy("ftyp".getBytes(StandardCharsets.US_ASCII), 0, b, 4, 4);
    System.arraycopy(brand.getBytes(StandardCharsets.US_ASCII), 0, b, 8, 4);
    System.arraycopy("isommp42".getBytes(StandardCharsets.US_ASCII), 0, b, 16, 8);
    return b;
  }

  /** The head of a WebM file (EBML header with DocType webm). */
  static byte[] webm() {
    byte[] b = new byte[64];
    byte[] h = {
      0x1A,
      0x45,
      (byte) 0xDF,
      (byte) 0xA3,
      (byte) 0x9F,
      0x42,
      (byte) 0x86,
      (byte) 0x81,
      0x01,
      0x42,
      (byte) 0x82,
      (byte) 0x84,
      'w',
      'e',
      'b',
      'm'
    };
    System.arraycopy(h, 0, b, 0, h.length);
    return b;
  }

  /** A WebP head: a RIFF/WEBP container with a VP8X chunk declaring {@code w x h}. */
  static byte[] webpVp8x(int w, int h) {
    byte[] b = new byte[40];
    System.arraycopy("RIFF".getBytes(StandardCharsets.US_ASCII), 0, b, 0, 4);
    b[4] = 32;
    System.arraycopy("WEBPVP8X".getBytes(StandardCharsets.US_ASCII), 0, b, 8, 8);
    b[16] = 10;
    put24le(b, 24, w - 1);
    put24le(b, 27, h - 1);
    return b;
  }

  /** A lossless WebP head (VP8L) declaring {@code w x h}. */
  static byte[] webpVp8l(int w, int h) {
    byte[] b = new byte[40];
    System.arraycopy("RIFF".getBytes(StandardCharsets.US_ASCII), 0, b, 0, 4);
    b[4] = 32;
    System.arraycopy("WEBPVP8L".getBytes(StandardCharsets.US_ASCII), 0, b, 8, 8);
    b[16] = 10;
    b[20] = 0x2F;
    long bits = (w - 1L) | ((h - 1L) << 14);
    b[21] = (byte) bits;
    b[22] = (byte) (bits >>> 8);
    b[23] = (byte) (bits >>> 16);
    b[24] = (byte) (bits >>> 24);
    return b;
  }

  /** A lossy WebP head (VP8 key frame) declaring {@code w x h}. */
  static byte[] webpVp8(int w, int h) {
    byte[] b = new byte[40];
    System.arraycopy("RIFF".getBytes(StandardCharsets.US_ASCII), 0, b, 0, 4);
    b[4] = 32;
    System.arraycopy("WEBPVP8 ".getBytes(StandardCharsets.US_ASCII), 0, b, 8, 8);
    b[16] = 10;
    b[23] = (byte) 0x9D;
    b[24] = 0x01;
    b[25] = 0x2A;
    b[26] = (byte) w;
    b[27] = (byte) (w >>> 8);
    b[28] = (byte) h;
    b[29] = (byte) (h >>> 8);
    return b;
  }

  private static void put24le(byte[] b, int at, int v) {
    b[at] = (byte) v;
    b[at + 1] = (byte) (v >>> 8);
    b[at + 2] = (byte) (v >>> 16);
  }

  static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
