package dev.editstream.router;

import dev.editstream.core.model.LimitViolations;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.core.model.ModelSpec;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.RunComfyConfig;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

/** {@link CatalogRefresher} through the real client against the emulator on 127.0.0.1. */
class CatalogRefresherTest {
  private static final String TOKEN = "refresh-token";
  private static final ModelCatalog BUILT_IN = ModelCatalog.builtIn();

  @TempDir Path dir;

  private EmulatorConfig config() {
    return EmulatorConfig.defaults(dir, TOKEN).withFetchInputs(false).withLatency(0, 0);
  }

  /** Lucy's schema with 1080p allowed: what a catalog update on RunComfy's side would look like. */
  private static ModelCatalog lucyWith1080p() {
    ObjectNode schema = BUILT_IN.find(Router.LUCY).orElseThrow().inputSchema().deepCopy();
    ((ArrayNode) schema.with("properties").with("resolution").get("enum")).add("1080p");
    return BUILT_IN.withSchema(Router.LUCY, schema);
  }

  private static ObjectNode lucy1080p() {
    return LimitViolations.valid(Router.LUCY).put("resolution", "1080p");
  }

  @Test
  void shouldReplaceEachSchemaWithTheCatalogsInputSchema() {
    try (RunComfyEmulator emu = RunComfyEmulator.start(config(), lucyWith1080p());
        RunComfyClient client = new RunComfyClient(RunComfyConfig.of(emu.baseUrl(), TOKEN))) {
      assertThat(BUILT_IN.check(Router.LUCY, lucy1080p())).as("built-in refuses 1080p").isNotEmpty();

      StepVerifier.create(CatalogRefresher.refresh(client, BUILT_IN))
          .assertNext(c -> {
            assertThat(c.check(Router.LUCY, lucy1080p())).isEmpty();
            assertThat(c.find(Router.LUCY).orElseThrow().inputSchema())
                .isEqualTo(lucyWith1080p().find(Router.LUCY).orElseThrow().inputSchema());
            assertThat(c.all()).extracting(ModelSpec::modelId)
                .containsExactlyElementsOf(BUILT_IN.all().stream().map(ModelSpec::modelId).toList());
            assertThat(c.check(Router.GPT_IMAGE, LimitViolations.valid(Router.GPT_IMAGE).put("size", "512_512"))).isNotEmpty();
          })
          .expectComplete()
          .verify(Duration.ofSeconds(20));
    }
  }

  @Test
  void shouldKeepTheBuiltInSchemasWhenTheCatalogAnswersErrors() {
    try (RunComfyEmulator emu = RunComfyEmulator.start(config().withRate5xx(1.0), lucyWith1080p());
        RunComfyClient client = new RunComfyClient(RunComfyConfig.of(emu.baseUrl(), TOKEN))) {
      StepVerifier.create(CatalogRefresher.refresh(client, BUILT_IN))
          .assertNext(c -> {
            assertThat(c.check(Router.LUCY, lucy1080p())).isNotEmpty();
            assertThat(c.all()).hasSameSizeAs(BUILT_IN.all());
          })
          .expectComplete()
          .verify(Duration.ofSeconds(20));
    }
  }

  @Test
  void shouldKeepTheBuiltInSchemasWhenTheTokenIsRefused() {
    try (RunComfyEmulator emu = RunComfyEmulator.start(config(), lucyWith1080p());
        RunComfyClient client = new RunComfyClient(RunComfyConfig.of(emu.baseUrl(), "wrong-token"))) {
      StepVerifier.create(CatalogRefresher.refresh(client, BUILT_IN))
          .assertNext(c -> assertThat(c.check(Router.LUCY, lucy1080p())).isNotEmpty())
          .expectComplete()
          .verify(Duration.ofSeconds(20));
    }
  }

  @Test
  void shouldKeepTheBuiltInSchemasWhenTheCatalogIsUnreachable() {
    int port;
    try (RunComfyEmulator emu = RunComfyEmulator.start(config(), BUILT_IN)) {
      port = emu.port();
    }
    try (RunComfyClient client = new RunComfyClient(RunComfyConfig.of("http://127.0.0.1:" + port + "/v1", TOKEN))) {
      StepVerifier.create(CatalogRefresher.refresh(client, lucyWith1080p()))
          .assertNext(c -> assertThat(c.check(Router.LUCY, lucy1080p())).isEmpty())
          .expectComplete()
          .verify(Duration.ofSeconds(20));
    }
  }
}
