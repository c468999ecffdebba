package dev.editstream.emulator;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import org.jspecify.annotations.Nullable;

/**
 * The visible, model-specific changes the emulator makes to an input picture, so that an output is
 * recognisably derived from its input and from the model that "made" it. Pure pixel work on {@link
 * BufferedImage}s (headless AWT); every method returns a new image and leaves its input unchanged.
 */
public final class ImageEffects {
  /** Longest side of a working image, px; larger inputs are scaled down first. */
  public static final int MAX_SIDE = 2048;

  /** The change a model makes. */
  public enum Effect {
    /** warm tint and a coloured border (google/nano-banana) */
    WARM_BORDER,
    /** a dark banner band with the prompt's first words (openai/gpt-image) */
    BANNER,
    /** a dark vignette (blackforestlabs/flux-kontext) */
    VIGNETTE,
    /** the mask's white region filled with a flat colour (tongyi-mai/z-image inpainting) */
    INPAINT,
    /** sepia (bytedance/seedream, one output per input) */
    SEPIA,
    /** grayscale, for any other image model */
    GRAYSCALE;

    /** The effect of a model_id, by its family name. */
    public static Effect forModel(String modelId) {
      String m = modelId.toLowerCase(java.util.Locale.ROOT);
      if (m.contains("nano-banana")) {
        return WARM_BORDER;
      }
      if (m.contains("gpt-image")) {
        return BANNER;
      }
      if (m.contains("flux")) {
        return VIGNETTE;
      }
      if (m.contains("inpainting")) {
        return INPAINT;
      }
      if (m.contains("seedream")) {
        return SEPIA;
      }
      return GRAYSCALE;
    }
  }

  private ImageEffects() {}

  /**
   * Applies a model's effect and the caption {@code emulated <model_id>}.
   *
   * @param effect the change
   * @param src the decoded input
   * @param mask the decoded mask (white = region to fill) for {@link Effect#INPAINT}, else ignored;
   *     may be {@code null}, then the centre of the picture is filled
   * @param prompt the job's prompt (banner text); may be {@code null}
   * @param modelId for the caption
   * @param variant 0-based variant index; variants differ in tint
   * @return a new RGB image
   */
  public static BufferedImage apply(
      Effect effect,
      BufferedImage src,
      @Nullable BufferedImage mask,
      @Nullable String prompt,
      String modelId,
      int variant) {
    BufferedImage img = toRgb(src, MAX_SIDE);
    switch (effect) {
      case WARM_BORDER -> {
        tint(img, 40 + 25 * variant, 10, -40 + 20 * variant);
        border(img, new Color(255, 140 - Math.min(100, 30 * variant), 0));
      }
      case BANNER -> banner(img, firstWords(prompt, 6));
      case VIGNETTE -> vignette(img);
      case INPAINT -> inpaint(img, mask);
      case SEPIA -> sepia(img);
      default -> grayscale(img);
    }
    caption(img, "emulated " + modelId);
    return img;
  }

