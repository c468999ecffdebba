package dev.editstream.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.editstream.core.event.EventType;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.job.Job;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link EventCodec#decodeRequested}: envelopes as before, plain job lines as requested events. */
class EventCodecRequestedTest {
  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void shouldReturnAnEnvelopeUnchanged() {
    JobEvent e =
        JobEvent.requested(
            new Job(
                "j1",
                "warmer",
                List.of("https://a.example.com/x.png"),
                null,
                null,
                null,
                null,
                "b1"),
            Instant.parse("2026-01-01T00:00:00Z"),
            3);
    JobEvent back = EventCodec.decodeRequested(EventCodec.encode(e), NOW);
    assertThat(back).isEqualTo(EventCodec.decode(EventCodec.encode(e)));
    assertThat(back.replays()).isEqualTo(3);
  }

  @Test
  void shouldTurnAPlainJobLineIntoARequestedEvent() {
    JobEvent e =
        EventCodec.decodeRequested(
            utf8(
                "{\"id\":\"sku-1\",\"prompt\":\"Grey paper.\",\"images\":[\"https://cdn.example.com/a.png?sig=1\"],"
                    + "\"params\":{\"seed\":7,\"strength\":0.85},\"batch\":\"spring\"}"),
            NOW);
    assertThat(e.type()).isEqualTo(EventType.REQUESTED);
    assertThat(e.jobId()).isEqualTo("sku-1");
    assertThat(e.at()).isEqualTo(NOW);
    assertThat(e.createdAt()).isEqualTo(NOW);
    assertThat(e.attempt()).isEqualTo(1);
    assertThat(e.replays()).isZero();
    assertThat(e.job())
        .isEqualTo(
            new Job(
                "sku-1",
                "Grey paper.",
                List.of("https://cdn.example.com/a.png?sig=1"),
                null,
                null,
                null,
                Map.of("seed", 7, "strength", 0.85),
                "spring"));
  }

