package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MaskCheckTest {
  /** A PNG of the given type, black, with a white rectangle (x, y, w, h) unless {@code rw} is 0. */
  static byte[] png(int type, int width, int height, int rx, int ry, int rw, int rh) {
    BufferedImage img = new BufferedImage(width, height, type);
    Graphics2D g = img.createGraphics();
    g.setColor(type == BufferedImage.TYPE_INT_ARGB ? new Color(0, 0, 0, 255) : Color.BLACK);
    g.fillRect(0, 0, width, height);
    g.setColor(Color.WHITE);
    g.fillRect(rx, ry, rw, rh);
    g.dispose();
    return encode(img, "png");
  }

  static byte[] encode(BufferedImage img, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, format, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] mask(int w, int h) {
    return png(BufferedImage.TYPE_BYTE_GRAY, w, h, w / 4, h / 4, w / 2, h / 2);
  }

  static byte[] image(int w, int h) {
    return png(BufferedImage.TYPE_INT_RGB, w, h, 0, 0, 0, 0);
  }

  private static StageException failure(byte[] image, byte[] mask) {
    try {
      MaskCheck.check(image, mask, 0);
    } catch (StageException e) {
      return e;
    }
    throw new AssertionError("the mask was accepted");
  }

  @Test
  void shouldAcceptAGrayMaskOfTheImagesSize() {
    MaskCheck.Result r = MaskCheck.check(image(40, 20), mask(40, 20), 0);

    assertThat(r.width()).isEqualTo(40);
    assertThat(r.height()).isEqualTo(20);
    assertThat(r.whitePixels()).isEqualTo(20 * 10);
    assertThat(r.sizeChecked()).isTrue();
    assertThat(r.feathered()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      ints = {
        BufferedImage.TYPE_INT_RGB,
        BufferedImage.TYPE_INT_ARGB,
        BufferedImage.TYPE_3BYTE_BGR,
        BufferedImage.TYPE_USHORT_GRAY
      })
  void shouldConvertColourAndSixteenBitMasksToLuminance(int type) {
    MaskCheck.Result r = MaskCheck.check(image(16, 16), png(type, 16, 16, 0, 0, 4, 16), 0);

    assertThat(r.whitePixels()).isEqualTo(4 * 16);
  }

  @Test
  void shouldTreatTransparentPixelsAsKeep() {
    BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_ARGB);
    for (int x = 0; x < 8; x++) {
      for (int y = 0; y < 8; y++) {
        img.setRGB(x, y, x < 2 ? 0xFFFFFFFF : 0x00FFFFFF);
      }
    }

    assertThat(MaskCheck.check(null, encode(img, "png"), 0).whitePixels()).isEqualTo(2 * 8);
  }

  @Test
  void shouldRefuseAMaskFromAnotherImageNamingBothSizes() {
    StageException e = failure(image(1024, 768), mask(512, 512));

    assertThat(e.exitClass()).isEqualTo(ExitClass.DATA);
    assertThat(e.reasonText()).isEqualTo("mask");
    assertThat(e.getMessage()).startsWith("mask: size 512x512 does not match the image's 1024x768");
  }

  @Test
  void shouldRefuseAnEmptyMask() {
    assertThat(
            failure(image(8, 8), png(BufferedImage.TYPE_BYTE_GRAY, 8, 8, 0, 0, 0, 0)).getMessage())
        .startsWith("mask: empty");
  }

  @Test
  void shouldRefuseAnAllWhiteMask() {
    assertThat(
            failure(image(8, 8), png(BufferedImage.TYPE_BYTE_GRAY, 8, 8, 0, 0, 8, 8)).getMessage())
        .startsWith("mask: all white");
  }

  @Test
  void shouldRefuseBytesThatAreNoImage() {
    assertThat(failure(image(8, 8), "not a png".getBytes()).getMessage())
        .startsWith("mask: does not decode");
  }

  @Test
  void shouldRefuseAColourSpaceThatIsNeitherGrayNorRgb() {
    ColorSpace xyz = ColorSpace.getInstance(ColorSpace.CS_CIEXYZ);
    ComponentColorModel cm =
        new ComponentColorModel(
            xyz, false, false, ComponentColorModel.OPAQUE, DataBuffer.TYPE_BYTE);
    BufferedImage img = new BufferedImage(cm, cm.createCompatibleWritableRaster(4, 4), false, null);

    assertThatThrownBy(() -> MaskCheck.luminance(img))
        .isInstanceOfSatisfying(
            StageException.class,
            e -> assertThat(e.getMessage()).contains("neither grayscale nor RGB"));
  }

  @Test
  void shouldSkipTheSizeComparisonWhenTheImageCannotBeRead() {
    MaskCheck.Result r = MaskCheck.check("RIFF....WEBPVP8 ".getBytes(), mask(8, 8), 0);

    assertThat(r.sizeChecked()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void shouldFeatherTheEdgeByTheAskedPixelsAndKeepFlatAreas(int px) throws IOException {
    MaskCheck.Result r =
        MaskCheck.check(image(32, 32), png(BufferedImage.TYPE_BYTE_GRAY, 32, 32, 8, 8, 16, 16), px);

    assertThat(r.feathered()).isTrue();
    BufferedImage out = ImageIO.read(new ByteArrayInputStream(r.featheredPng()));
    assertThat(out.getWidth()).isEqualTo(32);
    assertThat(out.getHeight()).isEqualTo(32);
    Raster ras = out.getRaster();
    assertThat(ras.getNumBands()).isEqualTo(1);
    assertThat(ras.getSample(16, 16, 0)).as("inside").isEqualTo(255);
    assertThat(ras.getSample(1, 1, 0)).as("outside").isZero();
    assertThat(ras.getSample(8, 16, 0)).as("on the edge").isStrictlyBetween(0, 255);
    assertThat(ras.getSample(8 - px, 16, 0)).as("px outside the edge").isGreaterThan(0);
    assertThat(ras.getSample(8 - px - 1, 16, 0)).as("beyond the feather").isZero();
    assertThat(ras.getSample(8 + px, 16, 0)).as("px inside the edge").isEqualTo(255);
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, 4})
  void shouldRefuseAFeatherOutsideZeroToThree(int px) {
    assertThatThrownBy(() -> MaskCheck.check(image(8, 8), mask(8, 8), px))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldPrefixTheJobIdForAJobsFailure() {
    StageException e = MaskCheck.forJob("j7", failure(image(8, 8), mask(4, 4)));

    assertThat(e.getMessage()).startsWith("job j7: mask: size 4x4");
    assertThat(e.exitClass()).isEqualTo(ExitClass.DATA);
  }
}
