package dev.editstream.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.editstream.core.job.Job;
import dev.editstream.core.job.LineError;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4, item 8: every hostile line gets one clear error, and the good lines around it go
 * through.
 */
@Timeout(60)
class HostileCorpusTest {
  @TempDir Path tmp;
  private HostileCorpus corpus;
  private JobFileReader.Result result;

  @BeforeEach
  void setUp() throws Exception {
    corpus = HostileCorpus.writeTo(tmp);
    result = JobFileReader.readAll(corpus.file);
  }

  @Test
  void shouldHoldAtLeastSixtyBadLinesBetweenGoodOnesWithAnExpectationForEveryLine() {
    long bad = corpus.expected.stream().filter(e -> !e.ok()).count();
    assertThat(bad).isGreaterThanOrEqualTo(60);
    assertThat(corpus.expected.stream().filter(HostileCorpus.Expectation::ok).count())
        .isGreaterThanOrEqualTo(8);
    assertThat(corpus.expected)
        .extracting(HostileCorpus.Expectation::line)
        .containsExactlyElementsOf(
            java.util.stream.IntStream.rangeClosed(1, corpus.expected.size()).boxed().toList());
    assertThat(result.lines()).isEqualTo(corpus.expected.size());
    assertThat(result.jobs().size() + result.errors().size()).isEqualTo(result.lines());
  }

  @Test
  void shouldAnswerEveryBadLineWithExactlyOneErrorNamingFieldRuleAndClass() {
    Map<Integer, List<LineError>> byLine =
        result.errors().stream().collect(Collectors.groupingBy(LineError::line));
    for (HostileCorpus.Expectation e : corpus.expected) {
      List<LineError> got = byLine.getOrDefault(e.line(), List.of());
      if (e.ok()) {
        assertThat(got).as("line %d (%s) must not be refused", e.line(), e.jobId()).isEmpty();
        continue;
      }
      assertThat(got).as("line %d", e.line()).hasSize(1);
      LineError err = got.get(0);
      assertThat(err.field())
          .as("field of line %d: %s", e.line(), err.describe())
          .isEqualTo(e.field());
      assertThat(err.rule()).as("rule of line %d", e.line()).contains(e.rule());
      assertThat(err.exitClass())
          .as("class of line %d: %s", e.line(), err.describe())
          .isEqualTo(e.exitClass());
      assertThat(err.jobId())
          .as("job id of line %d: %s", e.line(), err.describe())
          .isEqualTo(e.jobId());
      assertThat(err.describe())
          .startsWith("line " + e.line())
          .contains("field \"" + e.field() + "\"");
    }
    assertThat(byLine.keySet())
        .allMatch(n -> corpus.expected.stream().anyMatch(e -> e.line() == n && !e.ok()));
  }

  @Test
  void shouldPassEveryGoodLineThroughInOrderWithAbsoluteLocalPaths() {
    List<String> goodIds =
        corpus.expected.stream()
            .filter(HostileCorpus.Expectation::ok)
            .map(HostileCorpus.Expectation::jobId)
            .toList();
    assertThat(result.jobs()).extracting(Job::id).containsExactlyElementsOf(goodIds);
    Map<String, Job> jobs =
        result.jobs().stream().collect(Collectors.toMap(Job::id, Function.identity()));
    String a = corpus.jobs.resolve("a.png").toString();
    assertThat(jobs.get("good-1").images()).containsExactly(a);
    assertThat(jobs.get("good-url").images())
        .containsExactly("https://cdn.example.com/products/a.png?sig=abc");
    assertThat(jobs.get("good-mask").mask()).isEqualTo(corpus.jobs.resolve("mask.png").toString());
    assertThat(jobs.get("good-mask").batch()).isEqualTo("spring gallery: v2");
    assertThat(jobs.get("good-video").video())
        .isEqualTo(corpus.jobs.resolve("clip.mp4").toString());
    assertThat(jobs.get("good-sub").images())
        .containsExactly(corpus.jobs.resolve("sub/c.png").toString(), a);
    assertThat(jobs.get("good-crlf").prompt()).isEqualTo("Windows line ending.");
    Job params = jobs.get("good-params");
    assertThat(params.model()).isEqualTo("google/nano-banana-2/edit");
    assertThat(params.params())
        .containsEntry("seed", 7)
        .containsEntry("aspect_ratio", "1:1")
        .containsKey("loras");
    assertThat(params.prompt()).startsWith("\u0623\u0628\u0642\u0650");
  }

  @Test
  void shouldGiveEveryLineItsOwnFateUnderTheProducersKeys() {
    Set<String> keys = new HashSet<>();
    result.jobs().forEach(j -> assertThat(keys.add(j.id())).as("job key %s", j.id()).isTrue());
    for (LineError e : result.errors()) {
      String key = JobProducer.failedJobId(corpus.file, e);
      assertThat(keys.add(key)).as("failure key %s of %s", key, e.describe()).isTrue();
      assertThat(key).matches("[A-Za-z0-9._-]{1,200}");
    }
    assertThat(keys).hasSize(result.lines());
  }

  @Test
  void shouldKeepSecretsAndInvisibleCharactersOutOfErrorMessages() {
    for (LineError e : result.errors()) {
      assertThat(e.describe()).doesNotContain("s3cret").doesNotContain("not yours");
      assertThat(e.describe().chars())
          .noneMatch(c -> c < 0x20 || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069));
      assertThat(e.describe().length()).isLessThan(600);
    }
  }

  @Test
  void shouldAcceptTheOutsideFolderOnlyWhenTheCallerAllowsIt() throws Exception {
    JobFileReader.Result wide = JobFileReader.readAll(corpus.file, List.of(corpus.outside));
    List<String> ids = wide.jobs().stream().map(Job::id).toList();
    assertThat(ids).contains("p-traversal", "p-deep-traversal", "p-symlink", "p-dirlink-mask");
    assertThat(ids).doesNotContain("p-etc-passwd", "p-unc");
    assertThat(
            wide.jobs().stream()
                .filter(j -> j.id().equals("p-symlink"))
                .findFirst()
                .orElseThrow()
                .images())
        .containsExactly(corpus.jobs.resolve("escape.png").toString());
    assertThat(wide.lines()).isEqualTo(result.lines());
  }

  @Test
  void shouldNeverThrowWhenReadingTheCorpus() {
    assertThatCode(() -> JobFileReader.read(corpus.file, j -> {}, e -> {}))
        .doesNotThrowAnyException();
  }
}
