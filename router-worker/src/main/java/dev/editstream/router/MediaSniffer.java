package dev.editstream.router;

import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Tells what a local input file is from its first bytes (magic numbers), never from its name, so a
 * text file saved as {@code .mp4} or an MP4 given as an image is refused before any paid call. Pure
 * and thread-safe: no file access, the caller reads the head ({@link #HEAD_BYTES} bytes are enough
 * for every type and for the dimensions of PNG, GIF, BMP and WebP).
 *
 * <p>Sources of the signatures: PNG (ISO/IEC 15948, signature and IHDR), JPEG (ITU T.81, SOI {@code
 * FF D8 FF}), GIF (GIF87a/89a), BMP ({@code BM}, BITMAPINFOHEADER), WebP (RIFF container, {@code
 * WEBP} form; VP8, VP8L and VP8X chunk headers), ISO base media ({@code ftyp} box at offset 4:
 * brand {@code qt } is QuickTime MOV, {@code heic}/{@code heix}/{@code mif1}/{@code avif} are
 * HEIF/AVIF still images, any other brand is MP4), WebM/Matroska (EBML {@code 1A 45 DF A3}).
 */
public final class MediaSniffer {
  /** Bytes of a file's head that {@link #detect} and {@link #dimensions} look at. */
  public static final int HEAD_BYTES = 64;

  /** What a file's content is. */
  public enum Type {
    PNG("PNG image", Kind.IMAGE, "image/png"),
    JPEG("JPEG image", Kind.IMAGE, "image/jpeg"),
    WEBP("WebP image", Kind.IMAGE, "image/webp"),
    GIF("GIF image", Kind.IMAGE, "image/gif"),
    BMP("BMP image", Kind.OTHER_IMAGE, "image/bmp"),
    TIFF("TIFF image", Kind.OTHER_IMAGE, "image/tiff"),
    HEIF("HEIF/AVIF image", Kind.OTHER_IMAGE, "image/heif"),
    MP4("MP4 video", Kind.VIDEO, "video/mp4"),
    MOV("QuickTime MOV video", Kind.VIDEO, "video/quicktime"),
    WEBM("WebM/Matroska video", Kind.VIDEO, "video/webm"),
    PDF("PDF document", Kind.OTHER, "application/pdf"),
    ZIP("ZIP archive", Kind.OTHER, "application/zip"),
    GZIP("gzip archive", Kind.OTHER, "application/gzip"),
    ELF("ELF executable", Kind.OTHER, "application/octet-stream"),
    PEM("PEM key or certificate", Kind.OTHER, "text/plain"),
    TEXT("text", Kind.OTHER, "text/plain"),
    EMPTY("an empty file", Kind.OTHER, "application/octet-stream"),
    UNKNOWN("unrecognised binary data", Kind.OTHER, "application/octet-stream");

    private final String label;
    private final Kind kind;
    private final String mimeType;

    Type(String label, Kind kind, String mimeType) {
      this.label = label;
      this.kind = kind;
      this.mimeType = mimeType;
    }

    /**
     * The MIME type of the content ({@code image/png}, {@code video/mp4}...), as stored with an
     * uploaded object; {@code application/octet-stream} when the content has no more precise type.
     */
    public String mimeType() {
      return mimeType;
    }

    /** The type in words, for messages ({@code "MP4 video"}). */
    public String label() {
      return label;
    }

    /** Whether RunComfy's image inputs take it: PNG, JPEG, WebP or GIF. */
    public boolean acceptedImage() {
      return kind == Kind.IMAGE;
    }

    /** Whether RunComfy's video inputs take it: MP4, MOV or WebM. */
    public boolean acceptedVideo() {
      return kind == Kind.VIDEO;
    }
  }

  private enum Kind {
    IMAGE,
    OTHER_IMAGE,
    VIDEO,
    OTHER
  }

  private MediaSniffer() {}

  /**
   * The type of a file from its first bytes.
   *
   * @param head the file's first bytes (up to {@link #HEAD_BYTES}; fewer when the file is shorter);
   *     {@code null} is treated as empty
   * @return the detected type; {@link Type#EMPTY} for no bytes, {@link Type#TEXT} for printable
   *     UTF-8 or ASCII without a known signature, {@link Type#UNKNOWN} otherwise
   */
  public static Type detect(byte @Nullable [] head) {
    if (head == null || head.length == 0) {
      return Type.EMPTY;
    }
    if (starts(head, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
      return Type.PNG;
    }
    if (starts(head, 0, 0xFF, 0xD8, 0xFF)) {
      return Type.JPEG;
    }
    if (ascii(head, 0, "GIF87a") || ascii(head, 0, "GIF89a")) {
      return Type.GIF;
    }
    if (ascii(head, 0, "RIFF") && ascii(head, 8, "WEBP")) {
      return Type.WEBP;
    }
    if (ascii(head, 0, "BM") && head.length >= 26 && u32le(head, 14) >= 12) {
      return Type.BMP;
    }
    if (starts(head, 0, 'I', 'I', 0x2A, 0x00) || starts(head, 0, 'M', 'M', 0x00, 0x2A)) {
      return Type.TIFF;
    }
    if (ascii(head, 4, "ftyp") && head.length >= 12) {
      String brand = new String(head, 8, 4, StandardCharsets.ISO_8859_1);
      return switch (brand) {
        case "qt  " -> Type.MOV;
        case "heic", "heix", "hevc", "heim", "heis", "mif1", "msf1", "avif", "avis" -> Type.HEIF;
        default -> Type.MP4;
      };
    }
    if (starts(head, 0, 0x1A, 0x45, 0xDF, 0xA3)) {
      return Type.WEBM;
    }
    if (ascii(head, 0, "%PDF-")) {
      return Type.PDF;
    }
    if (starts(head, 0, 'P', 'K', 0x03, 0x04) || starts(head, 0, 'P', 'K', 0x05, 0x06)) {
      return Type.ZIP;
    }
    if (starts(head, 0, 0x1F, 0x8B)) {
      return Type.GZIP;
    }
    if (starts(head, 0, 0x7F, 'E', 'L', 'F')) {
      return Type.ELF;
    }
    if (ascii(head, 0, "-----BEGIN ")) {
      return Type.PEM;
    }
    return looksLikeText(head) ? Type.TEXT : Type.UNKNOWN;
  }

  /**
   * Width and height, px, read from the head of a PNG (IHDR), GIF (logical screen), BMP (info
   * header; a negative height means top-down) or WebP (VP8, VP8L or VP8X chunk) file.
   *
   * @param head the file's first bytes (at least 30 for WebP)
   * @return {@code [width, height]} as declared by the header (not decoded, may be huge), or {@code
   *     null} for another type (JPEG: its size sits after a variable number of segments) or a
   *     header too short or malformed to read
   */
  public static long @Nullable [] dimensions(byte[] head) {
    Type t = detect(head);
    switch (t) {
      case PNG -> {
        if (head.length < 24 || !ascii(head, 12, "IHDR")) {
          return null;
        }
        return new long[] {u32be(head, 16), u32be(head, 20)};
      }
      case GIF -> {
        return head.length < 10 ? null : new long[] {u16le(head, 6), u16le(head, 8)};
      }
      case BMP -> {
        if (head.length < 26) {
          return null;
        }
        if (u32le(head, 14) == 12) {
          return new long[] {u16le(head, 18), u16le(head, 20)};
        }
        int w = (int) u32le(head, 18);
        int h = (int) u32le(head, 22);
        return new long[] {Math.abs((long) w), Math.abs((long) h)};
      }
      case WEBP -> {
        return webp(head);
      }
      default -> {
        return null;
      }
    }
  }

  private static long @Nullable [] webp(byte[] h) {
    if (h.length < 30) {
      return null;
    }
    if (ascii(h, 12, "VP8X")) {
      return new long[] {1 + u24le(h, 24), 1 + u24le(h, 27)};
    }
    if (ascii(h, 12, "VP8L") && (h[20] & 0xFF) == 0x2F) {
      long bits = u32le(h, 21);
      return new long[] {1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)};
    }
    if (ascii(h, 12, "VP8 ") && starts(h, 23, 0x9D, 0x01, 0x2A)) {
      return new long[] {u16le(h, 26) & 0x3FFF, u16le(h, 28) & 0x3FFF};
    }
    return null;
  }

  /**
   * Printable ASCII or UTF-8 (tab, CR, LF allowed; a cut multi-byte sequence at the end is fine).
   */
  private static boolean looksLikeText(byte[] head) {
    int i = 0;
    if (starts(head, 0, 0xEF, 0xBB, 0xBF)) {
      i = 3;
    }
    while (i < head.length) {
      int b = head[i] & 0xFF;
      if (b < 0x80) {
        if ((b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != 0x0C) || b == 0x7F) {
          return false;
        }
        i++;
        continue;
      }
      int n = b >= 0xF0 && b <= 0xF4 ? 3 : b >= 0xE0 ? 2 : b >= 0xC2 && b < 0xE0 ? 1 : -1;
      if (n < 0 || b > 0xF4) {
        return false;
      }
      for (int k = 1; k <= n; k++) {
        if (i + k >= head.length) {
          return true;
        }
        if ((head[i + k] & 0xC0) != 0x80) {
          return false;
        }
      }
      i += n + 1;
    }
    return true;
  }

  private static boolean starts(byte[] b, int at, int... sig) {
    if (b.length < at + sig.length) {
      return false;
    }
    for (int i = 0; i < sig.length; i++) {
      if ((b[at + i] & 0xFF) != sig[i]) {
        return false;
      }
    }
    return true;
  }

  private static boolean ascii(byte[] b, int at, String s) {
    if (b.length < at + s.length()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (b[at + i] != (byte) s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static long u32be(byte[] b, int at) {
    return ((b[at] & 0xFFL) << 24)
        | ((b[at + 1] & 0xFFL) << 16)
        | ((b[at + 2] & 0xFFL) << 8)
        | (b[at + 3] & 0xFFL);
  }

  private static long u32le(byte[] b, int at) {
    return ((b[at + 3] & 0xFFL) << 24)
        | ((b[at + 2] & 0xFFL) << 16)
        | ((b[at + 1] & 0xFFL) << 8)
        | (b[at] & 0xFFL);
  }

  private static long u24le(byte[] b, int at) {
    return ((b[at + 2] & 0xFFL) << 16) | ((b[at + 1] & 0xFFL) << 8) | (b[at] & 0xFFL);
  }

  private static long u16le(byte[] b, int at) {
    return ((b[at + 1] & 0xFFL) << 8) | (b[at] & 0xFFL);
  }
}
