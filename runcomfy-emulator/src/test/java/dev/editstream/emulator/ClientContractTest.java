package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.core.model.ModelSpec;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.RunComfyConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.test.StepVerifier;

/**
 * Parity of the emulator with the router's schema check, through the real {@link RunComfyClient}:
 * every limit-violation body the router refuses before paying (class 65, its {@code BodyCheckTest})
 * is answered 422 by the emulator and surfaces from the client as a class 65 failure naming the
 * field; each model's valid body is accepted. Both tests read the same list, {@code
 * router-worker/src/test/resources/routing/limit-violations.json}.
 */
class ClientContractTest {
  private static final String TOKEN = "client-contract";

  @TempDir static Path dir;
  static RunComfyEmulator emu;
  static RunComfyClient client;

  /** One body breaking one documented limit, and the field the refusal must name. */
  record Violation(String model, String what, ObjectNode body, String field) {
    @Override
    public String toString() {
      return model + ": " + what;
    }
  }

  @BeforeAll
  static void start() {
    emu = RunComfyEmulator.start(EmulatorConfig.defaults(dir, TOKEN).withFetchInputs(false).withLatency(0, 0), ModelCatalog.builtIn());
    client = new RunComfyClient(RunComfyConfig.of(emu.baseUrl(), TOKEN));
  }

  /** Requests the emulator accepted; each must finish before the emulator stops. */
  static final List<String> accepted = new CopyOnWriteArrayList<>();

  @AfterAll
  static void stop() {
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      for (String id : accepted) {
        assertThat(client.status(id).block(Duration.ofSeconds(5)).terminal()).as(id).isTrue();
      }
    });
    client.close();
    emu.close();
  }

  /** The project root: the nearest ancestor of the working directory whose pom lists the core module. */
  static Path projectRoot() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path pom = d.resolve("pom.xml");
      try {
        if (Files.isRegularFile(pom) && Files.readString(pom).contains("<module>core</module>")) {
          return d;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalStateException("no pom.xml with <module>core</module> above " + Path.of("").toAbsolutePath());
  }

  static JsonNode data() {
    try {
      return Json.mapper().readTree(projectRoot().resolve("router-worker/src/test/resources/routing/limit-violations.json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ObjectNode valid(String model) {
    return (ObjectNode) data().path("valid").get(model).deepCopy();
  }

  /** Applies each violation as the router's test does: urls, remove, rename, set. */
  static Stream<Violation> violations() {
    List<Violation> out = new ArrayList<>();
    for (JsonNode v : data().path("violations")) {
      String model = v.path("model").asText();
      ObjectNode body = valid(model);
      v.path("urls").fields().forEachRemaining(e -> {
        ArrayNode arr = body.putArray(e.getKey());
        for (int i = 1; i <= e.getValue().asInt(); i++) {
          arr.add("https://a.example/" + i + ".jpg");
        }
      });
      v.path("remove").forEach(f -> body.remove(f.asText()));
      v.path("rename").fields().forEachRemaining(e -> body.set(e.getValue().asText(), body.remove(e.getKey())));
      v.path("set").fields().forEachRemaining(e -> body.set(e.getKey(), e.getValue()));
      out.add(new Violation(model, v.path("what").asText(), body, v.path("field").asText()));
    }
    return out.stream();
  }

  static Stream<String> models() {
    return ModelCatalog.builtIn().all().stream().map(ModelSpec::modelId);
  }

  @Test
  void shouldCoverEveryModelOfTheCatalog() {
    assertThat(violations().map(Violation::model).distinct())
        .containsExactlyInAnyOrderElementsOf(models().toList());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("violations")
  void shouldRefuseEachLimitViolationWith422AsAClass65FailureNamingTheField(Violation v) {
    long before = emu.stats().submits();

    StepVerifier.create(client.submit(v.model(), v.body()))
        .expectErrorSatisfies(e -> assertThat(e).isInstanceOfSatisfying(StageException.class, se -> {
          assertThat(se.exitClass()).isEqualTo(ExitClass.DATA);
          assertThat(se.getMessage()).contains("HTTP 422").contains("body." + v.field() + ": ");
        }))
        .verify(Duration.ofSeconds(20));
    assertThat(emu.stats().submits()).isEqualTo(before);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void shouldAcceptEachModelsValidBody(String model) {
    StepVerifier.create(client.submit(model, valid(model)))
        .assertNext(r -> {
          assertThat(r.requestId()).isNotBlank();
          accepted.add(r.requestId());
        })
        .expectComplete()
        .verify(Duration.ofSeconds(20));
  }
}
