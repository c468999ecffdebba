package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.localkafka.LocalBroker;
import dev.editstream.runcomfy.RunComfyConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * The object storage run of {@link ObjectStorageIT} against MinIO in a container (Testcontainers):
 * a second S3 implementation, so that nothing passes only because of S3Proxy's leniencies. Skipped,
 * with the reason, where no Docker engine runs.
 */
class MinioStorageIT {
  static final String IMAGE = "minio/minio:RELEASE.2025-04-22T22-12-26Z";
  static final String USER = "editstream";
  static final String PASSWORD = "editstream-minio-secret";
  static final String TOKEN = "minio-it-token";
  @TempDir Path dir;

  @Test
  void shouldStageInputsAndStoreResultsInMinio() throws Exception {
    assumeTrue(
        dockerAvailable(),
        "no Docker engine on this machine: the Testcontainers ("
            + IMAGE
            + ") run is skipped; "
            + "ObjectStorageIT and ObjectStorageFaultIT cover the same paths on S3Proxy");
    try (GenericContainer<?> minio =
        new GenericContainer<>(IMAGE)
            .withCommand("server", "/data")
            .withEnv("MINIO_ROOT_USER", USER)
            .withEnv("MINIO_ROOT_PASSWORD", PASSWORD)
            .withExposedPorts(9000)
            .waitingFor(
                Wait.forHttp("/minio/health/live")
                    .forPort(9000)
                    .withStartupTimeout(Duration.ofMinutes(2)))) {
      minio.start();
      URI endpoint = URI.create("http://" + minio.getHost() + ":" + minio.getMappedPort(9000));
      try (S3AsyncClient admin =
              S3AsyncClient.builder()
                  .endpointOverride(endpoint)
                  .forcePathStyle(true)
                  .region(Region.US_EAST_1)
                  .credentialsProvider(
                      StaticCredentialsProvider.create(AwsBasicCredentials.create(USER, PASSWORD)))
                  .build();
          LocalBroker broker = LocalBroker.start(dir.resolve("broker"));
          RunComfyEmulator emu =
              RunComfyEmulator.start(
                  EmulatorConfig.defaults(dir.resolve("emu"), TOKEN).withFetchInputs(true))) {
        admin.createBucket(b -> b.bucket("editstream-it")).join();
        StorageOptions storage = new StorageOptions();
        storage.stageTo = "s3://editstream-it/in";
        storage.resultsTo = "s3://editstream-it/out";
        storage.s3.endpoint = endpoint;
        storage.s3.pathStyle = true;
        storage.s3.accessKey = USER;
        storage.s3.secretKey = PASSWORD;
        PipelineOptions o =
            EmulatorRunOptions.of(
                broker.bootstrapServers(),
                dir.resolve("out"),
                "minio",
                dir.resolve("catalog-cache.json"),
                emu,
                50);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        BatchRun.Result r =
            BatchRun.run(
                o.toConfig(Map.of()),
                RunComfyConfig.of(emu.baseUrl(), TOKEN),
                false,
                ObjectStorageIT.jobs(dir, "minio", 4),
                List.of(),
                Duration.ofMinutes(3),
                new PrintStream(log, true, StandardCharsets.UTF_8),
                new ArrayList<>(),
                BatchRun.Options.DEFAULT.withStorage(storage));

        assertThat(r.summary().done()).as(log.toString(StandardCharsets.UTF_8)).isEqualTo(4);
        assertThat(
                admin
                    .listObjectsV2(l -> l.bucket("editstream-it").prefix("in/inputs/"))
                    .join()
                    .keyCount())
            .as("three distinct images, uploaded once each")
            .isEqualTo(3);
        assertThat(
                admin
                    .listObjectsV2(l -> l.bucket("editstream-it").prefix("out/"))
                    .join()
                    .contents())
            .hasSize(4)
            .allSatisfy(
                obj ->
                    assertThat(
                            admin
                                .headObject(h -> h.bucket("editstream-it").key(obj.key()))
                                .join()
                                .metadata())
                        .containsKey("sha256"));
      }
    }
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      return false;
    }
  }
}
