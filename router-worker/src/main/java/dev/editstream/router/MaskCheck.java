package dev.editstream.router;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.jspecify.annotations.Nullable;

/**
 * Checks an inpainting mask before it is paid for, as RunComfy's image-inpainting skill advises
 * ({@code ../shared/docs/routing.md}: white = fill, black = keep; "a mask reused from another image
 * (size mismatch) is a common cause of bad inpaints"; "a mask edge softened by 1-3 px blends better
 * than a hard one"). Pure over bytes (Java ImageIO decoding, no file or network access);
 * thread-safe.
 *
 * <p>The mask must decode, be grayscale or RGB(A) (converted to luminance, Rec. 601 weights; alpha
 * composes over black, so a transparent pixel keeps), have the image's size, and have at least one
 * white pixel (luminance &ge; {@value #WHITE}) and at least one that is not.
 */
public final class MaskCheck {
  /** The luminance (0..255) from which a mask pixel means "fill". */
  public static final int WHITE = 128;

  /** The widest feathering accepted, px. */
  public static final int MAX_FEATHER_PX = 3;

  private MaskCheck() {}

  /**
   * What the check found.
   *
   * @param width mask width, px
   * @param height mask height, px
   * @param whitePixels pixels with luminance &ge; {@value #WHITE} (the region to fill)
   * @param sizeChecked whether the image could be read, so its size was compared
   * @param featheredPng the feathered mask as an 8-bit grayscale PNG, or {@code null} when no
   *     feathering was asked
   */
  @SuppressWarnings("ArrayRecordComponent") // a value handed on, never compared or hashed
  public record Result(
      int width,
      int height,
      long whitePixels,
      boolean sizeChecked,
      byte @Nullable [] featheredPng) {
    /** Whether a feathered mask was produced. */
    public boolean feathered() {
      return featheredPng != null;
    }
  }

  /**
   * Checks a mask against its image and optionally feathers it.
   *
   * @param image the image the mask belongs to (any format ImageIO reads; only its header is read),
   *     or {@code null} when it is not available locally; an image ImageIO cannot read skips the
   *     size comparison ({@link Result#sizeChecked()} false) rather than fail, since the model may
   *     read formats ImageIO does not (WebP)
   * @param mask the mask file's bytes
   * @param featherPx 0 for none, or 1..{@value #MAX_FEATHER_PX}: the radius of a box blur applied
   *     to the mask, which softens its edges by that many pixels and leaves flat areas as they are
   * @return the mask's size, white pixel count and the feathered PNG
   * @throws StageException {@link ExitClass#DATA}, reason {@code mask}, message {@code mask: ...}
   *     naming the problem (does not decode, unsupported colour space, sizes of both mask and image
   *     on a mismatch, empty, all white)
   * @throws IllegalArgumentException if {@code featherPx} is outside 0..{@value #MAX_FEATHER_PX}
   */
  public static Result check(byte @Nullable [] image, byte[] mask, int featherPx) {
    return check(
        image == null ? null : imageSize(image), mask, featherPx, LocalInputs.Limits.DEFAULTS);
  }

  /**
   * Checks a mask against its image's size and optionally feathers it, never decoding more pixels
   * than {@code limits} allow: the mask's header is read first, so a decompression bomb (a small
   * file declaring a huge image) is refused before any pixel buffer is allocated.
   *
   * @param imageSize the image's {@code [width, height]} read from its header, or {@code null} when
   *     unknown (the size comparison is skipped, {@link Result#sizeChecked()} false)
   * @param mask the mask file's bytes (read by the caller within its byte limit)
   * @param featherPx as in {@link #check(byte[], byte[], int)}
   * @param limits {@link LocalInputs.Limits#maxPixels()} for the mask, {@link
   *     LocalInputs.Limits#maxFeatherPixels()} when feathering
   * @throws StageException class 65: reason {@code input_too_large} when the mask's header declares
   *     more pixels than allowed (or than feathering allows), else as {@link #check(byte[], byte[],
   *     int)}
   */
  public static Result check(
      int @Nullable [] imageSize, byte[] mask, int featherPx, LocalInputs.Limits limits) {
    if (featherPx < 0 || featherPx > MAX_FEATHER_PX) {
      throw new IllegalArgumentException(
          "featherPx must be 0.." + MAX_FEATHER_PX + ", was " + featherPx);
    }
    int[] declared = imageSize(mask);
    if (declared == null) {
      throw fail("does not decode as an image (no readable header; use PNG)");
    }
    long pixels = (long) declared[0] * declared[1];
    if (pixels > limits.maxPixels()) {
      throw tooLarge(
          String.format(
              java.util.Locale.ROOT,
              "%d x %d px (%.1f MP), more than the %.1f MP limit",
              declared[0],
              declared[1],
              pixels / 1e6,
              limits.maxPixels() / 1e6));
    }
    if (featherPx > 0 && pixels > limits.maxFeatherPixels()) {
      throw tooLarge(
          String.format(
              java.util.Locale.ROOT,
              "%d x %d px (%.1f MP): feathering is done only up to %.1f MP; "
                  + "feather it yourself or drop %s",
              declared[0],
              declared[1],
              pixels / 1e6,
              limits.maxFeatherPixels() / 1e6,
              "mask_feather_px"));
    }
    BufferedImage m = decode(mask);
    int w = m.getWidth();
    int h = m.getHeight();
    int[] size = imageSize;
    if (size != null && (size[0] != w || size[1] != h)) {
      throw fail(
          "size "
              + w
              + "x"
              + h
              + " does not match the image's "
              + size[0]
              + "x"
              + size[1]
              + " (a mask made for another image?)");
    }
    byte[] lum = luminance(m);
    long white = 0;
    for (byte b : lum) {
      if ((b & 0xFF) >= WHITE) {
        white++;
      }
    }
    if (white == 0) {
      throw fail("empty: no white pixel (luminance >= " + WHITE + "), so there is nothing to fill");
    }
    if (white == lum.length) {
      throw fail("all white: every pixel would be replaced; paint only the region to edit white");
    }
    byte[] png = featherPx == 0 ? null : png(boxBlur(lum, w, h, featherPx), w, h);
    return new Result(w, h, white, size != null, png);
  }

