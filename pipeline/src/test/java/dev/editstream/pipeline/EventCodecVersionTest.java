package dev.editstream.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.event.Attempt;
import dev.editstream.core.event.EventType;
import dev.editstream.core.event.Failure;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Stage;
import dev.editstream.core.job.Job;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Envelope versions 1 (exit classes as codes) and 2 (as names) both decode; version 2 is written.
 */
class EventCodecVersionTest {
  private static final String V1 =
      """
      {"v":1,"type":"failed","job_id":"j1","at":"2026-01-01T00:00:10Z","job":{"id":"j1","prompt":"p","images":["https://example.com/a.png"]},
       "failure":{"exit_class":75,"reason":"may_have_been_submitted","message":"job j1: no answer","stage":"router","attempts":2},
       "attempt":2,"history":[{"stage":"router","exit_class":69,"reason":"http_503_500001","message":"HTTP 503","at":"2026-01-01T00:00:05Z"}],
       "created_at":"2026-01-01T00:00:00Z","replays":0}
      """;
  private static final String V2 =
      """
      {"v":2,"type":"failed","job_id":"j1","at":"2026-01-01T00:00:10Z","job":{"id":"j1","prompt":"p","images":["https://example.com/a.png"]},
       "failure":{"exit_class":"TEMPFAIL","reason":"may_have_been_submitted","message":"job j1: no answer","stage":"router","attempts":2},
       "attempt":2,"history":[{"stage":"router","exit_class":"UNAVAILABLE","reason":"http_503_500001","message":"HTTP 503","at":"2026-01-01T00:00:05Z"}],
       "created_at":"2026-01-01T00:00:00Z","replays":0}
      """;

  private static JobEvent decode(String json) {
    return EventCodec.decode(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void shouldDecodeAVersion1EventWithNumericExitClasses() {
    JobEvent e = decode(V1);
    assertThat(e.v()).isEqualTo(1);
    assertThat(e.failure().exitClass()).isEqualTo(ExitClass.TEMPFAIL);
    assertThat(e.failure().reason()).isEqualTo(FailureReason.MAY_HAVE_BEEN_SUBMITTED);
    assertThat(e.failure().stage()).isEqualTo(Stage.ROUTER);
    assertThat(e.failure().attempts()).isEqualTo(2);
    Attempt a = e.history().get(0);
    assertThat(a.exitClass()).isEqualTo(ExitClass.UNAVAILABLE);
    assertThat(a.reason()).isEqualTo(FailureReason.HTTP);
    assertThat(a.reasonText()).isEqualTo("http_503_500001");
  }

  @Test
  void shouldDecodeAVersion2EventWithNamedExitClassesToTheSameFields() {
    JobEvent v1 = decode(V1);
    JobEvent v2 = decode(V2);
    assertThat(v2.v()).isEqualTo(2);
    assertThat(v2.failure()).isEqualTo(v1.failure());
    assertThat(v2.history()).isEqualTo(v1.history());
    assertThat(v2.toBuilder().v(1).build()).isEqualTo(v1);
  }

  @Test
  void shouldWriteVersion2WithNamesEvenForAnEventReadAsVersion1() throws Exception {
    JsonNode written = Json.mapper().readTree(EventCodec.encode(decode(V1)));
    assertThat(written.get("v").asInt()).isEqualTo(JobEvent.VERSION).isEqualTo(2);
    assertThat(written.at("/failure/exit_class").asText()).isEqualTo("TEMPFAIL");
    assertThat(written.at("/failure/reason").asText()).isEqualTo("may_have_been_submitted");
    assertThat(written.at("/history/0/exit_class").asText()).isEqualTo("UNAVAILABLE");
    assertThat(written.at("/history/0/reason").asText()).isEqualTo("http_503_500001");
    assertThat(written.at("/history/0/at").asText()).isEqualTo("2026-01-01T00:00:05Z");
  }

  @Test
  void shouldRoundTripAFailedEventThroughTheCodec() {
    Instant t = Instant.parse("2026-02-03T04:05:06Z");
    Job job =
        new Job(
            "rt-1", "prompt", List.of("https://example.com/a.png"), null, null, null, null, null);
    JobEvent e =
        JobEvent.requested(job, t)
            .retry(
                new Attempt(Stage.ROUTER, ExitClass.TEMPFAIL, "http_429_100429", "slow down", t),
                t.plusSeconds(3))
            .failed(
                new Failure(
                    ExitClass.DATA, FailureReason.SCHEMA, "job rt-1: body: bad", Stage.ROUTER, 2),
                t.plusSeconds(9));
    JobEvent back = EventCodec.decode(EventCodec.encode(e));
    assertThat(back).isEqualTo(e);
    assertThat(back.history().get(0).reason()).isEqualTo(FailureReason.HTTP_429);
    assertThat(back.history().get(0).reasonText()).isEqualTo("http_429_100429");
  }

  @Test
  void shouldKeepTheTextOfAReasonThisBuildDoesNotKnow() throws Exception {
    JobEvent e = decode(V2.replace("may_have_been_submitted", "quota_exceeded_elsewhere"));
    assertThat(e.failure().reason()).isEqualTo(FailureReason.UNKNOWN);
    assertThat(e.failure().reasonText()).isEqualTo("quota_exceeded_elsewhere");
    assertThat(Json.mapper().readTree(EventCodec.encode(e)).at("/failure/reason").asText())
        .isEqualTo("quota_exceeded_elsewhere");
  }

  @Test
  void shouldRefuseAnUnknownVersionOrExitClass() {
    assertThatThrownBy(() -> decode(V2.replace("\"v\":2", "\"v\":3")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unsupported event version 3");
    assertThatThrownBy(() -> decode(V2.replace("\"TEMPFAIL\"", "\"SOMETIMES\"")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exit");
    assertThat(EventType.FAILED.wire()).isEqualTo("failed");
  }
}
