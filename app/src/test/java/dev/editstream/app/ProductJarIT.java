package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.localkafka.LocalBroker;
import dev.editstream.locals3.LocalS3;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: the product jar, {@code app/target/editstream.jar} (built by {@code package}, before
 * this integration test runs), holds the product and nothing else, and works on its own: {@code
 * java -jar} with no other class path runs a batch against a cluster, routes prompts with Lingua
 * (minimized fastutil and Kotlin), serves {@code /metrics}, stages inputs and stores results in S3
 * (minimized AWS SDK), and refuses a run without {@code --bootstrap-servers} with a message naming
 * the option.
 */
class ProductJarIT {
  static final Path JAR = Path.of("target", "editstream.jar");
  static final String TOKEN = "product-jar-token";

  /** Entry prefixes that belong to the tools jar or the tests, never to the product. */
  static final List<String> FORBIDDEN =
      List.of(
          "org/junit/",
          "kafka/server/",
          "kafka/Kafka",
          "scala/",
          "org/apache/kafka/common/test/",
          "dev/editstream/emulator/",
          "dev/editstream/bench/",
          "dev/editstream/tools/",
          "dev/editstream/localkafka/",
          "org/gaul/",
          "org/apache/logging/log4j/core/",
          "org/testcontainers/");

  /**
   * The artifacts the shade plugin minimizes or leaves out (app/pom.xml): not checked class by
   * class.
   */
  static final List<String> TRIMMED =
      List.of(
          "/it/unimi/dsi/",
          "/org/jetbrains/kotlin/kotlin-stdlib",
          "/software/amazon/awssdk/",
          "/io/netty/netty-codec-http3/",
          "/io/netty/netty-codec-native-quic/",
          "/io/netty/netty-codec-classes-quic/",
          "/io/prometheus/prometheus-metrics-exposition-formats/");

  /**
   * The classes cut from kafka-clients, otherwise kept whole (app/pom.xml): the messages' JSON
   * converters (the broker's request log), the OpenTelemetry protos of other signals than the
   * metrics that client telemetry sends, protobuf's compiler-plugin protos. No class left in the
   * jar may name one, by reference or by name in a string (slashes or dots).
   */
  static final Pattern CUT =
      Pattern.compile(
          "org[/.]apache[/.]kafka[/.](common[/.]message[/.]\\w+JsonConverter"
              + "|shaded[/.]io[/.]opentelemetry[/.]proto[/.](collector|logs|profiles|trace)[/.]"
              + "|shaded[/.]com[/.]google[/.]protobuf[/.]compiler[/.])");

  @TempDir Path dir;

