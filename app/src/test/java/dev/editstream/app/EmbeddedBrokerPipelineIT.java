package dev.editstream.app;

import dev.editstream.localkafka.EmbeddedKafka;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole pipeline over the embedded single-node KRaft broker and the RunComfy emulator. */
class EmbeddedBrokerPipelineIT {
  @TempDir Path work;

  @Test
  void shouldEndEveryValidJobDoneOnceAndEveryBadJobFailedOnceWithItsClass() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(null)) {
      PipelineScenario.run(kafka.bootstrapServers(), work);
    }
  }
}
