package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.event.Failure;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Stage;
import dev.editstream.core.event.Topics;
import dev.editstream.core.job.Job;
import dev.editstream.localkafka.EmbeddedKafka;
import dev.editstream.pipeline.EventCodec;
import dev.editstream.pipeline.kafka.EventPublisher;
import dev.editstream.pipeline.kafka.TopicAdmin;
import dev.editstream.pipeline.kafka.TopicDump;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** `editstream failed` and `editstream replay` against a real broker. */
class ReplayIT {

  private static JobEvent failed(String id, Stage stage, int cls, int replays, String batch) {
    JobEvent e =
        JobEvent.requested(
            new Job(
                id,
                "warmer",
                List.of("https://cdn.example.com/" + id + ".png"),
                null,
                null,
                null,
                null,
                batch),
            Instant.now());
    for (int i = 0; i < replays; i++) {
      e = e.replayed(Instant.now());
    }
    return e.failed(
        new Failure(dev.editstream.core.error.ExitClass.ofCode(cls), "r", "m", stage, 1),
        Instant.now());
  }

  private static String run(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    java.io.StringWriter err = new java.io.StringWriter();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      var cl = EditstreamCommand.commandLine();
      cl.setErr(new java.io.PrintWriter(err, true));
      int rc = cl.execute(args);
      assertThat(rc).as("exit code of %s; stderr: %s", String.join(" ", args), err).isZero();
    } finally {
      System.setOut(old);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void shouldListAndReplayFailedJobsOnceEachAndNeverLoop() {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(null);
        EventPublisher p = new EventPublisher(kafka.bootstrapServers(), "it", Map.of())) {
      Topics topics = new Topics("replay-it");
      TopicAdmin.ensureTopics(kafka.bootstrapServers(), topics.all(), 2, (short) 1);
      p.publish(topics.failed(), failed("busy", Stage.POLLER, 75, 0, "b1"))
          .block(Duration.ofSeconds(30));
      p.publish(topics.failed(), failed("bad-line", Stage.PRODUCER, 65, 0, null))
          .block(Duration.ofSeconds(30));
      p.publish(topics.failed(), failed("looping", Stage.ROUTER, 69, 3, "b1"))
          .block(Duration.ofSeconds(30));
      p.publish(topics.failed(), failed("other-batch", Stage.POLLER, 75, 0, "b2"))
          .block(Duration.ofSeconds(30));
      String[] common = {
        "--bootstrap-servers", kafka.bootstrapServers(), "--topic-prefix", "replay-it"
      };

      String listed = run(concat(new String[] {"failed"}, common));
      assertThat(listed)
          .contains("busy")
          .contains("bad-line")
          .contains("looping")
          .contains("4 failed jobs");

      String replayed =
          run(concat(new String[] {"replay", "--batch", "b1", "--max-replays", "3"}, common));
      assertThat(replayed)
          .contains("replayed busy (replay 1)")
          .contains("skipped looping: already replayed 3 times")
          .doesNotContain("other-batch")
          .contains("1 jobs replayed, 1 skipped");

      List<JobEvent> requested =
          TopicDump.readAll(
                  kafka.bootstrapServers(), List.of(topics.requested()), Duration.ofSeconds(30))
              .stream()
              .map(r -> EventCodec.decode(r.value()))
              .toList();
      assertThat(requested)
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.jobId()).isEqualTo("busy");
                assertThat(e.replays()).isEqualTo(1);
                assertThat(e.attempt()).isEqualTo(1);
              });
    }
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = new String[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
