package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A pipeline's function counters keep their final count after the pipeline is closed and the
 * counted object is collected (Micrometer holds it weakly).
 */
class PipelineFunctionCounterTest {
  @Test
  void shouldKeepTheFinalCountOnceTheCountedObjectIsCollected() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AtomicLong counted = new AtomicLong(7);
    AutoCloseable onClose =
        Pipeline.functionCounter(registry, counted, "t.count", "a test count", AtomicLong::get);
    WeakReference<AtomicLong> gone = new WeakReference<>(counted);

    onClose.close();
    counted = null;
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              System.gc();
              return gone.get() == null;
            });

    assertThat(registry.find("t.count").functionCounter().count()).isEqualTo(7.0);
  }
}