  @Test
  void shouldHoldTheProductOnlyAndSayItsSize() throws IOException {
    assertThat(JAR).as("run `./mvnw package` first").exists();
    long models = 0;
    List<String> forbidden = new ArrayList<>();
    Set<String> entries = new HashSet<>();
    try (ZipFile z = new ZipFile(JAR.toFile())) {
      for (Enumeration<? extends ZipEntry> e = z.entries(); e.hasMoreElements(); ) {
        ZipEntry entry = e.nextElement();
        entries.add(entry.getName());
        if (entry.getName().startsWith("language-models/")) {
          // the entry's bytes, its local header and its central-directory record
          models +=
              entry.getCompressedSize()
                  + 76
                  + 2L * entry.getName().getBytes(StandardCharsets.UTF_8).length;
        }
        FORBIDDEN.stream()
            .filter(entry.getName()::startsWith)
            .findFirst()
            .ifPresent(f -> forbidden.add(entry.getName()));
      }
    }
    long size = Files.size(JAR);
    System.out.printf(
        "product jar: %.1f MB, %.1f MB without Lingua's language models (%.1f MB)%n",
        size / 1e6, (size - models) / 1e6, models / 1e6);
    assertThat(forbidden).as("tools, test-kit and broker classes in the product jar").isEmpty();
    // the bar (docs/architecture.md says what was cut for it)
    assertThat(size - models)
        .as("product jar without the language models, bytes")
        .isLessThan(40_000_000L);

    List<String> namingCut = new ArrayList<>();
    List<String> lostProviders = new ArrayList<>();
    try (ZipFile z = new ZipFile(JAR.toFile())) {
      for (Enumeration<? extends ZipEntry> e = z.entries(); e.hasMoreElements(); ) {
        ZipEntry entry = e.nextElement();
        String name = entry.getName();
        if (name.endsWith(".class")) {
          // a class file's names are (modified) UTF-8 in its constant pool: ASCII for these
          String text =
              new String(z.getInputStream(entry).readAllBytes(), StandardCharsets.ISO_8859_1);
          if (CUT.matcher(text).find()) {
            namingCut.add(name);
          }
        } else if (name.startsWith("META-INF/services/") && !entry.isDirectory()) {
          // a service interface the product has: each of its providers is there (the minimized
          // AWS SDK finds its Netty HTTP client this way)
          String service = name.substring("META-INF/services/".length());
          if (!entries.contains(service.replace('.', '/') + ".class")) {
            continue;
          }
          for (String line :
              new String(z.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8)
                  .split("\n")) {
            String provider = line.replaceFirst("#.*", "").trim();
            if (!provider.isEmpty() && !entries.contains(provider.replace('.', '/') + ".class")) {
              lostProviders.add(service + ": " + provider);
            }
          }
        }
      }
    }
    assertThat(namingCut).as("classes naming a class cut from kafka-clients").isEmpty();
    assertThat(lostProviders).as("service providers lost from the product jar").isEmpty();

    // every class of every runtime artifact that is not minimized is in the jar (shade's filters
    // keep them whole), but for the classes cut from kafka-clients
    List<String> missing = new ArrayList<>();
    for (String cp :
        Files.readString(Path.of("target", "runtime-classpath.txt"))
            .trim()
            .split(java.io.File.pathSeparator)) {
      String jar = cp.replace('\\', '/');
      if (TRIMMED.stream().anyMatch(jar::contains) || !jar.endsWith(".jar")) {
        continue;
      }
      try (ZipFile z = new ZipFile(cp)) {
        for (Enumeration<? extends ZipEntry> e = z.entries(); e.hasMoreElements(); ) {
          String name = e.nextElement().getName();
          if (name.endsWith(".class")
              && !name.contains("module-info")
              && !entries.contains(name)
              && !CUT.matcher(name).lookingAt()) {
            missing.add(jar.substring(jar.lastIndexOf('/') + 1) + "!" + name);
          }
        }
      }
    }
    assertThat(missing).as("classes lost from artifacts the product jar must keep whole").isEmpty();
  }

