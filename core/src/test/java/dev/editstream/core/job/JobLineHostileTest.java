package dev.editstream.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.hostile.Surface;
import dev.editstream.core.hostile.SurfaceNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Surface("job line")
@DisplayNameGeneration(SurfaceNames.class)
class JobLineHostileTest {
  private static final String GOOD = "'prompt':'x','images':['a.png']";
  @TempDir Path dir;
  private JobLineParser parser;

  @BeforeEach
  void setUp() throws Exception {
    Files.writeString(dir.resolve("a.png"), "x");
    parser = new JobLineParser(dir);
  }

  private LineError error(int line, String json) {
    var p = parser.parse(line, json.replace('\'', '"'));
    assertThat(p).isNotNull();
    assertThat(p.ok()).as("line should be refused: %s", json).isFalse();
    return p.error();
  }

  @ParameterizedTest(name = "job line: {0} -> {1}: {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{'id':'a','id':'b','prompt':'x','images':['a.png']}|id|duplicate key",
        "{'id':'a','prompt':'x','prompt':'y','images':['a.png']}|prompt|duplicate key",
        "{'id':'a','prompt':'x','images':['a.png'],'params':{'seed':1,'seed':2}}|params.seed|duplicate key",
        "{'id':'a','prompt':'x','images':['a.png']} trailing|$|nothing after it",
        "{'id':'a','prompt':'x','images':['a.png']}{'id':'b'}|$|nothing after it",
        "{'id':'a','prompt':'x','images':['a.png']}}|$|nothing after it",
        "{'id':'a','prompt':'unterminated|prompt|must be valid JSON",
        "{'id':'a','prompt':'x',|$|must be valid JSON",
        "{'id':'a','images':['a.png',]}|images|must be valid JSON",
        "{id:'a'}|$|must be valid JSON",
        "[{'id':'a'}]|$|was an array",
        "42|$|was a number",
        "null|$|was a null",
        "true|$|was a boolean",
        "{}|id|is required",
        "{'id':null,'prompt':'x','images':['a.png']}|id|is required",
        "{'id':7,'prompt':'x','images':['a.png']}|id|must be a string, was number",
        "{'id':['a'],'prompt':'x','images':['a.png']}|id|must be a string, was array",
        "{'id':'','prompt':'x','images':['a.png']}|id|must not be empty",
        "{'id':'..','prompt':'x','images':['a.png']}|id|must not start with '.'",
        "{'id':'.hidden','prompt':'x','images':['a.png']}|id|must not start with '.'",
        "{'id':'a\\\\b','prompt':'x','images':['a.png']}|id|path separators",
        "{'id':'../etc/passwd','prompt':'x','images':['a.png']}|id|path separators",
        "{'id':'a b','prompt':'x','images':['a.png']}|id|must match",
        "{'id':'a\\u202Eb','prompt':'x','images':['a.png']}|id|bidirectional",
        "{'id':'a\\u0000b','prompt':'x','images':['a.png']}|id|control characters",
        "{'id':'a','prompt':null,'images':['a.png']}|prompt|is required",
        "{'id':'a','prompt':'x','images':null}|images|is required",
        "{'id':'a','prompt':'x','images':[null]}|images[0]|must be a string",
        "{'id':'a','prompt':'x','images':['']}|images[0]|must not be empty",
        "{'id':'a','prompt':7,'images':['a.png']}|prompt|must be a string",
        "{'id':'a','prompt':'x\\u0000y','images':['a.png']}|prompt|control characters",
        "{'id':'a','prompt':'x\\ud800','images':['a.png']}|prompt|unpaired surrogate",
        "{'id':'a','prompt':'x','images':['a.png'],'batch':7}|batch|must be a string",
        "{'id':'a','prompt':'x','images':['a.png'],'batch':'../up'}|batch|must be 1 to 128",
        "{'id':'a','prompt':'x','images':['a.png'],'batch':'b\\u202E'}|batch|bidirectional",
        "{'id':'a','prompt':'x','images':['a.png'],'model':'Google/Nano'}|model|RunComfy model_id",
        "{'id':'a','prompt':'x','images':['a.png'],'model':'google/../../etc'}|model|RunComfy model_id",
        "{'id':'a','prompt':'x','images':['a.png'],'model':'google/nano banana'}|model|RunComfy model_id",
        "{'id':'a','prompt':'x','images':['a.png'],'model':['google/x']}|model|must be a string",
        "{'id':'a','prompt':'x','images':['a.png'],'params':'seed=1'}|params|JSON object",
        "{'id':'a','prompt':'x','images':['a.png'],'\\u202Eevil':1}|[\"\\u202Eevil\"]|not a job field"
      })
  void shouldAnswerEachHostileLineWithOneFieldAndRule(String json, String field, String fragment) {
    LineError e = error(9, json);
    assertThat(e.field()).isEqualTo(field);
    assertThat(e.rule()).contains(fragment);
    assertThat(e.exitClass()).isEqualTo(65);
    assertThat(e.line()).isEqualTo(9);
  }

  @Test
  void shouldRefuseAStringAtTopLevel() {
    LineError e = error(1, "\"just a string\"");
    assertThat(e.field()).isEqualTo("$");
    assertThat(e.rule()).isEqualTo("must be one JSON object, was a string");
  }

  @Test
  void shouldRefuseNestingDeeperThan20Levels() {
    String bomb = "{\"id\":\"deep\",\"params\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
    LineError e = error(1, bomb);
    assertThat(e.rule()).contains("at most 20 levels");
    assertThat(e.field()).isEqualTo("params");
    assertThat(e.jobId()).isEqualTo("deep");
  }

  @Test
  void shouldRefuseANestingBombAtTopLevelAsTheWholeLine() {
    LineError e = error(1, "[".repeat(50_000));
    assertThat(e.field()).isEqualTo("$");
    assertThat(e.rule()).contains("at most 20 levels");
  }

  @Test
  void shouldAcceptAByteOrderMarkOnLineOneOnly() {
    String line = "\uFEFF{'id':'bom1'," + GOOD + "}";
    assertThat(parser.parse(1, line.replace('\'', '"')).ok()).isTrue();
    LineError e = error(2, line.replace("bom1", "bom2"));
    assertThat(e.field()).isEqualTo("$");
    assertThat(e.rule()).contains("byte order mark");
  }

  @Test
  void shouldNameTheIdOfABrokenLineWhenItWasReadableAndNew() {
    assertThat(error(1, "{'id':'known'," + GOOD + ",").jobId()).isEqualTo("known");
    assertThat(error(2, "{'id':'known'," + GOOD + ",").jobId()).as("claimed by line 1").isNull();
    assertThat(error(3, "{'prompt':'x','id':'ok2'} junk").jobId()).isEqualTo("ok2");
    assertThat(error(4, "{'id':'ok2'," + GOOD + "}").rule()).contains("must be unique");
  }

  @Test
  void shouldClaimTheReadableIdOfALineRefusedBeforeParsing() {
    assertThat(parser.claimReadableId("{\"id\":\"cut\",\"prompt\":\"caf\uFFFD(\""))
        .isEqualTo("cut");
    assertThat(parser.claimReadableId("{\"id\":\"cut\"}")).as("already claimed").isNull();
    assertThat(parser.claimReadableId("\uFEFF{\"prompt\":\"x\",\"id\":\"late\"")).isEqualTo("late");
    assertThat(parser.claimReadableId("{\"id\":\"bad\uFFFDid\"}")).isNull();
    assertThat(parser.claimReadableId("{\"params\":{\"id\":\"nested\"}}")).isNull();
    assertThat(parser.claimReadableId("[\"id\"]")).isNull();
    assertThat(error(5, "{'id':'cut'," + GOOD + "}").rule()).contains("must be unique");
  }

  @Test
  void shouldRefuseDuplicateIdsAfterBadLinesToo() {
    assertThat(error(1, "{'id':'d1','prompt':'x','images':['missing.png']}").exitClass())
        .isEqualTo(66);
    LineError dup = error(2, "{'id':'d1'," + GOOD + "}");
    assertThat(dup.field()).isEqualTo("id");
    assertThat(dup.jobId()).isEqualTo("d1");
  }

  @Test
  @Timeout(5)
  void shouldRefuseTenThousandImagesFastWithTheCount() {
    String imgs = String.join(",", java.util.Collections.nCopies(10_000, "\"a.png\""));
    long t0 = System.nanoTime();
    LineError e = error(1, "{\"id\":\"many\",\"prompt\":\"x\",\"images\":[" + imgs + "]}");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    assertThat(e.field()).isEqualTo("images");
    assertThat(e.rule()).isEqualTo("must hold at most 500 items, held 10000");
  }

  @Test
  void shouldRefuseAOneMegabytePromptNamingItsLength() {
    LineError e =
        error(
            1,
            "{\"id\":\"big\",\"prompt\":\"" + "p".repeat(1_000_000) + "\",\"images\":[\"a.png\"]}");
    assertThat(e.rule()).isEqualTo("must be at most 20000 characters, was 1000000");
  }

  @Test
  void shouldRefuseAnOverlongIdAndBatch() {
    assertThat(error(1, "{'id':'" + "a".repeat(129) + "'," + GOOD + "}").rule())
        .isEqualTo("must be at most 128 characters, was 129");
    assertThat(
            parser
                .parse(2, ("{'id':'" + "a".repeat(128) + "'," + GOOD + "}").replace('\'', '"'))
                .ok())
        .isTrue();
    assertThat(error(3, "{'id':'b3'," + GOOD + ",'batch':'" + "b".repeat(129) + "'}").rule())
        .contains("at most 128");
  }

  @Test
  void shouldKeepTabsAndLineBreaksInPromptsAndAcceptSafeBatchLabels() {
    var p =
        parser.parse(
            1,
            "{\"id\":\"t\",\"prompt\":\"a\\tb\\nc\",\"images\":[\"a.png\"],\"batch\":\"spring gallery: v2\"}");
    assertThat(p.ok()).isTrue();
    assertThat(p.job().prompt()).isEqualTo("a\tb\nc");
    assertThat(p.job().batch()).isEqualTo("spring gallery: v2");
  }

  @Test
  void shouldUseTheGivenAllowedFolders() throws Exception {
    Path other = Files.createDirectories(dir.resolveSibling(dir.getFileName() + "-other"));
    Files.writeString(other.resolve("o.png"), "x");
    JobLineParser wide = new JobLineParser(dir, List.of(dir, other));
    assertThat(
            wide.parse(
                    1,
                    "{\"id\":\"o\",\"prompt\":\"x\",\"images\":[\""
                        + other.resolve("o.png")
                        + "\"]}")
                .ok())
        .isTrue();
    assertThat(wide.allowedInputRoots()).hasSize(2);
    LineError e = error(1, "{'id':'o','prompt':'x','images':['" + other.resolve("o.png") + "']}");
    assertThat(e.field()).isEqualTo("images[0]");
    assertThat(e.rule()).startsWith("must be inside an allowed input folder: ");
  }
}
