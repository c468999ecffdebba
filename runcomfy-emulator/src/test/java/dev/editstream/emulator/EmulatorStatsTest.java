package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EmulatorStatsTest {
  static JsonNode json(String s) throws Exception {
    return Json.mapper().readTree(s);
  }

  @Test
  void shouldHashBodiesIgnoringKeyOrderAndWhitespace() throws Exception {
    String a =
        EmulatorStats.bodyHash(
            json("{\"prompt\":\"p\",\"o\":{\"x\":1,\"y\":[1,{\"b\":2,\"a\":1}]}}"));
    String b =
        EmulatorStats.bodyHash(
            json("{ \"o\": {\"y\":[1,{\"a\":1,\"b\":2}],\"x\":1}, \"prompt\": \"p\" }"));
    String c =
        EmulatorStats.bodyHash(
            json("{\"prompt\":\"q\",\"o\":{\"x\":1,\"y\":[1,{\"b\":2,\"a\":1}]}}"));

    assertThat(a).isEqualTo(b).hasSize(64).matches("[0-9a-f]+");
    assertThat(c).isNotEqualTo(a);
  }

  @Test
  void shouldCountSubmitsPerModelAndPerBody() throws Exception {
    EmulatorStats s = new EmulatorStats();
    s.submitted("m1", json("{\"a\":1}"));
    s.submitted("m1", json("{\"a\":1}"));
    s.submitted("m2", json("{\"a\":2}"));
    s.statusCall();
    s.resultCall();
    s.resultCall();
    s.cancel();
    s.rateLimitedSent();
    s.unavailableSent();
    s.download();

    assertThat(s.submits()).isEqualTo(3);
    assertThat(s.submitsPerModel()).containsEntry("m1", 2L).containsEntry("m2", 1L);
    assertThat(s.submitsPerBodyHash())
        .containsEntry(EmulatorStats.bodyHash(json("{\"a\":1}")), 2L)
        .hasSize(2);
    assertThat(
            new long[] {
              s.statusCalls(),
              s.resultCalls(),
              s.cancels(),
              s.rateLimited(),
              s.unavailable(),
              s.downloads()
            })
        .containsExactly(1, 2, 1, 1, 1, 1);
  }

  @Test
  void shouldTimeEachEndToItsFirstStatusAnswerAndThatAnswerToTheNextAcceptedSubmit() {
    long[] now = {0};
    Instant t0 = Instant.parse("2026-12-07T03:00:00Z");
    EmulatorStats s = new EmulatorStats(() -> now[0], t0);
    s.submitted("m", "h1");
    s.submitted("m", "h2");
    now[0] = 250_000_000L;
    s.endAnswered("r1", t0.plusMillis(100));
    now[0] = 260_000_000L;
    s.endAnswered("r1", t0.plusMillis(100)); // the same end told again: not counted
    now[0] = 270_000_000L;
    s.endAnswered("r2", t0.plusMillis(270));
    now[0] = 300_000_000L;
    s.submitted("m", "h3"); // paired with r1's answer (the oldest)
    now[0] = 400_000_000L;
    s.submitted("m", "h4"); // with r2's
    s.submitted("m", "h5"); // nothing left to pair

    assertThat(s.detectionDelays()).containsExactly(150_000_000L, 0L);
    assertThat(s.endToNextSubmit()).containsExactly(50_000_000L, 130_000_000L);
  }

  @Test
  void shouldSplit429sAndCountCallsPerEndpoint() {
    EmulatorStats s = new EmulatorStats();
    s.rateLimitedSent();
    s.capRejected();
    s.capRejected();
    s.rateLimitRejected();
    s.received(Endpoint.SUBMIT);
    s.received(Endpoint.SUBMIT);
    s.received(Endpoint.FILES);

    assertThat(s.faultRateLimited()).isEqualTo(1);
    assertThat(s.capRejections()).isEqualTo(2);
    assertThat(s.rateLimitRejections()).isEqualTo(1);
    assertThat(s.rateLimited()).isEqualTo(4);
    assertThat(s.calls(Endpoint.SUBMIT)).isEqualTo(2);
    assertThat(s.calls())
        .containsEntry(Endpoint.FILES, 1L)
        .containsEntry(Endpoint.STATUS, 0L)
        .hasSize(Endpoint.values().length);
  }

  @Test
  void shouldTellWhenTheLastDownloadStartedOnItsClock() {
    long[] now = {7_000_000_000L};
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    EmulatorStats s = new EmulatorStats(() -> now[0], t0);
    assertThat(s.lastDownloadAt()).isNull();

    now[0] += 1_500_000_000L;
    s.download();
    assertThat(s.lastDownloadAt()).isEqualTo(t0.plusMillis(1500));
    now[0] += 250_000_000L;
    s.download();

    assertThat(s.lastDownloadAt()).isEqualTo(t0.plusMillis(1750));
    assertThat(s.downloads()).isEqualTo(2);
  }

  @Test
  void shouldTellWhenTheFirstPostArrivedOnItsClockAndKeepIt() {
    long[] now = {3_000_000_000L};
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    EmulatorStats s = new EmulatorStats(() -> now[0], t0);
    assertThat(s.firstPostAt()).isNull();

    now[0] += 400_000_000L;
    s.posted("h1");
    now[0] += 600_000_000L;
    s.posted("h2");

    assertThat(s.firstPostAt()).isEqualTo(t0.plusMillis(400));
    assertThat(s.postsPerBodyHash()).containsEntry("h1", 1L).containsEntry("h2", 1L);
  }

  @Test
  void shouldTrackInFlightJobsOverTimeOnAnInjectedClock() throws Exception {
    long[] now = {5_000_000_000L};
    Instant t0 = Instant.parse("2026-11-23T10:00:00Z");
    EmulatorStats s = new EmulatorStats(() -> now[0], t0);
    s.submitted("m", json("{\"a\":1}"));
    s.submitted("m", json("{\"a\":2}"));
    now[0] += 1_000_000_000L; // 2 in flight for 1 s
    s.terminal();
    now[0] += 1_000_000_000L; // 1 in flight for 1 s
    s.terminal();

    assertThat(s.inFlight()).isZero();
    assertThat(s.peakInFlight()).isEqualTo(2);
    assertThat(s.averageInFlight(t0, t0.plusSeconds(2))).isCloseTo(1.5, within(1e-9));
    assertThat(s.averageInFlight(t0.plusSeconds(1), t0.plusSeconds(2)))
        .isCloseTo(1.0, within(1e-9));
    assertThat(s.inFlightSamples()).hasSize(20).startsWith(2, 2).endsWith(1, 1);
    JsonNode j = StatsJson.of(s, t0.plusSeconds(2));
    assertThat(j.path("in_flight").path("peak").asLong()).isEqualTo(2);
    assertThat(j.path("in_flight").path("samples")).hasSize(20);
    assertThat(j.path("submits").asLong()).isEqualTo(2);
    assertThat(j.path("calls").has("submit")).isTrue();
    assertThat(j.path("rejections_429").path("cap").asLong()).isZero();
  }
}
