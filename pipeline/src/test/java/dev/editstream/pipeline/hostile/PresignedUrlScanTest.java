package dev.editstream.pipeline.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.editstream.core.Backoff;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.RouteDecision;
import dev.editstream.core.event.Stage;
import dev.editstream.core.event.Submission;
import dev.editstream.core.event.Topics;
import dev.editstream.core.job.Job;
import dev.editstream.pipeline.kafka.TopicDump;
import dev.editstream.pipeline.stage.Outcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** Issue 14, defect 12: the signatures of pre-signed inputs are on the requests topic only. */
class PresignedUrlScanTest {
  private static final String SIGNED =
      "https://bucket.s3.amazonaws.com/in/a.png?X-Amz-Algorithm=AWS4-HMAC-SHA256"
          + "&X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=0f1e2d3c4b5a69788796a5b4c3d2e1f0&X-Amz-Expires=900";

  @Test
  void shouldCarryNoSignatureOnAnyTopicButTheRequestsTopicAndTheRoutersDelayTopic() {
    Topics t = new Topics("presigned");
    Backoff b = new Backoff(20, 100, 2.0, 10);
    try (HostileKafka k = new HostileKafka()) {
      Map<String, byte[]> done = k.collect(t.done(), "ps-done");
      Map<String, byte[]> failed = k.collect(t.failed(), "ps-failed");
      k.runner(
              t,
              Stage.ROUTER,
              3,
              b,
              ev ->
                  ev.attempt() == 1
                      ? Mono.error(
                          new StageException(
                              ExitClass.TEMPFAIL,
                              FailureReason.HTTP_429,
                              "busy, see " + ev.job().images().get(0)))
                      : Mono.just(
                          Outcome.publish(
                              t.submitted(),
                              ev.submitted(
                                  new RouteDecision("m", "r", List.of()),
                                  Map.of("images", ev.job().images(), "mask", ev.job().mask()),
                                  new Submission(
                                      "r-" + ev.jobId(), null, null, null, Instant.now()),
                                  Instant.now()))))
          .start();
      k.runner(
              t,
              Stage.POLLER,
              3,
              b,
              ev ->
                  ev.jobId().startsWith("bad") && ev.attempt() < 3
                      ? Mono.error(
                          new StageException(ExitClass.UNAVAILABLE, "http_502", "bad gateway"))
                      : ev.jobId().startsWith("bad")
                          ? Mono.error(
                              new StageException(
                                  ExitClass.DATA,
                                  FailureReason.SCHEMA,
                                  "refused input " + ev.job().mask()))
                          : Mono.just(
                              Outcome.publish(
                                  t.completed(),
                                  ev.completed(
                                      List.of("https://x.runcomfy.net/o.png"), Instant.now()))))
          .start();
      k.runner(
              t,
              Stage.DOWNLOADER,
              3,
              b,
              ev -> Mono.just(Outcome.publish(t.done(), ev.done(List.of(), Instant.now()))))
          .start();
      for (String id : List.of("good-1", "good-2", "bad-1")) {
        Job job =
            new Job(
                id, "warmer", List.of(SIGNED), SIGNED, null, null, Map.of("lora", SIGNED), null);
        k.publisher
            .publish(t.requested(), JobEvent.requested(job, Instant.now()))
            .block(Duration.ofSeconds(30));
      }
      await().atMost(Duration.ofSeconds(90)).until(() -> done.size() == 2 && failed.size() == 1);
      List<ConsumerRecord<String, byte[]>> all =
          TopicDump.readAll(k.kafka.bootstrapServers(), t.all(), Duration.ofSeconds(30));
      assertThat(all.stream().map(ConsumerRecord::topic).distinct())
          .contains(t.submitted(), t.completed(), t.done(), t.failed(), t.retry(Stage.POLLER));
      for (ConsumerRecord<String, byte[]> r : all) {
        String v = r.value() == null ? "" : new String(r.value(), StandardCharsets.UTF_8);
        if (r.topic().equals(t.requested()) || r.topic().equals(t.retry(Stage.ROUTER))) {
          continue;
        }
        assertThat(v)
            .as("%s record of %s", r.topic(), r.key())
            .doesNotContain("X-Amz-Signature")
            .doesNotContain("0f1e2d3c4b5a6978");
      }
    }
  }
}
