package dev.editstream.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.editstream.core.job.Job;
import dev.editstream.core.job.LineError;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobFileReaderTest {
  @TempDir Path dir;
  private Path file;

  @BeforeEach
  void setUp() throws Exception {
    Files.writeString(dir.resolve("a.png"), "x");
    file = dir.resolve("jobs.jsonl");
  }

  private static String job(String id) {
    return HostileCorpus.job(id, "Grey paper.", "\"a.png\"");
  }

  @Test
  void shouldNumberPhysicalLinesAndCountOnlyNonBlankOnes() throws Exception {
    Files.writeString(file, job("j1") + "\n\n   \n{broken\n" + job("j2"));
    JobFileReader.Result r = JobFileReader.readAll(file);
    assertThat(r.lines()).isEqualTo(3);
    assertThat(r.jobs()).extracting(Job::id).containsExactly("j1", "j2");
    assertThat(r.errors()).extracting(LineError::line).containsExactly(4);
    assertThat(r.jobs().get(1).images()).containsExactly(dir.resolve("a.png").toString());
  }

  @Test
  void shouldAcceptALineOfExactlyTheMaximumAndRefuseOneByteMoreKeepingTheNextLine()
      throws Exception {
    String atMax = job("max") + " ".repeat(JobFileReader.MAX_LINE_BYTES - job("max").length());
    String over = job("over") + " ".repeat(JobFileReader.MAX_LINE_BYTES + 1 - job("over").length());
    assertThat(atMax.getBytes(StandardCharsets.UTF_8)).hasSize(JobFileReader.MAX_LINE_BYTES);
    Files.writeString(file, atMax + "\n" + over + "\n" + job("after") + "\n");
    JobFileReader.Result r = JobFileReader.readAll(file);
    assertThat(r.jobs()).extracting(Job::id).containsExactly("max", "after");
    assertThat(r.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.line()).isEqualTo(2);
              assertThat(e.jobId()).isEqualTo("over");
              assertThat(e.rule()).isEqualTo("line must be at most 2097152 bytes, was 2097153");
            });
  }

  @Test
  void shouldTreatCrLfLineEndingsAndAMissingFinalNewlineAsOrdinary() throws Exception {
    Files.writeString(file, job("w1") + "\r\n" + job("w2") + "\r\n" + job("w3"));
    assertThat(JobFileReader.readAll(file).jobs())
        .extracting(Job::id)
        .containsExactly("w1", "w2", "w3");
  }

  @Test
  void shouldGiveEveryMutatedLineExactlyOneFateAndNeverThrow() throws Exception {
    Random random = new Random(42);
    byte[] template = (job("fuzz") + "").getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<String> controls = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      byte[] line = mutate(template, random);
      out.writeBytes(line);
      out.write('\n');
      String control = "ctl-" + i;
      controls.add(control);
      out.writeBytes(job(control).getBytes(StandardCharsets.UTF_8));
      out.write('\n');
    }
    Files.write(file, out.toByteArray());
    List<Job> jobs = new ArrayList<>();
    List<LineError> errors = new ArrayList<>();
    assertThatCode(() -> JobFileReader.read(file, jobs::add, errors::add))
        .doesNotThrowAnyException();
    assertThat(jobs).extracting(Job::id).containsAll(controls);
    Set<Integer> errorLines = new HashSet<>();
    errors.forEach(
        e ->
            assertThat(errorLines.add(e.line()))
                .as("one error per line: %s", e.describe())
                .isTrue());
    assertThat(errorLines).allMatch(n -> n % 2 == 1);
    long nonBlankMutants = 400 - countBlankMutants(out.toByteArray());
    assertThat(jobs.size() + errors.size()).isEqualTo(400 + (int) nonBlankMutants);
    assertThat(errors).isNotEmpty().allSatisfy(e -> assertThat(e.rule()).isNotBlank());
  }

  private static long countBlankMutants(byte[] file) {
    String[] lines = new String(file, StandardCharsets.ISO_8859_1).split("\n", -1);
    long blank = 0;
    for (int i = 0; i < lines.length - 1; i += 2) {
      if (lines[i].isBlank()) {
        blank++;
      }
    }
    return blank;
  }

  /**
   * Flips, inserts, deletes or truncates a few bytes; never emits a newline (one line stays one
   * line).
   */
  private static byte[] mutate(byte[] src, Random random) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int cut = random.nextInt(4) == 0 ? random.nextInt(src.length) : src.length;
    for (int i = 0; i < cut; i++) {
      int roll = random.nextInt(40);
      if (roll == 0) {
        continue;
      }
      if (roll == 1) {
        b.write(noNewline(random.nextInt(256)));
      }
      b.write(roll == 2 ? noNewline(random.nextInt(256)) : src[i]);
    }
    return b.toByteArray();
  }

  private static int noNewline(int v) {
    return v == '\n' ? 0xC3 : v;
  }
}