  @Test
  void shouldRunABatchAgainstAClusterFromTheJarAlone() throws Exception {
    Path jobs = dir.resolve("jobs.jsonl");
    Files.writeString(
        jobs,
        String.join(
                "\n",
                "{\"id\":\"en-1\",\"prompt\":\"Replace the background with studio grey paper, keep the product unchanged\",\"images\":[\"https://cdn.example.com/a.png\"]}",
                "{\"id\":\"de-1\",\"prompt\":\"Ersetze den Hintergrund durch graues Studiopapier, das Produkt bleibt unverändert\",\"images\":[\"https://cdn.example.com/b.png\"]}",
                "{\"id\":\"ja-1\",\"prompt\":\"背景をスタジオのグレーの紙に置き換えて、商品はそのままにしてください\",\"images\":[\"https://cdn.example.com/c.png\"]}")
            + "\n",
        StandardCharsets.UTF_8);
    try (RunComfyEmulator emu =
        RunComfyEmulator.start(
            EmulatorConfig.defaults(dir.resolve("emu"), TOKEN)
                .withFetchInputs(false)
                .withLatency(200, 400)
                .withSeed(18))) {
      // without a cluster: the product jar has no broker of its own, and says what to do
      ChildJvm alone =
          ChildJvm.jar(dir, "alone", emu, TOKEN, JAR, "run", "jobs.jsonl", "--out", "out-alone");
      assertThat(alone.exit(Duration.ofMinutes(1))).as(alone.output()).isEqualTo(64);
      assertThat(alone.output()).contains("--bootstrap-servers").contains("tools jar");

      try (LocalBroker broker = LocalBroker.start(dir.resolve("broker"))) {
        int port = freePort();
        ChildJvm run =
            ChildJvm.jar(
                dir,
                "run",
                emu,
                TOKEN,
                JAR,
                "run",
                "jobs.jsonl",
                "--out",
                "out",
                "--bootstrap-servers",
                broker.bootstrapServers(),
                "--allow-download-host",
                "127.0.0.1:" + emu.port(),
                "--catalog-cache",
                dir.resolve("catalog-cache.json").toString(),
                "--metrics-port",
                String.valueOf(port),
                "--timeout-s",
                "240");
        HttpClient http = HttpClient.newHttpClient();
        // the ops port answers while the run lasts: Prometheus text without the protobuf format's
        // module
        String metrics =
            org.awaitility.Awaitility.await()
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(
                    () ->
                        http.send(
                                HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + port + "/metrics"))
                                    .build(),
                                HttpResponse.BodyHandlers.ofString())
                            .body(),
                    b -> b.contains("jvm_memory_used_bytes"));
        assertThat(metrics).contains("# TYPE");
        assertThat(run.exit(Duration.ofMinutes(4))).as(run.output()).isZero();
        JsonNode summary =
            Json.mapper().readTree(dir.resolve("out").resolve("summary.json").toFile());
        assertThat(summary.path("done").asInt()).as(run.output()).isEqualTo(3);
        assertThat(Files.readAllLines(dir.resolve("out").resolve("manifest.jsonl"))).hasSize(3);
      }
    }
  }

  /**
   * The minimized AWS SDK at work: a batch of local images run from the jar alone with {@code
   * --stage-to} and {@code --results-to} against S3Proxy (keys from the environment, where the
   * SDK's default chain finds them) stages each input once (HeadBucket, HeadObject, PutObject,
   * SigV4), the emulator fetches each input through its pre-signed URL, and every output lands in
   * the bucket with its SHA-256.
   */
  @Test
  void shouldStageInputsAndStoreResultsInS3FromTheJarAlone() throws Exception {
    Path jobs = ObjectStorageIT.jobs(dir, "jar-s3", 3);
    Path data = dir.resolve("s3-data");
    try (LocalS3 s3 = LocalS3.start(data, "editstream-jar");
        LocalBroker broker = LocalBroker.start(dir.resolve("broker"));
        RunComfyEmulator emu =
            RunComfyEmulator.start(
                EmulatorConfig.defaults(dir.resolve("emu"), TOKEN)
                    .withFetchInputs(true)
                    .withLatency(200, 400)
                    .withSeed(18))) {
      ChildJvm run =
          ChildJvm.jar(
              dir,
              "s3",
              emu,
              TOKEN,
              Map.of("AWS_ACCESS_KEY_ID", s3.accessKey(), "AWS_SECRET_ACCESS_KEY", s3.secret()),
              JAR,
              "run",
              jobs.toString(),
              "--out",
              "out-s3",
              "--bootstrap-servers",
              broker.bootstrapServers(),
              "--allow-download-host",
              "127.0.0.1:" + emu.port(),
              "--catalog-cache",
              dir.resolve("catalog-cache.json").toString(),
              "--stage-to",
              "s3://" + s3.bucket() + "/in",
              "--results-to",
              "s3://" + s3.bucket() + "/out",
              "--s3-endpoint",
              s3.endpoint().toString(),
              "--s3-path-style",
              "--timeout-s",
              "240");
      assertThat(run.exit(Duration.ofMinutes(4))).as(run.output()).isZero();
      Path out = dir.resolve("out-s3");
      JsonNode summary = Json.mapper().readTree(out.resolve("summary.json").toFile());
      assertThat(summary.path("done").asInt()).as(run.output()).isEqualTo(3);
      assertThat(ObjectStorageIT.files(data.resolve(s3.bucket()).resolve("in").resolve("inputs")))
          .as("three images staged")
          .isEqualTo(3);
      List<String> manifest = Files.readAllLines(out.resolve("manifest.jsonl"));
      assertThat(manifest).hasSize(3);
      int objects = 0;
      for (String l : manifest) {
        JsonNode line = Json.mapper().readTree(l);
        for (JsonNode f : line.path("files")) {
          String uri = f.path("object_uri").asText();
          assertThat(uri)
              .startsWith("s3://" + s3.bucket() + "/out/" + line.path("job_id").asText() + "/");
          Path object =
              data.resolve(s3.bucket())
                  .resolve(uri.substring(("s3://" + s3.bucket() + "/").length()));
          assertThat(
                  HexFormat.of()
                      .formatHex(
                          MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(object))))
              .as(uri)
              .isEqualTo(f.path("sha256").asText());
          objects++;
        }
      }
      assertThat(objects).as("outputs in the bucket").isPositive();
      assertThat(run.output()).doesNotContain(s3.secret());
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
