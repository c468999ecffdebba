package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Status spellings ({@link StatusWords}) and costs ({@link Pricing}): pure decisions. */
class StatusWordsAndPricingTest {
  static final EmulatorCatalog CATALOG = EmulatorCatalog.builtIn();

  static JsonNode json(String s) throws Exception {
    return Json.mapper().readTree(s.replace('\'', '"'));
  }

  @ParameterizedTest
  @EnumSource(JobBook.State.class)
  void shouldSpellEachRequestStablyAndUseEveryLiveWordOverManyRequests(JobBook.State state) {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 300; i++) {
      String id = UUID.nameUUIDFromBytes(("r" + i).getBytes()).toString();
      String word = StatusWords.LIVE.spell(state, id);
      assertThat(StatusWords.LIVE.spell(state, id)).isEqualTo(word);
      assertThat(StatusWords.phaseOf(word)).contains(state);
      assertThat(StatusWords.DOCUMENTED.spell(state, id)).isEqualTo(state.wire());
      seen.add(word);
    }
    assertThat(seen).containsExactlyInAnyOrderElementsOf(StatusWords.spellings(state));
  }

  @Test
  void shouldKnowTheLiveWordsOfEachPhaseAndParseTheConfigValue() {
    assertThat(StatusWords.spellings(JobBook.State.IN_QUEUE))
        .containsExactly("in_queue", "pending", "waiting");
    assertThat(StatusWords.spellings(JobBook.State.IN_PROGRESS))
        .containsExactly("in_progress", "starting", "processing");
    assertThat(StatusWords.spellings(JobBook.State.COMPLETED))
        .containsExactly("completed", "COMPLETED", "succeeded");
    assertThat(StatusWords.spellings(JobBook.State.FAILED)).containsExactly("failed", "FAILED");
    assertThat(StatusWords.spellings(JobBook.State.CANCELLED))
        .containsExactly("cancelled", "canceled");
    assertThat(StatusWords.phaseOf("Succeeded")).contains(JobBook.State.COMPLETED);
    assertThat(StatusWords.phaseOf("done")).isEmpty();
    assertThat(StatusWords.parse(" Documented ")).isEqualTo(StatusWords.DOCUMENTED);
    assertThat(ResultBeforeCompletion.parse("STATE")).isEqualTo(ResultBeforeCompletion.STATE);
    assertThatThrownBy(() -> StatusWords.parse("loud"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ResultBeforeCompletion.parse(null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldCostImagesPerOutputFile() throws Exception {
    EmulatorModel nano = CATALOG.find("google/nano-banana-2/edit").orElseThrow();
    JsonNode two = json("{'images':['a','b']}");

    assertThat(Pricing.units(nano, json("{}"), two)).isEqualTo(2);
    assertThat(Pricing.cost(nano, json("{}"), two)).isEqualTo(0.078);
    assertThat(Pricing.cost(nano, json("{}"), json("{'images':[]}"))).isZero();
    assertThat(
            Pricing.cost(
                CATALOG.find("blackforestlabs/flux-1-kontext/pro/edit").orElseThrow(),
                json("{}"),
                json("{'image':'a'}")))
        .isEqualTo(0.04);
  }

  @Test
  void shouldCostVideosPerSecondOfTheBodyElseTheSchemaDefaultElseFive() throws Exception {
    EmulatorModel wan = CATALOG.find("wan-ai/wan-2.7/edit-video").orElseThrow();
    EmulatorModel lucy = CATALOG.find("decart/lucy-edit/restyle").orElseThrow();
    JsonNode video = json("{'video':'v'}");

    assertThat(Pricing.cost(wan, json("{'duration':3}"), video)).isEqualTo(0.3);
    assertThat(Pricing.cost(wan, json("{}"), video)).as("schema default 5 s").isEqualTo(0.5);
    assertThat(Pricing.units(lucy, json("{}"), video))
        .as("no duration field")
        .isEqualTo(Pricing.DEFAULT_SECONDS);
    assertThat(Pricing.cost(lucy, json("{}"), video)).isEqualTo(0.25);
  }

  @Test
  void shouldRoundToWholeMicrodollars() {
    assertThat(Pricing.micros(0.1234567)).isEqualTo(123_457);
    assertThat(Pricing.usd(123_457)).isEqualTo(0.123457);
    assertThat(Pricing.usd(Pricing.micros(0.039 * 3))).isEqualTo(0.117);
  }
}