  @Test
  void shouldPassLocalPathsOnAsWrittenForTheRouterToConfine() {
    JobEvent e =
        EventCodec.decodeRequested(
            utf8(
                "{\"id\":\"loc\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/1.png\",\"/etc/passwd\","
                    + "\"relative/b.png\"],\"mask\":\"/srv/in/m.png\",\"params\":{\"seed\":12345678901234567890}}"),
            NOW);
    assertThat(e.job().images())
        .containsExactly("https://a.example.com/1.png", "/etc/passwd", "relative/b.png");
    assertThat(e.job().mask()).isEqualTo("/srv/in/m.png");
    assertThat(e.job().params())
        .containsEntry("seed", new java.math.BigInteger("12345678901234567890"));
    JobEvent v =
        EventCodec.decodeRequested(
            utf8(
                "{\"id\":\"vid\",\"model\":\"wan-ai/wan-2-7/video-edit\",\"video\":\"/srv/in/v.mp4\"}"),
            NOW);
    assertThat(v.job().video()).isEqualTo("/srv/in/v.mp4");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"]}|field \"id\": is required",
        "{\"id\":\"a/b\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"]}|field \"id\": must not contain path separators",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"http://a.example.com/x.png\"]}|field \"images[0]\": must be an https URL",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"https://10.0.0.1/x.png\"]}|field \"images[0]\": must be a public https URL",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"],\"colour\":1}|field \"colour\": is not a job field",
        "{\"id\":\"j\",\"images\":[\"https://a.example.com/x.png\"]}|field \"prompt\": is required",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"/srv/in/a.png\"],\"batch\":\" bad\"}|field \"batch\": must be 1 to 128",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"/srv/in/a\\u0001.png\"]}|field \"images[0]\": must not contain control characters",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"/srv/in/a.png\"],\"params\":{\"images\":[]}}|field \"params.images\": is set from the job's own fields",
        "{\"id\":\"j\",\"id\":\"k\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"]}|not a job",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"]} trailing|not a job"
      })
  void shouldRefuseABadJobLineNamingTheFieldAndRule(String line, String expected) {
    assertThatThrownBy(() -> EventCodec.decodeRequested(utf8(line), NOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(expected);
  }

  @Test
  void shouldRefuseWhatIsNeitherAnEnvelopeNorAJobLine() {
    assertThatThrownBy(() -> EventCodec.decodeRequested(null, NOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tombstone");
    assertThatThrownBy(() -> EventCodec.decodeRequested(new byte[] {(byte) 0xC0, 0x20}, NOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("UTF-8");
    assertThatThrownBy(() -> EventCodec.decodeRequested(utf8("not json"), NOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a job event");
    assertThatThrownBy(() -> EventCodec.decodeRequested(utf8("[1,2]"), NOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a job event");
    assertThatThrownBy(() -> EventCodec.decodeRequested(utf8("   "), NOW))
        .isInstanceOf(IllegalArgumentException.class);
    // an envelope field makes it an envelope, judged as one
    assertThatThrownBy(
            () ->
                EventCodec.decodeRequested(
                    utf8("{\"id\":\"j\",\"type\":\"requested\",\"prompt\":\"x\"}"), NOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a job event");
    assertThatThrownBy(() -> EventCodec.decodeRequested(utf8("{\"v\":2,\"id\":\"j\"}"), NOW))
        .isInstanceOf(IllegalArgumentException.class);
    StringBuilder deep = new StringBuilder();
    deep.append("[".repeat(100_000));
    assertThatThrownBy(() -> EventCodec.decodeRequested(utf8(deep.toString()), NOW))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * A hand-written envelope missing a field is refused naming it (issue 15: one without {@code at}
   * crashed the router).
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"type\":\"requested\",\"job_id\":\"j\",\"at\":\"2026-01-01T00:00:00Z\",\"job\":{\"id\":\"j\",\"prompt\":\"x\"},\"attempt\":1,\"history\":[],\"created_at\":\"2026-01-01T00:00:00Z\",\"replays\":0}|field \"v\": is required",
        "{\"v\":1,\"type\":\"requested\",\"job_id\":\"j\",\"job\":{\"id\":\"j\",\"prompt\":\"x\"},\"attempt\":1,\"history\":[],\"created_at\":\"2026-01-01T00:00:00Z\",\"replays\":0}|field \"at\": is required",
        "{\"v\":1,\"job_id\":\"j\",\"at\":\"2026-01-01T00:00:00Z\",\"job\":{\"id\":\"j\",\"prompt\":\"x\"},\"attempt\":1,\"history\":[],\"created_at\":\"2026-01-01T00:00:00Z\",\"replays\":0}|field \"type\": is required",
        "{\"v\":1,\"type\":\"requested\",\"at\":\"2026-01-01T00:00:00Z\",\"job\":{\"id\":\"j\",\"prompt\":\"x\"},\"attempt\":1,\"history\":[],\"created_at\":\"2026-01-01T00:00:00Z\",\"replays\":0}|field \"job_id\": is required",
        "{\"v\":1,\"type\":\"requested\",\"job_id\":\"j\",\"at\":\"2026-01-01T00:00:00Z\",\"job\":{\"id\":\"j\",\"prompt\":\"x\"},\"history\":[],\"created_at\":\"2026-01-01T00:00:00Z\",\"replays\":0}|field \"attempt\": is required",
        "{\"v\":1,\"type\":\"requested\",\"job_id\":\"j\",\"at\":\"yesterday\",\"job\":{\"id\":\"j\",\"prompt\":\"x\"},\"attempt\":1,\"history\":[],\"created_at\":\"2026-01-01T00:00:00Z\",\"replays\":0}|field \"at\":",
        "{\"v\":1,\"type\":\"requested\",\"job_id\":\"j\",\"at\":\"2026-01-01T00:00:00Z\",\"job\":{\"id\":\"j\",\"prompt\":\"x\",\"images\":[7,{}]},\"attempt\":1,\"history\":[],\"created_at\":\"2026-01-01T00:00:00Z\",\"replays\":0}|field \"job.images[1]\":"
      })
  void shouldNameTheMissingOrWrongFieldOfAnEnvelope(String record, String expected) {
    assertThatThrownBy(() -> EventCodec.decodeRequested(utf8(record), NOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(expected);
    assertThatThrownBy(() -> EventCodec.decode(utf8(record)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(expected);
  }
}
