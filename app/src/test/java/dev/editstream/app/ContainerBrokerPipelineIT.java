package dev.editstream.app;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The same scenario against {@code apache/kafka} in a container (Testcontainers). Skipped, with the
 * reason, where no Docker engine runs.
 */
class ContainerBrokerPipelineIT {
  @TempDir Path work;

  @Test
  void shouldPassTheScenarioOnAnApacheKafkaContainer() throws Exception {
    assumeTrue(
        dockerAvailable(),
        "no Docker engine on this machine: the Testcontainers (apache/kafka) run is skipped; "
            + "EmbeddedBrokerPipelineIT covers the same scenario on the embedded broker");
    try (KafkaContainer kafka = new KafkaContainer("apache/kafka:4.1.0")) {
      kafka.start();
      PipelineScenario.run(kafka.getBootstrapServers(), work);
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
