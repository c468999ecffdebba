package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.job.Job;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile local input files through the real {@link JobPreparer} and its stager's {@link
 * LocalInputs} gate, on real files and folders: the allowed folder {@code jobs/}, a folder {@code
 * outside/} next to it. Each refusal is checked for its class, reason and field, and for not naming
 * a path outside the allowed folder.
 */
class LocalInputHostileTest {
  static final String IMAGE_PROMPT = "Keep the face. Make the jacket blue.";
  static final String MASK_PROMPT = "Keep everything outside the mask unchanged. Remove the cable.";
  static final String VIDEO_PROMPT = "Change the sky to a sunset in every frame.";

  @TempDir Path root;
  Path jobs;
  Path outside;
  JobPreparer preparer;

  @BeforeEach
  void folders() throws IOException {
    jobs = Files.createDirectories(root.resolve("jobs"));
    outside = Files.createDirectories(root.resolve("outside"));
    preparer = JobPreparer.builtIn(InputStager.dryRun(List.of(jobs)));
  }

  static Path write(Path p, byte[] bytes) {
    try {
      Files.createDirectories(p.getParent());
      return Files.write(p, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path link(Path link, Path target) {
    try {
      Files.createDirectories(link.getParent());
      return Files.createSymbolicLink(link, target);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A sparse file of {@code bytes} (no disk used) starting with {@code head}. */
  static Path sparse(Path p, byte[] head, long bytes) {
    try (RandomAccessFile f = new RandomAccessFile(write(p, head).toFile(), "rw")) {
      f.setLength(bytes);
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Job image(String ref) {
    return new Job("h1", IMAGE_PROMPT, List.of(ref), null, null, null, null, null);
  }

  static Job masked(String image, String mask, Map<String, Object> params) {
    return new Job("h1", MASK_PROMPT, List.of(image), mask, null, null, params, null);
  }

  static Job video(String ref) {
    return new Job("h1", VIDEO_PROMPT, List.of(), null, ref, null, null, null);
  }

  static final long GIB3 = 3L << 30;

  /** {@code (jobs, outside) -> job}, the expected class, reason and a text the message contains. */
  record Case(BiFunction<Path, Path, Job> job, int exitClass, String reason, String says) {}

  static Arguments c(
      String name, BiFunction<Path, Path, Job> job, int exitClass, String reason, String says) {
    return Arguments.of(name, new Case(job, exitClass, reason, says));
  }

  static Stream<Arguments> refused() {
    return Stream.of(
        c(
            "local file: /etc/passwd as an image",
            (j, o) -> image("/etc/passwd"),
            65,
            "input_not_allowed",
            "images[0]: "),
        c(
            "local file: /etc/passwd as a mask",
            (j, o) ->
                masked(
                    write(j.resolve("a.png"), Media.noisyPng(8, 8)).toString(),
                    "/etc/passwd",
                    null),
            65,
            "input_not_allowed",
            "mask: "),
        c(
            "local file: /etc/passwd as a video",
            (j, o) -> video("/etc/passwd"),
            65,
            "input_not_allowed",
            "video: "),
        c(
            "local file: /proc/self/environ",
            (j, o) -> image("/proc/self/environ"),
            65,
            "input_not_allowed",
            "images[0]"),
        c(
            "local file: '..' segments climbing out",
            (j, o) -> image(j + "/../outside/p.png"),
            65,
            "input_not_allowed",
            "outside the allowed"),
        c(
            "local file: '..' deep climb to /etc/passwd",
            (j, o) -> image(j + "/a/b/../../../../../../../../etc/passwd"),
            65,
            "input_not_allowed",
            "images[0]"),
        c(
            "local file: symlink inside pointing to a PNG outside",
            (j, o) ->
                image(
                    link(j.resolve("ok.png"), write(o.resolve("p.png"), Media.noisyPng(8, 8)))
                        .toString()),
            65,
            "input_not_allowed",
            "links pointing out"),
        c(
            "local file: symlink inside pointing to /etc/passwd",
            (j, o) -> image(link(j.resolve("pw.png"), Path.of("/etc/passwd")).toString()),
            65,
            "input_not_allowed",
            "images[0]"),
        c(
            "local file: linked folder inside pointing out",
            (j, o) -> {
              write(o.resolve("deep/p.png"), Media.noisyPng(8, 8));
              return image(link(j.resolve("sub"), o.resolve("deep")).resolve("p.png").toString());
            },
            65,
            "input_not_allowed",
            "images[0]"),
        c(
            "local file: symlinked mask pointing out",
            (j, o) ->
                masked(
                    write(j.resolve("a.png"), Media.noisyPng(8, 8)).toString(),
                    link(j.resolve("m.png"), write(o.resolve("m.png"), MaskCheckTest.mask(8, 8)))
                        .toString(),
                    null),
            65,
            "input_not_allowed",
            "mask: "),
        c(
            "local file: missing file outside (no existence oracle)",
            (j, o) -> image(o.resolve("nope.png").toString()),
            65,
            "input_not_allowed",
            "images[0]"),
        c(
            "local file: relative path",
            (j, o) -> image("a.png"),
            65,
            "input_not_allowed",
            "must be absolute"),
        c(
            "local file: NUL byte in the path",
            (j, o) -> image(j + "/a\u0000.png"),
            65,
            "input_not_allowed",
            "images[0]"),
        c(
            "local file: the allowed folder itself",
            (j, o) -> image(j.toString()),
            65,
            "input_not_allowed",
            "images[0]"),
        c(
            "local file: token.json inside the allowed folder",
            (j, o) -> image(write(j.resolve("token.json"), Media.noisyPng(8, 8)).toString()),
            65,
            "input_not_allowed",
            "looks like a secret"),
        c(
            "local file: RunComfy config folder inside",
            (j, o) ->
                image(write(j.resolve(".config/runcomfy/x.png"), Media.noisyPng(8, 8)).toString()),
            65,
            "input_not_allowed",
            "keys or credentials"),
        c(
            "local file: a .pem key",
            (j, o) -> image(write(j.resolve("server.pem"), Media.noisyPng(8, 8)).toString()),
            65,
            "input_not_allowed",
            "secret"),
        c(
            "local file: id_rsa",
            (j, o) ->
                image(
                    write(j.resolve("id_rsa"), Media.text("-----BEGIN OPENSSH PRIVATE KEY-----"))
                        .toString()),
            65,
            "input_not_allowed",
            "secret"),
        c(
            "local file: a file in .ssh",
            (j, o) -> image(write(j.resolve(".ssh/cat.png"), Media.noisyPng(8, 8)).toString()),
            65,
            "input_not_allowed",
            "keys or credentials"),
        c(
            "local file: .env",
            (j, o) -> image(write(j.resolve(".env"), Media.text("TOKEN=x")).toString()),
            65,
            "input_not_allowed",
            "secret"),
        c(
            "local file: text saved as .png",
            (j, o) -> image(write(j.resolve("a.png"), Media.text("hello, world\n")).toString()),
            65,
            "input_type",
            "contains text, not an image"),
        c(
            "local file: text saved as .mp4",
            (j, o) ->
                video(write(j.resolve("clip.mp4"), Media.text("not a video at all\n")).toString()),
            65,
            "input_type",
            "contains text, not a video"),
        c(
            "local file: MP4 given as an image",
            (j, o) -> image(write(j.resolve("a.png"), Media.ftyp("isom")).toString()),
            65,
            "input_type",
            "contains MP4 video, not an image"),
        c(
            "local file: MOV given as a mask",
            (j, o) ->
                masked(
                    write(j.resolve("a.png"), Media.noisyPng(8, 8)).toString(),
                    write(j.resolve("m.png"), Media.ftyp("qt  ")).toString(),
                    null),
            65,
            "input_type",
            "QuickTime MOV video"),
        c(
            "local file: PNG given as a video",
            (j, o) -> video(write(j.resolve("clip.mp4"), Media.noisyPng(8, 8)).toString()),
            65,
            "input_type",
            "contains PNG image, not a video"),
        c(
            "local file: PDF as an image",
            (j, o) -> image(write(j.resolve("a.jpg"), Media.text("%PDF-1.4\n")).toString()),
            65,
            "input_type",
            "PDF"),
        c(
            "local file: ZIP as an image",
            (j, o) ->
                image(write(j.resolve("a.webp"), new byte[] {'P', 'K', 3, 4, 0, 0}).toString()),
            65,
            "input_type",
            "ZIP"),
        c(
            "local file: ELF executable as a video",
            (j, o) ->
                video(write(j.resolve("v.mp4"), new byte[] {0x7F, 'E', 'L', 'F', 2, 1}).toString()),
            65,
            "input_type",
            "ELF"),
        c(
            "local file: empty file",
            (j, o) -> image(write(j.resolve("a.png"), new byte[0]).toString()),
            65,
            "input_type",
            "an empty file"),
        c(
            "local file: BMP (convert hint)",
            (j, o) -> image(write(j.resolve("a.bmp"), Media.bmp(8, 8)).toString()),
            65,
            "input_type",
            "convert it"),
        c(
            "local file: HEIC image",
            (j, o) -> image(write(j.resolve("a.heic"), Media.ftyp("heic")).toString()),
            65,
            "input_type",
            "HEIF"),
        c(
            "local file: a folder named like an image",
            (j, o) -> {
              try {
                return image(Files.createDirectories(j.resolve("dir.png")).toString());
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            65,
            "input_type",
            "not a regular file"),
        c(
            "local file: sparse 3 GiB image",
            (j, o) -> image(sparse(j.resolve("big.png"), Media.noisyPng(8, 8), GIB3).toString()),
            65,
            "input_too_large",
            "3072.0 MiB, more than the 50.0 MiB limit"),
        c(
            "local file: sparse 3 GiB mask",
            (j, o) ->
                masked(
                    write(j.resolve("a.png"), Media.noisyPng(8, 8)).toString(),
                    sparse(j.resolve("m.png"), MaskCheckTest.mask(8, 8), GIB3).toString(),
                    null),
            65,
            "input_too_large",
            "mask: "),
        c(
            "local file: sparse 3 GiB video",
            (j, o) -> video(sparse(j.resolve("v.mp4"), Media.ftyp("isom"), GIB3).toString()),
            65,
            "input_too_large",
            "limit for a video"),
        c(
            "local file: PNG header declaring 100,000 x 100,000 px",
            (j, o) ->
                image(
                    write(j.resolve("huge.png"), Media.craftedPng(100_000, 100_000, 1)).toString()),
            65,
            "input_too_large",
            "100000 x 100000 px"),
        c(
            "local file: mask header declaring 100,000 x 100,000 px",
            (j, o) ->
                masked(
                    write(j.resolve("a.png"), Media.noisyPng(8, 8)).toString(),
                    write(j.resolve("m.png"), Media.craftedPng(100_000, 100_000, 1)).toString(),
                    null),
            65,
            "input_too_large",
            "mask: "),
        c(
            "local file: decompression-bomb mask 8000 x 8000 (64 MP of zeros)",
            (j, o) ->
                masked(
                    write(j.resolve("a.png"), Media.noisyPng(8, 8)).toString(),
                    write(j.resolve("m.png"), Media.craftedPng(8000, 8000, 8000)).toString(),
                    null),
            65,
            "input_too_large",
            "more than the 50.0 MP limit"),
        c(
            "local file: bomb-like 5000 x 5000 mask with feathering",
            (j, o) ->
                masked(
                    write(j.resolve("a.png"), Media.noisyPng(8, 8)).toString(),
                    write(j.resolve("m.png"), Media.craftedPng(5000, 5000, 5000)).toString(),
                    Map.of(JobPreparer.FEATHER_PARAM, 3)),
            65,
            "input_too_large",
            "feathering is done only up to 16.0 MP"),
        c(
            "local file: WebP declaring 16384 x 16384 px",
            (j, o) -> image(write(j.resolve("a.webp"), Media.webpVp8x(16384, 16384)).toString()),
            65,
            "input_too_large",
            "16384 x 16384"),
        c(
            "local file: GIF declaring 65535 x 65535 px",
            (j, o) -> image(write(j.resolve("a.gif"), gif(65535, 65535)).toString()),
            65,
            "input_too_large",
            "65535 x 65535"),
        c(
            "local file: PNG header declaring 0 x 0 px",
            (j, o) -> image(write(j.resolve("zero.png"), Media.craftedPng(0, 0, 0)).toString()),
            65,
            "input_type",
            "an empty image"),
        c(
            "local file: mask with a PNG signature and no header",
            (j, o) ->
                masked(
                    write(j.resolve("a.png"), Media.noisyPng(8, 8)).toString(),
                    write(j.resolve("m.png"), java.util.Arrays.copyOf(Media.noisyPng(8, 8), 12))
                        .toString(),
                    null),
            65,
            "mask",
            "no readable"),
        c(
            "local file: missing file inside the allowed folder",
            (j, o) -> image(j.resolve("gone.png").toString()),
            66,
            "input_missing",
            "gone.png"));
  }

  static byte[] gif(int w, int h) {
    byte[] g = Media.gif(1, 1);
    g[6] = (byte) w;
    g[7] = (byte) (w >>> 8);
    g[8] = (byte) h;
    g[9] = (byte) (h >>> 8);
    return g;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void shouldRefuseTheInputBeforeAnyCallNamingTheFieldNotThePathOutside(String name, Case c) {
    Job job = c.job().apply(jobs, outside);

    StageException e = failure(job);

    assertThat(e.exitClass().code()).as(e.getMessage()).isEqualTo(c.exitClass());
    assertThat(e.reasonText()).as(e.getMessage()).isEqualTo(c.reason());
    assertThat(e.getMessage())
        .startsWith("job h1: ")
        .contains(c.says())
        .doesNotContain(outside.toString())
        .doesNotContain("/etc/")
        .doesNotContain(root.toString());
  }

  StageException failure(Job job) {
    try {
      preparer.prepare(job);
    } catch (StageException e) {
      return e;
    }
    throw new AssertionError("the job was prepared");
  }

  static Stream<Arguments> accepted() {
    return Stream.of(
        c(
            "local file: a PNG inside",
            (j, o) -> image(write(j.resolve("a.png"), Media.noisyPng(8, 8)).toString()),
            0,
            null,
            null),
        c(
            "local file: a JPEG named .png (content decides)",
            (j, o) -> image(write(j.resolve("a.png"), Media.jpeg(8, 8)).toString()),
            0,
            null,
            null),
        c(
            "local file: a GIF",
            (j, o) -> image(write(j.resolve("a.gif"), Media.gif(8, 8)).toString()),
            0,
            null,
            null),
        c(
            "local file: a WebP head",
            (j, o) -> image(write(j.resolve("a.webp"), Media.webpVp8l(8, 8)).toString()),
            0,
            null,
            null),
        c(
            "local file: a link inside pointing inside",
            (j, o) ->
                image(
                    link(j.resolve("l.png"), write(j.resolve("sub/a.png"), Media.noisyPng(8, 8)))
                        .toString()),
            0,
            null,
            null),
        c(
            "local file: '..' segments staying inside",
            (j, o) ->
                image(
                    write(j.resolve("sub/a.png"), Media.noisyPng(8, 8)).getParent()
                        + "/../sub/a.png"),
            0,
            null,
            null),
        c(
            "local file: an MP4 video",
            (j, o) -> video(write(j.resolve("v.mp4"), Media.ftyp("mp42")).toString()),
            0,
            null,
            null),
        c(
            "local file: a MOV video",
            (j, o) -> video(write(j.resolve("v.mov"), Media.ftyp("qt  ")).toString()),
            0,
            null,
            null),
        c(
            "local file: a WebM video",
            (j, o) -> video(write(j.resolve("v.webm"), Media.webm()).toString()),
            0,
            null,
            null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("accepted")
  void shouldPrepareAGoodInputInsideTheAllowedFolder(String name, Case c) {
    JobPreparer.Prepared p = preparer.prepare(c.job().apply(jobs, outside));

    assertThat(p.body().toString()).contains("file:");
  }

  @Test
  void shouldReadTheFileThatWasCheckedEvenWhenItIsSwappedForALinkAfterTheCheck()
      throws IOException {
    Path mask = write(jobs.resolve("m.png"), MaskCheckTest.mask(8, 8));
    write(outside.resolve("secret.txt"), Media.text("the secret"));
    LocalInputs gate = InputStager.dryRun(List.of(jobs)).inputs();

    try (LocalInputs.Opened o =
        gate.open("h1", "mask", mask.toString(), LocalInputs.Role.MASK, 1 << 20)) {
      Files.delete(mask);
      link(mask, outside.resolve("secret.txt"));

      assertThat(o.readAll()).isEqualTo(MaskCheckTest.mask(8, 8));
    }
    StageException again =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            StageException.class,
            () -> gate.open("h1", "mask", mask.toString(), LocalInputs.Role.MASK, 1 << 20));
    assertThat(again.reasonText()).isEqualTo("input_not_allowed");
  }

  @Test
  void shouldServeTheRealPathThatWasCheckedNotTheLinkTheRecordNamed() {
    Path real = write(jobs.resolve("sub/a.png"), Media.noisyPng(8, 8));
    Path alias = link(jobs.resolve("alias.png"), real);

    JobPreparer.Prepared p = preparer.prepare(image(alias.toString()));

    assertThat(p.body().path("image_urls").get(0).asText())
        .isEqualTo(toReal(real).toUri().toString());
  }

  static Path toReal(Path p) {
    try {
      return p.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void shouldAllowTheFeatheredMaskItWroteItselfOutsideTheAllowedFolders() {
    Path img = write(jobs.resolve("a.png"), MaskCheckTest.image(32, 32));
    Path mask =
        write(
            jobs.resolve("m.png"),
            MaskCheckTest.png(java.awt.image.BufferedImage.TYPE_BYTE_GRAY, 32, 32, 8, 8, 16, 16));

    JobPreparer.Prepared p =
        preparer.prepare(
            masked(img.toString(), mask.toString(), Map.of(JobPreparer.FEATHER_PARAM, 1)));

    assertThat(p.body().path("mask_image_url").asText()).endsWith("mask-feathered.png");
  }

  @Test
  void shouldRefuseEveryLocalInputWhenNoFolderIsAllowed() {
    JobPreparer nowhere = JobPreparer.builtIn(InputStager.dryRun(List.of()));
    StageException e =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            StageException.class, () -> nowhere.prepare(image("/etc/hosts")));
    assertThat(e.reasonText()).isEqualTo("input_not_allowed");
  }

  @Test
  void shouldRefuseEtcPasswdByItsNameEvenWhenTheStagerAllowsTheWholeEtcFolder() {
    JobPreparer unconfined = JobPreparer.builtIn(InputStager.dryRun(List.of(Path.of("/etc"))));
    Job job = image("/etc/passwd");

    StageException e =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            StageException.class, () -> unconfined.prepare(job));

    assertThat(e.exitClass()).isEqualTo(ExitClass.DATA);
    assertThat(e.reasonText()).isEqualTo("input_not_allowed");
  }
}