  /**
   * A copy as {@code TYPE_INT_RGB}, scaled down so that its longest side is at most {@code maxSide}
   * px.
   */
  public static BufferedImage toRgb(BufferedImage src, int maxSide) {
    double k = Math.min(1.0, (double) maxSide / Math.max(src.getWidth(), src.getHeight()));
    int w = Math.max(1, (int) Math.round(src.getWidth() * k));
    int h = Math.max(1, (int) Math.round(src.getHeight() * k));
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, w, h);
      g.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(src, 0, 0, w, h, null);
    } finally {
      g.dispose();
    }
    return out;
  }

  /** Adds {@code dr, dg, db} to every pixel (clamped), in place. */
  static void tint(BufferedImage img, int dr, int dg, int db) {
    forEachPixel(img, (r, g, b) -> rgb(r + dr, g + dg, b + db));
  }

  /** Sepia tone, in place. */
  static void sepia(BufferedImage img) {
    forEachPixel(
        img,
        (r, g, b) ->
            rgb(
                (int) (0.393 * r + 0.769 * g + 0.189 * b),
                (int) (0.349 * r + 0.686 * g + 0.168 * b),
                (int) (0.272 * r + 0.534 * g + 0.131 * b)));
  }

  /** Grayscale, in place. */
  static void grayscale(BufferedImage img) {
    forEachPixel(
        img,
        (r, g, b) -> {
          int y = (int) (0.299 * r + 0.587 * g + 0.114 * b);
          return rgb(y, y, y);
        });
  }

  /** Darkens pixels by their distance from the centre (up to 75 % at the corners), in place. */
  static void vignette(BufferedImage img) {
    double cx = img.getWidth() / 2.0;
    double cy = img.getHeight() / 2.0;
    double max = Math.hypot(cx, cy);
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        double d = Math.hypot(x - cx, y - cy) / max;
        double k = 1.0 - 0.75 * d * d;
        int p = img.getRGB(x, y);
        img.setRGB(
            x,
            y,
            rgb(
                (int) (((p >> 16) & 0xFF) * k),
                (int) (((p >> 8) & 0xFF) * k),
                (int) ((p & 0xFF) * k)));
      }
    }
  }

  /**
   * Fills the mask's white region (luminance above 127; the mask is scaled to the picture) with a
   * flat teal mixed 70/30 with the picture's mean colour, in place. Without a mask the centre third
   * is filled.
   */
  static void inpaint(BufferedImage img, @Nullable BufferedImage mask) {
    int w = img.getWidth();
    int h = img.getHeight();
    BufferedImage m = mask == null ? null : toRgb(scaled(mask, w, h), Integer.MAX_VALUE);
    long sr = 0;
    long sg = 0;
    long sb = 0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int p = img.getRGB(x, y);
        sr += (p >> 16) & 0xFF;
        sg += (p >> 8) & 0xFF;
        sb += p & 0xFF;
      }
    }
    long n = (long) w * h;
    int fill =
        rgb(
            (int) (0.3 * sr / n),
            (int) (0.3 * sg / n + 0.7 * 160),
            (int) (0.3 * sb / n + 0.7 * 170));
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        boolean inside =
            m == null
                ? x >= w / 3 && x < 2 * w / 3 && y >= h / 3 && y < 2 * h / 3
                : luminance(m.getRGB(x, y)) > 127;
        if (inside) {
          img.setRGB(x, y, fill);
        }
      }
    }
  }

  /** A coloured frame 4 % of the shorter side wide, in place. */
  static void border(BufferedImage img, Color colour) {
    int t = Math.max(2, Math.min(img.getWidth(), img.getHeight()) / 25);
    Graphics2D g = img.createGraphics();
    try {
      g.setColor(colour);
      g.fillRect(0, 0, img.getWidth(), t);
      g.fillRect(0, img.getHeight() - t, img.getWidth(), t);
      g.fillRect(0, 0, t, img.getHeight());
      g.fillRect(img.getWidth() - t, 0, t, img.getHeight());
    } finally {
      g.dispose();
    }
  }

  /**
   * A dark band over the bottom 15 % with {@code text} in it, in place; the band shows even without
   * fonts.
   */
  static void banner(BufferedImage img, String text) {
    int band = Math.max(8, img.getHeight() * 15 / 100);
    Graphics2D g = img.createGraphics();
    try {
      g.setColor(new Color(20, 20, 60));
      g.fillRect(0, img.getHeight() - band, img.getWidth(), band);
      drawText(g, text, band / 8, img.getHeight() - band / 3, Math.max(8, band / 2), Color.WHITE);
    } finally {
      g.dispose();
    }
  }

  /**
   * A caption box at the top left, in place: a dark box that shows even when no font can be loaded.
   */
  static void caption(BufferedImage img, String text) {
    int size = Math.max(8, Math.min(img.getWidth(), img.getHeight()) / 24);
    Graphics2D g = img.createGraphics();
    try {
      int boxW = Math.min(img.getWidth(), (int) (size * 0.62 * text.length()) + size);
      g.setColor(new Color(0, 0, 0, 160));
      g.fillRect(0, 0, boxW, size * 2);
      drawText(g, text, size / 2, size * 3 / 2, size, Color.YELLOW);
    } finally {
      g.dispose();
    }
  }

  /** The first {@code n} words of the prompt, or "" for none. */
  static String firstWords(@Nullable String prompt, int n) {
    if (prompt == null || prompt.isBlank()) {
      return "";
    }
    String[] words = prompt.trim().split("\\s+");
    return String.join(" ", java.util.Arrays.copyOf(words, Math.min(n, words.length)));
  }

  /** Draws text; a missing font system (headless JVM without fontconfig) only loses the text. */
  private static void drawText(Graphics2D g, String text, int x, int y, int size, Color colour) {
    try {
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, size));
      g.setColor(colour);
      g.drawString(text, x, y);
    } catch (RuntimeException | LinkageError | InternalError e) {
      // No usable font in this JVM: the band or box drawn before the text still marks the image.
    }
  }

  private static BufferedImage scaled(BufferedImage src, int w, int h) {
    if (src.getWidth() == w && src.getHeight() == h) {
      return src;
    }
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.drawImage(src, 0, 0, w, h, null);
    } finally {
      g.dispose();
    }
    return out;
  }

  private interface PixelOp {
    int apply(int r, int g, int b);
  }

  private static void forEachPixel(BufferedImage img, PixelOp op) {
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int p = img.getRGB(x, y);
        img.setRGB(x, y, op.apply((p >> 16) & 0xFF, (p >> 8) & 0xFF, p & 0xFF));
      }
    }
  }

  static int luminance(int p) {
    return (int) (0.299 * ((p >> 16) & 0xFF) + 0.587 * ((p >> 8) & 0xFF) + 0.114 * (p & 0xFF));
  }

  static int rgb(int r, int g, int b) {
    return (clamp(r) << 16) | (clamp(g) << 8) | clamp(b);
  }

  private static int clamp(int v) {
    return Math.max(0, Math.min(255, v));
  }
}
