package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.job.Job;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JobPreparerTest {
  private static final JobPreparer DRY =
      JobPreparer.builtIn(
          InputStager.dryRun(
              java.util.List.of(java.nio.file.Path.of(System.getProperty("java.io.tmpdir")))));
  private static final String KEEP =
      "Keep everything outside the mask unchanged. Remove the cable.";

  @TempDir Path dir;

  private Path write(String name, byte[] bytes) throws IOException {
    return Files.write(dir.resolve(name), bytes);
  }

  private static Job masked(String image, String mask, Map<String, Object> params) {
    return new Job("m1", KEEP, List.of(image), mask, null, null, params, null);
  }

  @Test
  void shouldSayWhetherPreparingReadsLocalFiles() {
    String url = "https://cdn.example.com/a.png";
    assertThat(
            JobPreparer.readsFiles(
                new Job("u1", KEEP, List.of(url, url), url, null, null, null, null)))
        .isFalse();
    assertThat(
            JobPreparer.readsFiles(
                new Job(
                    "u2",
                    KEEP,
                    List.of(),
                    null,
                    "https://cdn.example.com/v.mp4",
                    null,
                    null,
                    null)))
        .isFalse();
    assertThat(
            JobPreparer.readsFiles(
                new Job("l1", KEEP, List.of(url, "/data/b.png"), null, null, null, null, null)))
        .isTrue();
    assertThat(JobPreparer.readsFiles(masked(url, "/data/mask.png", null))).isTrue();
    assertThat(
            JobPreparer.readsFiles(
                new Job("l2", KEEP, List.of(), null, "/data/clip.mp4", null, null, null)))
        .isTrue();
  }

  private static StageException failure(Job job) {
    try {
      DRY.prepare(job);
    } catch (StageException e) {
      return e;
    }
    throw new AssertionError("the job was prepared");
  }

  @Test
  void shouldAttachTheLintWarningsToTheDecision() {
    JobPreparer.Prepared p = DRY.prepare(Jobs.images("Make the jacket red.", 1));

    assertThat(p.route().warnings()).anySatisfy(w -> assertThat(w).startsWith("no-preservation: "));
    assertThat(p.route().rule()).isNotBlank();
  }

  @Test
  void shouldKeepLocalInputsAsFileUrisInADryRun() throws IOException {
    Path img = write("a.png", MaskCheckTest.image(8, 8));
    Job job = Jobs.local("l1", "Keep the face. Make it blue.", img);

    JobPreparer.Prepared p = DRY.prepare(job);

    assertThat(p.body().path("image_urls").get(0).asText())
        .isEqualTo(img.toUri().toString())
        .startsWith("file:");
  }

  @Test
  void shouldCheckALocalMaskAgainstItsLocalImage() throws IOException {
    Path img = write("a.png", MaskCheckTest.image(64, 48));
    Path mask = write("m.png", MaskCheckTest.mask(32, 32));

    StageException e = failure(masked(img.toString(), mask.toString(), null));

    assertThat(e.exitClass()).isEqualTo(ExitClass.DATA);
    assertThat(e.reasonText()).isEqualTo("mask");
    assertThat(e.getMessage())
        .startsWith("job m1: mask: size 32x32 does not match the image's 64x48");
  }

  @Test
  void shouldSendTheMaskAsTheLastNumberedImageWhenAMaskComesWithAReference() throws IOException {
    Path img = write("room.png", MaskCheckTest.image(16, 16));
    Path sofa = write("sofa.png", MaskCheckTest.image(8, 8));
    Path mask = write("room-mask.png", MaskCheckTest.mask(16, 16));
    Job job =
        new Job(
            "r1",
            "Keep the room unchanged. Fill the masked area with the sofa from image 2.",
            List.of(img.toString(), sofa.toString()),
            mask.toString(),
            null,
            null,
            null,
            null);

    JobPreparer.Prepared p = DRY.prepare(job);

    assertThat(p.route().rule()).isEqualTo(Router.MASK_REFERENCE);
    assertThat(p.body().path("images"))
        .extracting(com.fasterxml.jackson.databind.JsonNode::asText)
        .containsExactly(img.toUri().toString(), sofa.toUri().toString(), mask.toUri().toString());
    assertThat(p.body().path("prompt").asText())
        .startsWith(job.prompt())
        .endsWith(
            "Image 3 is a mask of image 1: change only the area that is white in image 3 and keep everything in its black area unchanged.");
    assertThat(p.body().has("mask_image_url")).isFalse();
    assertThat(p.route().warnings())
        .anySatisfy(w -> assertThat(w).startsWith("mask-as-reference: "));
  }

  @Test
  void shouldStillCheckAMaskSentAsAReferenceAgainstImageOne() throws IOException {
    Path img = write("room2.png", MaskCheckTest.image(64, 48));
    Path sofa = write("sofa2.png", MaskCheckTest.image(8, 8));
    Path mask = write("mask2.png", MaskCheckTest.mask(32, 32));

    StageException e =
        failure(
            new Job(
                "r2",
                "Fill the masked area with the sofa from image 2.",
                List.of(img.toString(), sofa.toString()),
                mask.toString(),
                null,
                null,
                null,
                null));

    assertThat(e.reasonText()).isEqualTo("mask");
    assertThat(e.getMessage())
        .startsWith("job r2: mask: size 32x32 does not match the image's 64x48");
  }

  @Test
  void shouldPrepareAGoodLocalMaskUnchanged() throws IOException {
    Path img = write("a.png", MaskCheckTest.image(16, 16));
    Path mask = write("m.png", MaskCheckTest.mask(16, 16));

    JobPreparer.Prepared p =
        DRY.prepare(masked(img.toString(), mask.toString(), Map.of("strength", 0.95)));

    assertThat(p.route().modelId()).isEqualTo(Router.Z_IMAGE);
    assertThat(p.body().path("mask_image_url").asText()).isEqualTo(mask.toUri().toString());
    assertThat(p.route().warnings()).isEmpty();
  }

  @Test
  void shouldFeatherTheMaskIntoATempFileAndDropTheParamFromTheBody() throws IOException {
    Path img = write("a.png", MaskCheckTest.image(32, 32));
    Path mask =
        write("m.png", MaskCheckTest.png(BufferedImage.TYPE_BYTE_GRAY, 32, 32, 8, 8, 16, 16));

    JobPreparer.Prepared p =
        DRY.prepare(
            masked(
                img.toString(), mask.toString(), Map.of(JobPreparer.FEATHER_PARAM, 2, "seed", 7)));

    assertThat(p.body().has(JobPreparer.FEATHER_PARAM)).isFalse();
    assertThat(p.body().path("seed").asInt()).isEqualTo(7);
    Path staged = Path.of(URI.create(p.body().path("mask_image_url").asText()));
    assertThat(staged).isNotEqualTo(mask).exists();
    assertThat(staged.getFileName().toString())
        .startsWith("editstream-m1-")
        .endsWith("mask-feathered.png");
    BufferedImage out = ImageIO.read(new ByteArrayInputStream(Files.readAllBytes(staged)));
    assertThat(out.getRaster().getSample(8, 16, 0)).isStrictlyBetween(0, 255);
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "4", "1.5", "two"})
  void shouldRefuseAFeatherParamOutsideOneToThree(String value) throws IOException {
    Object v =
        value.matches("\\d+")
            ? (Object) Integer.valueOf(value)
            : value.contains(".") ? (Object) Double.valueOf(value) : value;
    Path img = write("a.png", MaskCheckTest.image(8, 8));
    Path mask = write("m.png", MaskCheckTest.mask(8, 8));

    StageException e =
        failure(masked(img.toString(), mask.toString(), Map.of(JobPreparer.FEATHER_PARAM, v)));

    assertThat(e.exitClass()).isEqualTo(ExitClass.DATA);
    assertThat(e.getMessage())
        .startsWith("job m1: mask: params.mask_feather_px must be an integer 1..3");
  }

  @Test
  void shouldRefuseAFeatherParamWithoutAMask() {
    Job job =
        new Job(
            "n1",
            "Keep it. Make it blue.",
            Jobs.images(1),
            null,
            null,
            null,
            Map.of(JobPreparer.FEATHER_PARAM, 1),
            null);

    assertThat(failure(job).getMessage())
        .isEqualTo(
            "job n1: mask: params.mask_feather_px asks to feather a mask, but the job has none");
  }

  @Test
  void shouldSkipTheCheckOfAnHttpsMaskAndSayTheFeatherWasIgnored() {
    Job job =
        masked(
            "https://a.example/i.png",
            "https://a.example/m.png",
            Map.of(JobPreparer.FEATHER_PARAM, 2));

    JobPreparer.Prepared p = DRY.prepare(job);

    assertThat(p.body().path("mask_image_url").asText()).isEqualTo("https://a.example/m.png");
    assertThat(p.body().has(JobPreparer.FEATHER_PARAM)).isFalse();
    assertThat(p.route().warnings())
        .anySatisfy(w -> assertThat(w).startsWith("mask-not-feathered: "));
  }

  @Test
  void shouldWarnWhenALocalMasksSizeCannotBeCompared() throws IOException {
    Path mask = write("m.png", MaskCheckTest.mask(8, 8));

    JobPreparer.Prepared p = DRY.prepare(masked("https://a.example/i.png", mask.toString(), null));

    assertThat(p.route().warnings())
        .anySatisfy(w -> assertThat(w).startsWith("mask-size-unchecked: ").contains("8x8"));
  }

  @Test
  void shouldFailWithClass66WhenTheLocalMaskIsGone() {
    StageException e =
        failure(masked("https://a.example/i.png", dir.resolve("gone.png").toString(), null));

    assertThat(e.exitClass()).isEqualTo(ExitClass.NO_INPUT);
    assertThat(e.getMessage()).contains("gone.png");
  }

  @Test
  void shouldRefuseALocalInputWithoutAnAssetServerOutsideDryRuns() throws IOException {
    Path img = write("a.png", MaskCheckTest.image(8, 8));
    JobPreparer real =
        JobPreparer.builtIn(
            new InputStager(
                null,
                java.util.List.of(java.nio.file.Path.of(System.getProperty("java.io.tmpdir")))));
    Job job =
        new Job(
            "l2",
            "Keep the face. Make it blue.",
            List.of(img.toString()),
            null,
            null,
            null,
            null,
            null);

    assertThatThrownBy(() -> real.prepare(job))
        .isInstanceOfSatisfying(
            StageException.class, e -> assertThat(e.exitClass()).isEqualTo(ExitClass.DATA));
  }
}