  private static StageException tooLarge(String what) {
    return new StageException(ExitClass.DATA, FailureReason.INPUT_TOO_LARGE, "mask: " + what);
  }

  private static BufferedImage decode(byte[] bytes) {
    BufferedImage img;
    try {
      img = ImageIO.read(new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes)));
    } catch (IOException | RuntimeException e) {
      throw fail("does not decode as an image (" + e.getClass().getSimpleName() + ")");
    }
    if (img == null) {
      throw fail("does not decode as an image (no reader for its format; use PNG)");
    }
    return img;
  }

  /**
   * {@code [width, height]} from the image's header, or {@code null} when ImageIO cannot read it.
   */
  static int @Nullable [] imageSize(byte[] image) {
    return headerSize(new MemoryCacheImageInputStream(new ByteArrayInputStream(image)));
  }

  /**
   * {@code [width, height]} from a local image file's header (nothing else is read), or {@code
   * null}.
   */
  static int @Nullable [] imageSize(java.io.File file) {
    return headerSize(file);
  }

  private static int @Nullable [] headerSize(Object input) {
    try (ImageInputStream in =
        input instanceof ImageInputStream iis ? iis : ImageIO.createImageInputStream(input)) {
      Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
      if (readers == null || !readers.hasNext()) {
        return null;
      }
      ImageReader r = readers.next();
      try {
        r.setInput(in);
        return new int[] {r.getWidth(0), r.getHeight(0)};
      } finally {
        r.dispose();
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The mask as one luminance byte per pixel, row by row. Gray images use their sample directly
   * (scaled to 8 bits), RGB ones Rec. 601 luminance; alpha, when present, composes over black.
   *
   * @throws StageException class 65 for a colour space that is neither gray nor RGB
   */
  static byte[] luminance(BufferedImage img) {
    ColorModel cm = img.getColorModel();
    int type = cm.getColorSpace().getType();
    int w = img.getWidth();
    int h = img.getHeight();
    byte[] out = new byte[w * h];
    if (type == ColorSpace.TYPE_GRAY) {
      Raster r = img.getRaster();
      int max = (1 << cm.getComponentSize(0)) - 1;
      boolean alpha = cm.hasAlpha() && r.getNumBands() > 1;
      int amax = alpha ? (1 << cm.getComponentSize(1)) - 1 : 1;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          long v = (long) r.getSample(x, y, 0) * 255 / max;
          if (alpha) {
            v = v * r.getSample(x, y, 1) / amax;
          }
          out[y * w + x] = (byte) v;
        }
      }
      return out;
    }
    if (type != ColorSpace.TYPE_RGB) {
      throw fail(
          "colour space type "
              + type
              + " is neither grayscale nor RGB; save the mask as a grayscale PNG");
    }
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int argb = img.getRGB(x, y);
        int a = argb >>> 24;
        int lum =
            (299 * ((argb >> 16) & 0xFF) + 587 * ((argb >> 8) & 0xFF) + 114 * (argb & 0xFF) + 500)
                / 1000;
        out[y * w + x] = (byte) (lum * a / 255);
      }
    }
    return out;
  }

  /**
   * A box blur of radius {@code r} (window {@code 2r+1}), horizontal then vertical, edges clamped.
   */
  static byte[] boxBlur(byte[] src, int w, int h, int r) {
    int[] tmp = new int[w * h];
    int win = 2 * r + 1;
    for (int y = 0; y < h; y++) {
      int row = y * w;
      for (int x = 0; x < w; x++) {
        int sum = 0;
        for (int k = -r; k <= r; k++) {
          sum += src[row + clamp(x + k, w)] & 0xFF;
        }
        tmp[row + x] = sum;
      }
    }
    byte[] out = new byte[w * h];
    int div = win * win;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int sum = 0;
        for (int k = -r; k <= r; k++) {
          sum += tmp[clamp(y + k, h) * w + x];
        }
        out[y * w + x] = (byte) ((sum + div / 2) / div);
      }
    }
    return out;
  }

  private static int clamp(int i, int n) {
    return i < 0 ? 0 : Math.min(i, n - 1);
  }

  private static byte[] png(byte[] lum, int w, int h) {
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    WritableRaster r = out.getRaster();
    r.setDataElements(0, 0, w, h, lum);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      ImageIO.write(out, "png", bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode the feathered mask as PNG", e);
    }
    return bytes.toByteArray();
  }

  private static StageException fail(String what) {
    return new StageException(ExitClass.DATA, FailureReason.MASK, "mask: " + what);
  }

  /**
   * The same failure for one job: message {@code job <id>: mask: ...}.
   *
   * @param jobId the job's id
   * @param e a failure of {@link #check}
   */
  public static StageException forJob(String jobId, StageException e) {
    return new StageException(
        e.exitClass(), e.reasonText(), "job " + jobId + ": " + e.getMessage());
  }
}
