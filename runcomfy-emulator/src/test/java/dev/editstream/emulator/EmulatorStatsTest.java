package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import org.junit.jupiter.api.Test;

class EmulatorStatsTest {
  static JsonNode json(String s) throws Exception {
    return Json.mapper().readTree(s);
  }

  @Test
  void shouldHashBodiesIgnoringKeyOrderAndWhitespace() throws Exception {
    String a = EmulatorStats.bodyHash(json("{\"prompt\":\"p\",\"o\":{\"x\":1,\"y\":[1,{\"b\":2,\"a\":1}]}}"));
    String b = EmulatorStats.bodyHash(json("{ \"o\": {\"y\":[1,{\"a\":1,\"b\":2}],\"x\":1}, \"prompt\": \"p\" }"));
    String c = EmulatorStats.bodyHash(json("{\"prompt\":\"q\",\"o\":{\"x\":1,\"y\":[1,{\"b\":2,\"a\":1}]}}"));

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
    assertThat(s.submitsPerBodyHash()).containsEntry(EmulatorStats.bodyHash(json("{\"a\":1}")), 2L).hasSize(2);
    assertThat(new long[] {s.statusCalls(), s.resultCalls(), s.cancels(), s.rateLimited(), s.unavailable(), s.downloads()})
        .containsExactly(1, 2, 1, 1, 1, 1);
  }
}
