package dev.editstream.downloader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import dev.editstream.core.Redact;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.RouteDecision;
import dev.editstream.core.event.Submission;
import dev.editstream.core.job.Job;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.pipeline.metrics.PipelineMetrics;
import dev.editstream.runcomfy.DownloadConfig;
import dev.editstream.runcomfy.DownloadPolicy;
import dev.editstream.runcomfy.OutputDownloader;
import dev.editstream.runcomfy.OutputUrls;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.RunComfyConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Job ids that would make the downloader replace or delete what is not its own in the output folder
 * (defect 2 of issue 14). Real files and folders under a temporary output folder, a real {@link
 * RunComfyEmulator} on 127.0.0.1 that ran the request, the real {@link DownloaderHandler} and
 * {@link Manifest}. Every refusal is class 65 {@code output_conflict}, downloads nothing and leaves
 * every byte that was there.
 */
class OutputFolderHostileTest {
  static final String TOKEN = "downloader-hostile-token";
  static final String NANO = "google/nano-banana-2/edit";
  static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir static Path shared;
  static RunComfyEmulator emu;
  static RunComfyClient client;
  static OutputDownloader downloader;
  static DownloadPolicy policy;
  static String requestId;
  static List<String> signed;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    emu =
        RunComfyEmulator.start(
            EmulatorConfig.defaults(shared.resolve("emu"), TOKEN)
                .withFetchInputs(false)
                .withLatency(0, 0));
    client =
        new RunComfyClient(
            RunComfyConfig.of(emu.baseUrl(), TOKEN).withResponseTimeout(Duration.ofSeconds(10)));
    policy = DownloadPolicy.runComfyDefault().withLocalHosts(Set.of("127.0.0.1:" + emu.port()));
    downloader =
        new OutputDownloader(
            policy,
            DownloadConfig.defaults().withReadTimeout(Duration.ofSeconds(10)),
            Clock.systemUTC());
    ObjectNode body = Json.mapper().createObjectNode();
    body.put("prompt", "add a red scarf");
    body.putArray("image_urls").add("https://a.example/1.jpg");
    requestId = client.submit(NANO, body).block(WAIT).requestId();
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> client.status(requestId).block(WAIT).terminal());
    signed = OutputUrls.collect(client.result(requestId).block(WAIT).output());
  }

  @AfterAll
  static void stop() {
    downloader.close();
    client.close();
    emu.close();
  }

  /** The {@code completed} event of job {@code id} over the emulator's finished request. */
  static JobEvent completed(String id) {
    Instant now = Instant.now();
    Job job =
        new Job(
            id,
            "add a red scarf",
            List.of("https://a.example/1.jpg"),
            null,
            null,
            NANO,
            Map.of(),
            null);
    return JobEvent.requested(job, now)
        .submitted(
            new RouteDecision(NANO, "explicit-model", List.of()),
            Map.of("prompt", "add a red scarf"),
            new Submission(requestId, null, null, null, now),
            now)
        .completed(signed.stream().map(Redact::url).toList(), null, now);
  }

  Path out() {
    return dir.resolve("out");
  }

  Throwable run(String id) {
    Manifest manifest = new Manifest(out());
    DownloaderHandler h =
        DownloaderHandler.builder()
            .client(client)
            .downloader(downloader)
            .policy(policy)
            .outDir(out())
            .manifest(manifest)
            .topics(new dev.editstream.core.event.Topics("oh"))
            .clock(Clock.systemUTC())
            .parallelPerJob(2)
            .metrics(new PipelineMetrics(new SimpleMeterRegistry()))
            .build();
    try {
      h.handle(completed(id)).block(WAIT);
      return null;
    } catch (RuntimeException e) {
      return e;
    }
  }

  /** A hostile case: what the output folder holds before, the job id, and what must survive. */
  record Case(String id, Consumer<Path> before, Consumer<Path> survives) {}

  static void write(Path p, String content) {
    try {
      Files.createDirectories(p.getParent());
      Files.writeString(p, content);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static void link(Path link, Path target) {
    try {
      Files.createDirectories(link.getParent());
      Files.createSymbolicLink(link, target);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static Consumer<Path> content(String rel, String expected) {
    return out -> assertThat(out.resolve(rel)).as(rel).hasContent(expected);
  }

  static final Consumer<Path> NOTHING = out -> {};

  static Stream<Arguments> conflicts() {
    return Stream.of(
        Arguments.of(
            "output folder: id names a user's folder 'precious' with a file",
            new Case(
                "precious",
                out -> write(out.resolve("precious/wedding.jpg"), "irreplaceable"),
                content("precious/wedding.jpg", "irreplaceable"))),
        Arguments.of(
            "output folder: id names a user's file 'notes.txt'",
            new Case(
                "notes.txt",
                out -> write(out.resolve("notes.txt"), "my notes"),
                content("notes.txt", "my notes"))),
        Arguments.of(
            "output folder: id 'manifest.jsonl'",
            new Case(
                "manifest.jsonl",
                out -> write(out.resolve("manifest.jsonl"), "{\"job_id\":\"old\",\"files\":[]}\n"),
                content("manifest.jsonl", "{\"job_id\":\"old\",\"files\":[]}\n"))),
        Arguments.of(
            "output folder: id 'MANIFEST.JSONL' (case-insensitive file systems)",
            new Case(
                "MANIFEST.JSONL",
                NOTHING,
                out -> assertThat(out.resolve("MANIFEST.JSONL")).doesNotExist())),
        Arguments.of(
            "output folder: id '.staging'",
            new Case(
                ".staging",
                out -> write(out.resolve(".staging/other-job-123/a.png"), "in flight"),
                content(".staging/other-job-123/a.png", "in flight"))),
        Arguments.of(
            "output folder: id '.editstream-job' (the marker's name)",
            new Case(".editstream-job", NOTHING, NOTHING)),
        Arguments.of(
            "output folder: id '.git' (hidden folder of the user)",
            new Case(
                ".git",
                out -> write(out.resolve(".git/HEAD"), "ref: refs/heads/main"),
                content(".git/HEAD", "ref: refs/heads/main"))),
        Arguments.of(
            "output folder: id '..' (the parent folder)",
            new Case("..", NOTHING, out -> assertThat(out.getParent()).isDirectory())),
        Arguments.of(
            "output folder: id '.' (the output folder itself)",
            new Case(
                ".", out -> write(out.resolve("keep.txt"), "kept"), content("keep.txt", "kept"))),
        Arguments.of(
            "output folder: id '../outside' escaping the folder",
            new Case(
                "../outside",
                out -> write(out.resolveSibling("outside/x.txt"), "outside"),
                out -> assertThat(out.resolveSibling("outside/x.txt")).hasContent("outside"))),
        Arguments.of(
            "output folder: id 'a/b' with a separator",
            new Case(
                "a/b",
                out -> write(out.resolve("a/b/x.txt"), "nested"),
                content("a/b/x.txt", "nested"))),
        Arguments.of("output folder: id with a backslash", new Case("a\\b", NOTHING, NOTHING)),
        Arguments.of("output folder: id with a NUL byte", new Case("a\u0000b", NOTHING, NOTHING)),
        Arguments.of(
            "output folder: empty id",
            new Case(
                "", out -> write(out.resolve("keep.txt"), "kept"), content("keep.txt", "kept"))),
        Arguments.of("output folder: 129-char id", new Case("a".repeat(129), NOTHING, NOTHING)),
        Arguments.of(
            "output folder: id is a link to the user's folder",
            new Case(
                "photos",
                out -> {
                  write(out.resolveSibling("home/photos/cat.jpg"), "cat");
                  link(out.resolve("photos"), out.resolveSibling("home/photos"));
                },
                out -> assertThat(out.resolveSibling("home/photos/cat.jpg")).hasContent("cat"))),
        Arguments.of(
            "output folder: id is a dangling link",
            new Case(
                "dangling",
                out -> link(out.resolve("dangling"), out.resolveSibling("nowhere")),
                out -> assertThat(out.resolve("dangling")).isSymbolicLink())),
        Arguments.of(
            "output folder: another job's folder (marker names another id)",
            new Case(
                "job-b",
                out -> {
                  write(out.resolve("job-b/" + OutputFolder.MARKER), "job-a\n");
                  write(out.resolve("job-b/out.png"), "job-a's output");
                },
                content("job-b/out.png", "job-a's output"))),
        Arguments.of(
            "output folder: folder whose marker is a link to a file naming the job",
            new Case(
                "job-c",
                out -> {
                  write(out.resolveSibling("fake-marker"), "job-c\n");
                  write(out.resolve("job-c/mine.txt"), "user data");
                  link(
                      out.resolve("job-c/" + OutputFolder.MARKER),
                      out.resolveSibling("fake-marker"));
                },
                content("job-c/mine.txt", "user data"))),
        Arguments.of(
            "output folder: folder whose marker is a folder",
            new Case(
                "job-d",
                out -> {
                  write(out.resolve("job-d/" + OutputFolder.MARKER + "/x"), "x");
                  write(out.resolve("job-d/mine.txt"), "user data");
                },
                content("job-d/mine.txt", "user data"))),
        Arguments.of(
            "output folder: folder with an empty marker",
            new Case(
                "job-e",
                out -> {
                  write(out.resolve("job-e/" + OutputFolder.MARKER), "");
                  write(out.resolve("job-e/mine.txt"), "user data");
                },
                content("job-e/mine.txt", "user data"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("conflicts")
  void shouldFailWithOutputConflictAndDeleteNothing(String name, Case c) throws IOException {
    Files.createDirectories(out());
    c.before().accept(out());

    Throwable error = run(c.id());

    assertThat(error)
        .isInstanceOfSatisfying(
            StageException.class,
            e -> {
              assertThat(e.exitClass()).isEqualTo(ExitClass.DATA);
              assertThat(e.reasonText()).isEqualTo("output_conflict");
            });
    c.survives().accept(out());
    try (Stream<Path> staged =
        Files.exists(out().resolve(".staging"))
            ? Files.list(out().resolve(".staging"))
            : Stream.empty()) {
      assertThat(staged.filter(p -> !p.getFileName().toString().startsWith("other-job")))
          .as("nothing left in staging")
          .isEmpty();
    }
  }

  @Test
  void shouldNameTheConflictingPathWhenAUsersFolderHasTheJobsName() throws IOException {
    write(out().resolve("precious/wedding.jpg"), "irreplaceable");

    Throwable error = run("precious");

    assertThat(error)
        .hasMessageContaining(out().resolve("precious").toString())
        .hasMessageContaining("not made by editstream");
  }

  @Test
  void shouldReplaceItsOwnFolderWhenTheSameJobRunsAgain() throws IOException {
    assertThat(run("sku-1")).isNull();
    Path stale = out().resolve("sku-1/stale-output.png");
    write(stale, "from an earlier run");

    assertThat(run("sku-1")).isNull();

    assertThat(stale).doesNotExist();
    assertThat(out().resolve("sku-1/" + OutputFolder.MARKER)).hasContent("sku-1\n");
    try (Stream<Path> files = Files.list(out().resolve("sku-1"))) {
      assertThat(files.filter(p -> !p.getFileName().toString().startsWith("."))).isNotEmpty();
    }
  }

  @Test
  void shouldRefuseIdsThatNameEditstreamsOwnFilesAndAcceptOrdinaryOnes() {
    assertThat(OutputFolder.refusal("manifest.jsonl")).isNotNull();
    assertThat(OutputFolder.refusal("Manifest.Jsonl")).isNotNull();
    assertThat(OutputFolder.refusal(".staging")).isNotNull();
    assertThat(OutputFolder.refusal("errors.jsonl")).isNotNull();
    assertThat(OutputFolder.refusal("SUMMARY.json")).isNotNull();
    assertThat(OutputFolder.refusal(".editstream")).isNotNull();
    assertThat(OutputFolder.refusal(".anything")).isNotNull();
    assertThat(OutputFolder.refusal("sku-0001.v2")).isNull();
    assertThat(OutputFolder.refusal("manifest.jsonl.bak")).isNull();
  }
}
