package dev.editstream.router;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.editstream.core.Json;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.core.model.ModelSpec;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.RunComfyConfig;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The catalog loader against the emulator's own catalog (RunComfy's dialect) through real HTTP. */
class CatalogLoaderTest {
  private static final String TOKEN = "catalog-token";
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-04T12:00:00Z"), ZoneOffset.UTC);

  @TempDir Path dir;
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

  @BeforeEach
  void captureTheLoadersLog() {
    logged.start();
    ((Logger) org.slf4j.LoggerFactory.getLogger(CatalogLoader.class)).addAppender(logged);
  }

  @AfterEach
  void releaseTheLoadersLog() {
    ((Logger) org.slf4j.LoggerFactory.getLogger(CatalogLoader.class)).detachAppender(logged);
  }

  /** The loader's WARN lines since {@code from}, formatted. */
  private List<String> warnings(int from) {
    List<ILoggingEvent> all = List.copyOf(logged.list);
    return all.subList(from, all.size()).stream()
        .filter(e -> e.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  @Test
  void shouldReadTheLiveCatalogPageByPageInRunComfysDialectAndCacheIt() {
    CatalogCache cache = new CatalogCache(dir.resolve("cache/catalog.json"));
    try (RunComfyEmulator emu =
            RunComfyEmulator.start(EmulatorConfig.defaults(dir.resolve("emu"), TOKEN));
        RunComfyClient client = new RunComfyClient(RunComfyConfig.of(emu.baseUrl(), TOKEN))) {
      ArrayNode paged = CatalogLoader.fetchLive(client, 5).block(Duration.ofSeconds(30));
      ArrayNode whole = CatalogLoader.fetchLive(client).block(Duration.ofSeconds(30));
      assertThat(paged).hasSameSizeAs(whole).hasSizeGreaterThan(5);

      ModelCatalog c =
          CatalogLoader.load(client, cache, CLOCK, Duration.ofSeconds(30))
              .block(Duration.ofSeconds(30));

      assertThat(c.source()).isEqualTo(ModelCatalog.Source.LIVE);
      assertThat(c.fetchedAt()).isEqualTo(CLOCK.instant());
      assertThat(c.problems()).isEmpty();
      ModelSpec wan = c.resolve("wan-ai/wan-2-7/edit-video").orElseThrow();
      assertThat(wan.modelId()).isEqualTo("wan-ai/wan-2.7/edit-video");
      assertThat(wan.fields().video()).isEqualTo("video_url");
      assertThat(
              c.check(
                  "tongyi-mai/z-image/turbo/inpainting",
                  Json.mapper()
                      .createObjectNode()
                      .put("prompt", "p")
                      .put("image_url", "u")
                      .put("mask_image_url", "m")
                      .put("strength", 0.55)))
          .as("a float parameter passes the live schema")
          .isEmpty();
      assertThat(
              c.find("openai/gpt-image-2/edit")
                  .orElseThrow()
                  .inputSchema()
                  .path("properties")
                  .has("size"))
          .isFalse();
      assertThat(cache.read())
          .get()
          .satisfies(
              k -> {
                assertThat(k.fetchedAt()).isEqualTo(CLOCK.instant());
                assertThat(k.document().path("base_url").asText()).isEqualTo(emu.baseUrl());
              });
    }
  }

  @Test
  void shouldFallBackToTheDiskCopyAndThenToTheBuiltInSnapshotWhenTheApiIsDown() throws Exception {
    CatalogCache cache = new CatalogCache(dir.resolve("catalog.json"));
    String deadBase;
    try (ServerSocket s = new ServerSocket(0)) {
      deadBase = "http://127.0.0.1:" + s.getLocalPort() + "/v1";
    }
    try (RunComfyClient dead = new RunComfyClient(RunComfyConfig.of(deadBase, TOKEN))) {
      ModelCatalog none =
          CatalogLoader.load(dead, cache, CLOCK, Duration.ofSeconds(10))
              .block(Duration.ofSeconds(20));
      assertThat(none.source()).isEqualTo(ModelCatalog.Source.BUILT_IN);
      assertThat(warnings(0))
          .singleElement()
          .asString()
          .startsWith("model catalog: RunComfy's live catalog could not be read (")
          .contains(
              ") and there is no disk copy; using editstream's built-in snapshot of "
                  + none.fetchedAt()
                  + " ("
                  + none.all().size()
                  + " models; its prices are estimates)");
      int seen = logged.list.size();

      ArrayNode models = Json.mapper().createArrayNode();
      models.add(ModelCatalog.builtInDocument().path("models").get(0));
      cache.write(deadBase, models, Instant.parse("2026-12-01T00:00:00Z"));
      ModelCatalog cached =
          CatalogLoader.load(dead, cache, CLOCK, Duration.ofSeconds(10))
              .block(Duration.ofSeconds(20));
      assertThat(cached.source()).isEqualTo(ModelCatalog.Source.CACHE);
      assertThat(cached.fetchedAt()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
      assertThat(cached.all()).hasSize(1);
      assertThat(warnings(seen))
          .singleElement()
          .asString()
          .startsWith("model catalog: RunComfy's live catalog could not be read (")
          .endsWith("); using the disk copy of 2026-12-01T00:00:00Z (3 d 12 h old, 1 models)");
    }
    assertThat(CatalogLoader.age(Instant.parse("2026-12-01T00:00:00Z"), CLOCK))
        .isEqualTo("3 d 12 h");
  }

  @Test
  void shouldRefuseAWrongTokenAsAnyOtherFailureAndSaySo() {
    try (RunComfyEmulator emu =
            RunComfyEmulator.start(EmulatorConfig.defaults(dir.resolve("emu"), TOKEN));
        RunComfyClient client =
            new RunComfyClient(RunComfyConfig.of(emu.baseUrl(), "wrong-token"))) {
      ModelCatalog c =
          CatalogLoader.load(client, null, CLOCK, Duration.ofSeconds(10))
              .block(Duration.ofSeconds(20));
      assertThat(c.source()).isEqualTo(ModelCatalog.Source.BUILT_IN);
    }
    assertThat(warnings(0))
        .singleElement()
        .asString()
        .startsWith("model catalog: RunComfy's live catalog could not be read (")
        .contains("401")
        .contains("and there is no disk copy; using editstream's built-in snapshot")
        .doesNotContain("wrong-token");
  }
}
