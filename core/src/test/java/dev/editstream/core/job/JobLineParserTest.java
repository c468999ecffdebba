package dev.editstream.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JobLineParserTest {
  @TempDir Path dir;
  private JobLineParser parser;

  @BeforeEach
  void setUp() throws Exception {
    Files.writeString(dir.resolve("a.png"), "x");
    parser = new JobLineParser(dir);
  }

  @Test
  void shouldReadAValidJobWithEveryField() {
    var p =
        parser.parse(
            1,
            "{\"id\":\"sku-1\",\"prompt\":\"grey paper\",\"images\":[\"a.png\",\"https://cdn.example.com/b.jpg\"],"
                + "\"model\":\"google/nano-banana-2/edit\",\"params\":{\"seed\":7,\"resolution\":\"2K\"},\"batch\":\"b1\"}");
    assertThat(p.ok()).isTrue();
    assertThat(p.job().images()).containsExactly("a.png", "https://cdn.example.com/b.jpg");
    assertThat(p.job().params()).containsEntry("seed", 7).containsEntry("resolution", "2K");
    assertThat(p.job().batch()).isEqualTo("b1");
  }

  @Test
  void shouldSkipBlankLines() {
    assertThat(parser.parse(3, "   ")).isNull();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{not json|$|65",
        "[1,2]|$|65",
        "{'prompt':'x','images':['a.png']}|id|65",
        "{'id':7,'prompt':'x','images':['a.png']}|id|65",
        "{'id':'a/b','prompt':'x','images':['a.png']}|id|65",
        "{'id':'ok','prompt':'x','images':'a.png'}|images|65",
        "{'id':'ok','prompt':'x','images':[3]}|images[0]|65",
        "{'id':'ok','prompt':'x','images':['file:///etc/passwd']}|images[0]|65",
        "{'id':'ok','prompt':'x','images':['http://cdn.example.com/a.png']}|images[0]|65",
        "{'id':'ok','prompt':'x','images':['missing.png']}|images[0]|66",
        "{'id':'ok','prompt':'x','images':['a.png'],'mask':5}|mask|65",
        "{'id':'ok','prompt':'x','video':'ftp://h/v.mp4'}|video|65",
        "{'id':'ok','prompt':'x','images':['a.png'],'model':'Not A Model'}|model|65",
        "{'id':'ok','prompt':'x','images':['a.png'],'params':[1]}|params|65",
        "{'id':'ok','prompt':'x','images':['a.png'],'params':{'image_urls':['z']}}|params.image_urls|65",
        "{'id':'ok','prompt':'x','images':['a.png'],'colour':'red'}|colour|65",
        "{'id':'ok','prompt':'','images':['a.png']}|prompt|65",
        "{'id':'ok','prompt':'x'}|images|65",
        "{'id':'ok','prompt':'x','video':'a.png','mask':'a.png'}|mask|65",
        "{'id':'ok','prompt':'x','images':['https://user:pw@cdn.example.com/a.png']}|images[0]|65"
      })
  void shouldNameTheFieldAndRuleOfABadLine(String json, String field, int exitClass) {
    var p = parser.parse(4, json.replace('\'', '"'));
    assertThat(p.ok()).isFalse();
    assertThat(p.error().field()).isEqualTo(field);
    assertThat(p.error().exitClass()).isEqualTo(exitClass);
    assertThat(p.error().line()).isEqualTo(4);
    assertThat(p.error().describe()).startsWith("line 4").contains(field);
  }

  @Test
  void shouldRefuseADuplicateIdAndKeepTheIdInTheError() {
    assertThat(parser.parse(1, "{\"id\":\"x1\",\"prompt\":\"p\",\"images\":[\"a.png\"]}").ok())
        .isTrue();
    var second = parser.parse(2, "{\"id\":\"x1\",\"prompt\":\"p\",\"images\":[\"a.png\"]}");
    assertThat(second.error().jobId()).isEqualTo("x1");
    assertThat(second.error().rule()).contains("unique");
  }

  @Test
  void shouldRefuseAPromptOverTheLimit() {
    String big = "a".repeat(JobLineParser.MAX_PROMPT_CHARS + 1);
    var p = parser.parse(1, "{\"id\":\"x\",\"prompt\":\"" + big + "\",\"images\":[\"a.png\"]}");
    assertThat(p.error().field()).isEqualTo("prompt");
    assertThat(p.error().rule()).contains("at most 20000");
  }
}
