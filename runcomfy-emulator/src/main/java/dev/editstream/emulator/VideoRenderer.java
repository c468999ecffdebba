package dev.editstream.emulator;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jcodec.api.FrameGrab;
import org.jcodec.api.awt.AWTSequenceEncoder;
import org.jcodec.common.io.ByteBufferSeekableByteChannel;
import org.jcodec.common.io.FileChannelWrapper;
import org.jcodec.common.io.NIOUtils;
import org.jcodec.common.model.Picture;
import org.jcodec.common.model.Rational;
import org.jcodec.scale.AWTUtil;
import org.jspecify.annotations.Nullable;

/**
 * Writes a real H.264 MP4 (jcodec) for a video job: {@link #FRAMES} frames at {@link #FPS} fps (2
 * s), {@link #WIDTH}x{@link #HEIGHT} px. When the input is an MP4 jcodec can decode, its first
 * frames are used, tinted and captioned; otherwise (WebM, undecodable, no input) the frames show a
 * moving bar and the caption. Blocking CPU and file work: call it off event loops.
 */
public final class VideoRenderer {
  /** Frame rate of outputs, frames per second. */
  public static final int FPS = 10;

  /** Frame count of outputs (2 s). */
  public static final int FRAMES = 20;

  /** Output width, px. */
  public static final int WIDTH = 320;

  /** Output height, px. */
  public static final int HEIGHT = 180;

  private VideoRenderer() {}

  /**
   * Renders the output video.
   *
   * @param input the input video's bytes, or {@code null}
   * @param modelId for the caption
   * @param target the MP4 file to write (replaced if present)
   * @throws IOException if the file cannot be written
   */
  public static void render(byte @Nullable [] input, String modelId, Path target)
      throws IOException {
    List<BufferedImage> source = input == null ? List.of() : decodeFirstFrames(input, FRAMES);
    FileChannelWrapper out = NIOUtils.writableChannel(target.toFile());
    try {
      AWTSequenceEncoder enc = new AWTSequenceEncoder(out, Rational.R(FPS, 1));
      for (int i = 0; i < FRAMES; i++) {
        BufferedImage frame =
            source.isEmpty() ? movingBar(i) : tinted(source.get(Math.min(i, source.size() - 1)));
        ImageEffects.caption(frame, "emulated " + modelId);
        enc.encodeImage(frame);
      }
      enc.finish();
    } finally {
      NIOUtils.closeQuietly(out);
    }
  }

  /**
   * Decodes up to {@code max} frames from the start of an MP4, scaled to the output size.
   *
   * @return the frames; empty when jcodec cannot read the container or codec
   */
  static List<BufferedImage> decodeFirstFrames(byte[] mp4, int max) {
    List<BufferedImage> frames = new ArrayList<>();
    try {
      FrameGrab grab =
          FrameGrab.createFrameGrab(
              ByteBufferSeekableByteChannel.readFromByteBuffer(ByteBuffer.wrap(mp4)));
      Picture p;
      while (frames.size() < max && (p = grab.getNativeFrame()) != null) {
        frames.add(fit(AWTUtil.toBufferedImage(p)));
      }
    } catch (Exception | LinkageError e) {
      // Not an MP4/H.264 stream jcodec can decode (e.g. WebM): keep the frames decoded so far;
      // with none, the caller draws synthetic frames.
    }
    return frames;
  }

  private static BufferedImage fit(BufferedImage src) {
    BufferedImage out = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = out.createGraphics();
    try {
      g.drawImage(src, 0, 0, WIDTH, HEIGHT, null);
    } finally {
      g.dispose();
    }
    return out;
  }

  private static BufferedImage tinted(BufferedImage frame) {
    BufferedImage out = fit(frame);
    for (int y = 0; y < HEIGHT; y++) {
      for (int x = 0; x < WIDTH; x++) {
        int p = out.getRGB(x, y);
        out.setRGB(
            x,
            y,
            ImageEffects.rgb(((p >> 16) & 0xFF) / 2, ((p >> 8) & 0xFF) + 50, (p & 0xFF) + 70));
      }
    }
    return out;
  }

  /** A synthetic frame: dark blue background with an orange bar moving left to right. */
  static BufferedImage movingBar(int index) {
    BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = img.createGraphics();
    try {
      g.setColor(new Color(20, 30, 80));
      g.fillRect(0, 0, WIDTH, HEIGHT);
      g.setColor(new Color(255, 150, 0));
      int x = (WIDTH - 40) * index / Math.max(1, FRAMES - 1);
      g.fillRect(x, HEIGHT / 3, 40, HEIGHT / 2);
    } finally {
      g.dispose();
    }
    return img;
  }
}
