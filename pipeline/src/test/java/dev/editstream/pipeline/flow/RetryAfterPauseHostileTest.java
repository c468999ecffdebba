package dev.editstream.pipeline.flow;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.editstream.core.hostile.Surface;
import dev.editstream.core.hostile.SurfaceNames;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Issue 14, defect 7: a 429's Retry-After pauses the flow-control gate for at most its max pause,
 * in virtual time.
 */
@Surface("retry-after")
@DisplayNameGeneration(SurfaceNames.class)
class RetryAfterPauseHostileTest {
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @BeforeEach
  void capture() {
    logs.start();
    ((Logger) LoggerFactory.getLogger(FlowControl.class)).addAppender(logs);
  }

  @AfterEach
  void release() {
    ((Logger) LoggerFactory.getLogger(FlowControl.class)).detachAppender(logs);
  }

  static Stream<Arguments> asked() {
    return Stream.of(
        Arguments.of("999999 seconds", Duration.ofSeconds(999_999), Duration.ofSeconds(60), true),
        Arguments.of(
            "Long.MAX_VALUE seconds",
            Duration.ofSeconds(Long.MAX_VALUE),
            Duration.ofSeconds(60),
            true),
        Arguments.of("61 seconds", Duration.ofSeconds(61), Duration.ofSeconds(60), true),
        Arguments.of("10 seconds, honoured", Duration.ofSeconds(10), Duration.ofSeconds(10), false),
        Arguments.of("zero", Duration.ZERO, Duration.ZERO, false),
        Arguments.of("negative", Duration.ofSeconds(-30), Duration.ZERO, false));
  }

  @ParameterizedTest(name = "retry-after: {0} pauses acquisitions for at most the max pause")
  @MethodSource("asked")
  void shouldPauseForAtMostTheMaxPause(
      String name, Duration retryAfter, Duration applied, boolean warned) {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    FlowControl fc =
        new FlowControl(FlowControl.Settings.fixed(4, 4), vts).withMaxPause(Duration.ofSeconds(60));
    fc.acquireNow("m").rejected(retryAfter);
    AtomicReference<FlowControl.Permit> got = new AtomicReference<>();
    fc.acquire("m").subscribe(got::set);
    if (!applied.isZero()) {
      vts.advanceTimeBy(applied.minusMillis(1));
      assertThat(got.get()).as("granted before the pause ended").isNull();
      vts.advanceTimeBy(Duration.ofMillis(1));
    }
    assertThat(got.get()).as("granted once the pause ended").isNotNull();
    long warns =
        logs.list.stream().filter(e -> e.getFormattedMessage().contains("Retry-After")).count();
    assertThat(warns).isEqualTo(warned ? 1 : 0);
    if (warned) {
      assertThat(logs.list.get(0).getFormattedMessage())
          .contains("pausing 60000 ms")
          .contains("asked to pause for");
    }
  }

  @Test
  void shouldRefuseAMaxPauseThatIsNotPositive() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> AdaptiveLimit.upTo(10).maxPause(Duration.ZERO))
        .hasMessageContaining("maxPause");
  }
}
