package dev.editstream.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.RecordLimits;
import dev.editstream.core.event.Topics;
import dev.editstream.core.hostile.Surface;
import dev.editstream.core.hostile.SurfaceNames;
import dev.editstream.localkafka.EmbeddedKafka;
import dev.editstream.pipeline.EventCodec;
import dev.editstream.pipeline.kafka.EventPublisher;
import dev.editstream.pipeline.kafka.TopicAdmin;
import dev.editstream.pipeline.kafka.TopicDump;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 14, defect 3 at the producer, on the embedded broker: a job line whose requested event
 * would break the record limits fails there with class 65 ({@code record_too_large}) and is never
 * published as requested; its neighbours are.
 */
@Surface("job line")
@DisplayNameGeneration(SurfaceNames.class)
class JobLineSizeHostileTest {
  private static final AtomicInteger RUN = new AtomicInteger();
  private static EmbeddedKafka kafka;
  private static EventPublisher publisher;
  @TempDir Path dir;

  @BeforeAll
  static void start() {
    kafka = EmbeddedKafka.start(null);
    publisher = new EventPublisher(kafka.bootstrapServers(), "size-test", Map.of());
  }

  @AfterAll
  static void stop() {
    publisher.close();
    kafka.close();
  }

  private static String line(String id, String prompt, String extra) {
    return "{\"id\":\""
        + id
        + "\",\"prompt\":\""
        + prompt
        + "\",\"images\":[\"https://cdn.example.com/a.png\"]"
        + extra
        + "}";
  }

  /**
   * A params array of {@code n} strings of {@code unit} repeated to 2,000 chars (the parser's own
   * limits hold).
   */
  private static String params(int keys, int n, String unit) {
    String item = "\"" + unit.repeat(2_000 / unit.length()) + "\"";
    String arr = "[" + Stream.generate(() -> item).limit(n).collect(Collectors.joining(",")) + "]";
    return ",\"params\":{"
        + java.util.stream.IntStream.range(0, keys)
            .mapToObj(k -> "\"k" + k + "\":" + arr)
            .collect(Collectors.joining(","))
        + "}";
  }

  static Stream<Arguments> big() {
    return Stream.of(
        Arguments.of(
            "a valid 968 KB line (25 paid POSTs before)",
            line("big", "x", params(1, 484, "p")),
            true),
        Arguments.of(
            "a valid 1.17 MB line (aborted the run before)",
            line("big", "x", params(2, 292, "p")),
            true),
        Arguments.of(
            "500 image URLs of 2,000 chars",
            "{\"id\":\"big\",\"prompt\":\"x\",\"images\":["
                + java.util.stream.IntStream.range(0, 500)
                    .mapToObj(
                        i -> "\"https://cdn.example.com/" + i + "/" + "a".repeat(1_970) + ".png\"")
                    .collect(Collectors.joining(","))
                + "]}",
            true),
        Arguments.of(
            "950 KB of two-byte characters", line("big", "x", params(1, 475, "\u00E9")), true),
        Arguments.of("940 KB of escaped quotes", line("big", "x", params(1, 470, "\\\"")), true),
        Arguments.of(
            "a 1.9 MB line just under the line cap", line("big", "x", params(2, 475, "q")), true),
        Arguments.of(
            "an 820 KB line under the record limit, published",
            line("big", "x", params(1, 410, "p")),
            false));
  }

  @ParameterizedTest(
      name = "job line: {0}: refused at the producer with class 65 = {2}, and its neighbours go on")
  @MethodSource("big")
  void shouldRefuseAJobTooLargeForKafkaAndPublishItsNeighbours(
      String name, String bigLine, boolean refused) throws Exception {
    Topics topics = new Topics("size-" + RUN.incrementAndGet());
    TopicAdmin.ensureTopics(kafka.bootstrapServers(), topics.all(), 2, (short) 1);
    Path file = dir.resolve("jobs.jsonl");
    Files.writeString(
        file,
        String.join("\n", line("before", "warmer", ""), bigLine, line("after", "cooler", ""))
            + "\n");

    JobProducer.Report report = new JobProducer(publisher, topics, Clock.systemUTC()).publish(file);
    if (!refused) {
      assertThat(report.errors()).isEmpty();
      assertThat(
              TopicDump.readAll(
                  kafka.bootstrapServers(), List.of(topics.requested()), Duration.ofSeconds(30)))
          .extracting(ConsumerRecord::key)
          .containsExactlyInAnyOrder("before", "big", "after");
      return;
    }

    assertThat(report.jobs()).extracting(j -> j.id()).containsExactly("before", "after");
    assertThat(report.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.line()).isEqualTo(2);
              assertThat(e.jobId()).isEqualTo("big");
              assertThat(e.exitClass()).isEqualTo(65);
              assertThat(e.rule())
                  .contains("record_too_large")
                  .contains("over the limit of 921,600 bytes");
            });
    List<ConsumerRecord<String, byte[]>> requested =
        TopicDump.readAll(
            kafka.bootstrapServers(), List.of(topics.requested()), Duration.ofSeconds(30));
    assertThat(requested)
        .extracting(ConsumerRecord::key)
        .containsExactlyInAnyOrder("before", "after");
    List<ConsumerRecord<String, byte[]>> failed =
        TopicDump.readAll(
            kafka.bootstrapServers(), List.of(topics.failed()), Duration.ofSeconds(30));
    assertThat(failed)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.key()).isEqualTo("big");
              assertThat(r.value().length)
                  .isLessThanOrEqualTo(RecordLimits.DEFAULTS.maxRecordBytes());
              JobEvent f = EventCodec.decode(r.value());
              assertThat(f.failure().exitClass().code()).isEqualTo(65);
              assertThat(f.failure().reasonText()).isEqualTo("record_too_large");
              assertThat(f.failure().message())
                  .contains("line 2")
                  .contains("\"big\"")
                  .contains("bytes");
            });
  }
}
