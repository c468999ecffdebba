package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.core.error.StageException;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.localkafka.LocalBroker;
import dev.editstream.locals3.LocalS3;
import dev.editstream.runcomfy.RunComfyConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 through a real S3 API server (S3Proxy, in this JVM on 127.0.0.1) and the emulator, which
 * fetches every staged input through its pre-signed URL when the job runs (as RunComfy's model
 * servers do): a run from a local folder with {@code --stage-to} and {@code --results-to} ends done
 * with each output in the bucket, its URI in the done event and the manifest, no signature in any
 * file the run writes; a second run uploads no input again; refused credentials stop the run at
 * start with class 77 naming the option.
 */
class ObjectStorageIT {
  static final String TOKEN = "object-storage-token";
  @TempDir Path dir;

  Path jobs() throws Exception {
    return jobs(dir, "s3", 4);
  }

  /**
   * A job file of {@code n} jobs in {@code dir/in} over copies of the samples (local inputs are
   * confined to the job file's folder); jobs 0 and 3 share one image.
   */
  static Path jobs(Path dir, String batch, int n) throws Exception {
    Path products = PipelineScenario.projectRoot().resolve("examples").resolve("a_products");
    String[] images = {
      "a01_water_bottle_cutout.png",
      "a02_mugs_cutout.png",
      "a03_cap_cutout.png",
      "a01_water_bottle_cutout.png"
    };
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Path copy = dir.resolve("in").resolve(i + "-" + images[i % images.length]);
      Files.createDirectories(copy.getParent());
      Files.copy(products.resolve(images[i % images.length]), copy);
      lines.add(
          "{\"id\":\""
              + batch
              + "-"
              + i
              + "\",\"prompt\":\"Keep the product unchanged. Put it on studio-grey paper.\",\"images\":[\""
              + copy
              + "\"],\"batch\":\""
              + batch
              + "\"}");
    }
    return Files.write(dir.resolve("in").resolve("jobs.jsonl"), lines, StandardCharsets.UTF_8);
  }

  StorageOptions storage(LocalS3 s3, String secret) {
    StorageOptions o = new StorageOptions();
    o.stageTo = "s3://" + s3.bucket() + "/in";
    o.resultsTo = "s3://" + s3.bucket() + "/out";
    o.s3.endpoint = s3.endpoint();
    o.s3.pathStyle = true;
    o.keepLocal = false;
    o.s3.accessKey = s3.accessKey();
    o.s3.secretKey = secret;
    return o;
  }

  BatchRun.Result run(
      LocalBroker broker,
      RunComfyEmulator emu,
      Path jobs,
      Path out,
      StorageOptions storage,
      ByteArrayOutputStream log)
      throws Exception {
    PipelineOptions o =
        EmulatorRunOptions.of(
            broker.bootstrapServers(),
            out,
            "s3-" + Long.toHexString(System.nanoTime()),
            dir.resolve("catalog-cache.json"),
            emu,
            50);
    PipelineConfig cfg = o.toConfig(java.util.Map.of());
    return BatchRun.run(
        cfg,
        RunComfyConfig.of(emu.baseUrl(), TOKEN),
        false,
        jobs,
        List.of(),
        Duration.ofMinutes(3),
        new PrintStream(log, true, StandardCharsets.UTF_8),
        new ArrayList<>(),
        BatchRun.Options.DEFAULT.withStorage(storage));
  }

  static long files(Path folder) throws Exception {
    if (!Files.exists(folder)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(folder)) {
      return s.filter(Files::isRegularFile).count();
    }
  }

  @Test
  void shouldStageLocalInputsOncePerContentAndStoreResultsInTheBucket() throws Exception {
    Path data = dir.resolve("s3-data");
    Path jobs = jobs();
    try (LocalS3 s3 = LocalS3.start(data, "editstream-it");
        LocalBroker broker = LocalBroker.start(dir.resolve("broker"));
        RunComfyEmulator emu =
            RunComfyEmulator.start(
                EmulatorConfig.defaults(dir.resolve("emu"), TOKEN)
                    .withFetchInputs(true)
                    .withLatency(200, 500)
                    .withSeed(16))) {
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      BatchRun.Result r = run(broker, emu, jobs, dir.resolve("out"), storage(s3, s3.secret()), log);
      String printed = log.toString(StandardCharsets.UTF_8);
      assertThat(r.summary().done()).as(printed).isEqualTo(4);
      Path inputs = data.resolve(s3.bucket()).resolve("in").resolve("inputs");
      assertThat(files(inputs))
          .as("three distinct images, four jobs: uploaded once per content")
          .isEqualTo(3);

      List<String> manifest =
          Files.readAllLines(dir.resolve("out").resolve("manifest.jsonl"), StandardCharsets.UTF_8);
      assertThat(manifest).hasSize(4);
      for (String l : manifest) {
        JsonNode line = Json.mapper().readTree(l);
        for (JsonNode f : line.path("files")) {
          String uri = f.path("object_uri").asText();
          assertThat(uri)
              .startsWith("s3://editstream-it/out/" + line.path("job_id").asText() + "/");
          Path object =
              data.resolve(s3.bucket())
                  .resolve(uri.substring(("s3://" + s3.bucket() + "/").length()));
          assertThat(object).exists();
          assertThat(
                  HexFormat.of()
                      .formatHex(
                          MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(object))))
              .isEqualTo(f.path("sha256").asText());
          assertThat(dir.resolve("out").resolve(f.path("path").asText()))
              .as("--no-keep-local")
              .doesNotExist();
        }
      }
      // no signature in anything the run wrote or printed
      try (Stream<Path> written = Files.walk(dir.resolve("out"))) {
        for (Path p :
            written
                .filter(Files::isRegularFile)
                .filter(p -> p.toString().endsWith(".jsonl") || p.toString().endsWith(".json"))
                .toList()) {
          assertThat(Files.readString(p))
              .as(p.toString())
              .doesNotContain("X-Amz-Signature")
              .doesNotContain(s3.secret());
        }
      }
      assertThat(printed).doesNotContain("X-Amz-Signature").doesNotContain(s3.secret());

      // the same images again, another batch: nothing uploaded twice
      ByteArrayOutputStream again = new ByteArrayOutputStream();
      BatchRun.Result r2 =
          run(broker, emu, jobs, dir.resolve("out-2"), storage(s3, s3.secret()), again);
      assertThat(r2.summary().done()).as(again.toString(StandardCharsets.UTF_8)).isEqualTo(4);
      assertThat(files(inputs)).as("a re-run uploads no input again").isEqualTo(3);
    }
  }

  @Test
  void shouldStopAtStartWithClass77NamingTheOptionWhenTheStoreRefusesTheCredentials()
      throws Exception {
    Path jobs = jobs();
    try (LocalS3 s3 = LocalS3.start(null, "editstream-it");
        LocalBroker broker = LocalBroker.start(dir.resolve("broker"));
        RunComfyEmulator emu =
            RunComfyEmulator.start(
                EmulatorConfig.defaults(dir.resolve("emu"), TOKEN).withFetchInputs(true))) {
      String wrong = "0".repeat(48);
      assertThatThrownBy(
              () ->
                  run(
                      broker,
                      emu,
                      jobs,
                      dir.resolve("out"),
                      storage(s3, wrong),
                      new ByteArrayOutputStream()))
          .isInstanceOfSatisfying(
              StageException.class,
              e -> {
                assertThat(e.exitClass().code()).isEqualTo(77);
                assertThat(e.getMessage()).contains("--stage-to").doesNotContain(wrong);
              });
      assertThat(emu.stats().submits()).as("nothing paid").isZero();
    }
  }
}
