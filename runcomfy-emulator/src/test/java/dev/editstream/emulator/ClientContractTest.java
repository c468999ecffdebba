package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.model.LimitViolations;
import dev.editstream.core.model.LimitViolations.Violation;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.core.model.ModelSpec;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.RunComfyConfig;
import java.nio.file.Path;
import java.time.Duration;
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
 * editstream/models/limit-violations.json} in core's test jar.
 */
class ClientContractTest {
  private static final String TOKEN = "client-contract";

  @TempDir static Path dir;
  static RunComfyEmulator emu;
  static RunComfyClient client;

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

  /** The same violations the router's schema-check test refuses (core's shared test data). */
  static Stream<Violation> violations() {
    return LimitViolations.all().stream();
  }

  static ObjectNode valid(String model) {
    return LimitViolations.valid(model);
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
