package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.emulator.ImageEffects.Effect;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class ImageEffectsTest {
  static BufferedImage grey(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(new Color(120, 130, 140));
    g.fillRect(0, 0, w, h);
    g.dispose();
    return img;
  }

  static int changed(BufferedImage a, BufferedImage b) {
    return RunComfyEmulatorTest.differingPixels(a, b);
  }

  @ParameterizedTest
  @CsvSource({
    "google/nano-banana-2/edit, WARM_BORDER",
    "openai/gpt-image-2/edit, BANNER",
    "blackforestlabs/flux-1-kontext/pro/edit, VIGNETTE",
    "tongyi-mai/z-image/turbo/inpainting, INPAINT",
    "tongyi-mai/z-image/turbo/inpainting/lora, INPAINT",
    "bytedance/seedream-4-0/edit-sequential, SEPIA",
    "acme/other/edit, GRAYSCALE"
  })
  void shouldPickTheEffectByModelFamily(String modelId, Effect expected) {
    assertThat(Effect.forModel(modelId)).isEqualTo(expected);
  }

  @ParameterizedTest
  @EnumSource(Effect.class)
  void shouldVisiblyChangeThePictureAndKeepItsSizeAndTheInput(Effect effect) {
    BufferedImage in = grey(200, 120);
    BufferedImage before = grey(200, 120);
    BufferedImage out =
        ImageEffects.apply(effect, in, null, "add a red scarf please now", "m/x", 0);

    assertThat(out.getWidth()).isEqualTo(200);
    assertThat(out.getHeight()).isEqualTo(120);
    assertThat(changed(in, out)).isGreaterThan(200 * 120 / 20);
    assertThat(changed(in, before)).isZero();
  }

  @Test
  void shouldMakeNanoBananaVariantsDiffer() {
    BufferedImage in = grey(100, 100);
    assertThat(
            changed(
                ImageEffects.apply(Effect.WARM_BORDER, in, null, "p", "m", 0),
                ImageEffects.apply(Effect.WARM_BORDER, in, null, "p", "m", 1)))
        .isPositive();
  }

  @Test
  void shouldFillExactlyTheWhiteMaskRegionScaledToThePicture() {
    BufferedImage in = grey(200, 200);
    BufferedImage mask = new BufferedImage(50, 50, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = mask.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(25, 25, 25, 25);
    g.dispose();
    BufferedImage out = ImageEffects.toRgb(in, 2048);
    ImageEffects.inpaint(out, mask);

    assertThat(out.getRGB(150, 150)).isNotEqualTo(in.getRGB(150, 150));
    assertThat(out.getRGB(50, 50)).isEqualTo(in.getRGB(50, 50));
    assertThat(out.getRGB(199, 20)).isEqualTo(in.getRGB(199, 20));
  }

  @Test
  void shouldScaleDownLargePicturesToTheMaximumSide() {
    BufferedImage out = ImageEffects.toRgb(grey(4000, 1000), ImageEffects.MAX_SIDE);
    assertThat(out.getWidth()).isEqualTo(2048);
    assertThat(out.getHeight()).isEqualTo(512);
  }

  @ParameterizedTest
  @CsvSource(
      value = {
        "'one two three', 2, 'one two'",
        "'  spaced   words ', 5, 'spaced words'",
        "'', 3, ''",
        "NULL, 3, ''"
      },
      nullValues = "NULL")
  void shouldTakeThePromptsFirstWords(String prompt, int n, String expected) {
    assertThat(ImageEffects.firstWords(prompt, n)).isEqualTo(expected);
  }
}
