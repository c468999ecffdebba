package dev.editstream.emulator;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import javax.imageio.ImageIO;

/**
 * The outputs shared by every job when {@link EmulatorConfig#renderOutputs()} is {@code false}: one
 * tiny PNG ({@value #PNG_WIDTH}x{@value #PNG_HEIGHT} px) and one small MP4 ({@link VideoRenderer}'s
 * synthetic clip), made once at start in {@code outputDir/.shared/}. Each job still gets its own
 * signed URLs ({@code /files/{request_id}/output-1.png}); the file sender answers them from here.
 */
final class SharedOutputs {
  /** Directory under the output directory holding the shared files. */
  static final String DIR = ".shared";

  static final int PNG_WIDTH = 64;
  static final int PNG_HEIGHT = 48;

  private final Path png;
  private final Path mp4;

  private SharedOutputs(Path png, Path mp4) {
    this.png = png;
    this.mp4 = mp4;
  }

  /**
   * Writes the shared files (blocking: call at start, off event loops).
   *
   * @throws UncheckedIOException if they cannot be written
   */
  static SharedOutputs create(Path outputDir) {
    try {
      Path dir = Files.createDirectories(outputDir.resolve(DIR));
      Path png = dir.resolve("output.png");
      BufferedImage small = new BufferedImage(PNG_WIDTH, PNG_HEIGHT, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = small.createGraphics();
      try {
        g.drawImage(OutputRenderer.synthetic(), 0, 0, PNG_WIDTH, PNG_HEIGHT, null);
      } finally {
        g.dispose();
      }
      if (!ImageIO.write(small, "png", png.toFile())) {
        throw new IOException("no PNG writer in this JVM");
      }
      Path mp4 = dir.resolve("output.mp4");
      VideoRenderer.render(null, "shared output", mp4);
      return new SharedOutputs(png, mp4);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the shared outputs in " + outputDir, e);
    }
  }

  /**
   * The shared file standing for an output named {@code name}: the MP4 for {@code .mp4}, the PNG
   * for {@code .png}.
   */
  Optional<Path> forName(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".mp4")
        ? Optional.of(mp4)
        : n.endsWith(".png") ? Optional.of(png) : Optional.empty();
  }
}
