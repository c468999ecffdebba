package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code editstream route}: the dry run agrees with the router's labelled-case test. */
class RouteCommandTest {
  @TempDir Path dir;

  /** What one run printed. */
  record Run(int exit, String out, String err) {
    List<JsonNode> lines() {
      List<JsonNode> l = new ArrayList<>();
      for (String s : out.split("\n")) {
        if (!s.isBlank()) {
          try {
            l.add(Json.mapper().readTree(s));
          } catch (IOException e) {
            throw new UncheckedIOException("not a JSON line: " + s, e);
          }
        }
      }
      return l;
    }
  }

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = EditstreamCommand.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    // the built-in snapshot, never a disk copy left on this machine by another run
    String[] all =
        java.util.stream.Stream.concat(
                java.util.Arrays.stream(args), java.util.stream.Stream.of("--catalog", "built-in"))
            .toArray(String[]::new);
    int exit = cl.execute(all);
    return new Run(exit, out.toString(), err.toString());
  }

  /**
   * The project root: the nearest ancestor of the working directory whose pom lists the core
   * module.
   */
  private static Path projectRoot() throws IOException {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path pom = d.resolve("pom.xml");
      if (Files.isRegularFile(pom) && Files.readString(pom).contains("<module>core</module>")) {
        return d;
      }
    }
    throw new IllegalStateException("no project root above " + Path.of("").toAbsolutePath());
  }

  private Path jobFile(String... lines) throws IOException {
    return Files.writeString(
        dir.resolve("jobs.jsonl"), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
  }

  @Test
  void editstreamRouteAgreesWithTheTest() throws IOException {
    Map<String, String> expected = new LinkedHashMap<>();
    List<String> jobLines = new ArrayList<>();
    for (String line :
        Files.readAllLines(
            projectRoot().resolve("../shared/routing/routing-cases.jsonl"),
            StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode c = Json.mapper().readTree(line);
      expected.put(c.path("job").path("id").asText(), c.path("expect").asText());
      jobLines.add(Json.mapper().writeValueAsString(c.get("job")));
    }
    assertThat(expected).isNotEmpty();

    Run r = run("route", jobFile(jobLines.toArray(String[]::new)).toString());

    assertThat(r.exit()).as(r.err() + r.out()).isZero();
    List<JsonNode> out = r.lines();
    assertThat(out).hasSize(expected.size());
    assertThat(out)
        .extracting(n -> n.path("id").asText())
        .containsExactlyElementsOf(expected.keySet());
    for (JsonNode n : out) {
      // the seeds name Wan 2.7 as wan-2-7, the catalog as wan-2.7: the same model
      assertThat(dev.editstream.core.model.ModelCatalog.spelling(n.path("model").asText()))
          .as(n.path("id").asText())
          .isEqualTo(
              dev.editstream.core.model.ModelCatalog.spelling(expected.get(n.path("id").asText())));
      assertThat(n.path("rule").asText()).isNotBlank();
      assertThat(n.path("cues").isArray()).isTrue();
      assertThat(n.path("body").isObject()).isTrue();
      assertThat(n.path("warnings").isArray()).isTrue();
    }
    assertThat(r.err()).contains(expected.size() + " jobs routed, 0 lines not routed");
  }

  @Test
  void shouldPrintAnErrorLineAndExit65ForARefusedLineOrAnUnroutableJob() throws IOException {
    Path file =
        jobFile(
            "{\"id\":\"ok\",\"prompt\":\"Keep the face. Make the jacket red.\",\"images\":[\"https://a.example/1.jpg\"]}",
            "",
            "{\"id\":\"bad id!\",\"prompt\":\"x\"}",
            "{\"id\":\"tooMany\",\"prompt\":\"Keep the face.\",\"images\":[\"https://a.example/1.jpg\",\"https://a.example/2.jpg\"],"
                + "\"model\":\"blackforestlabs/flux-1-kontext/pro/edit\"}",
            "{\"id\":\"size\",\"prompt\":\"Keep it.\",\"images\":[\"https://a.example/1.jpg\"],\"model\":\"openai/gpt-image-2/edit\","
                + "\"params\":{\"size\":\"512_512\"}}");

    Run r = run("route", file.toString());

    assertThat(r.exit()).isEqualTo(65);
    List<JsonNode> out = r.lines();
    assertThat(out).hasSize(4);
    assertThat(out.get(0).path("model").asText()).isNotBlank();
    assertThat(out.get(1).path("line").asInt()).isEqualTo(3);
    assertThat(out.get(1).path("id").isNull()).isTrue();
    assertThat(out.get(1).path("error").path("field").asText()).isEqualTo("id");
    assertThat(out.get(1).path("error").path("exit_class").asInt()).isEqualTo(65);
    assertThat(out.get(2).path("id").asText()).isEqualTo("tooMany");
    assertThat(out.get(2).path("line").asInt()).isEqualTo(4);
    assertThat(out.get(2).path("error").path("field").asText()).isEqualTo("image_url");
    assertThat(out.get(2).path("error").path("rule").asText()).contains("exactly one image");
    assertThat(out.get(3).path("line").asInt()).isEqualTo(5);
    assertThat(out.get(3).path("error").path("field").asText()).isEqualTo("body");
    assertThat(out.get(3).path("error").path("rule").asText()).contains("size: ");
  }

  @Test
  void shouldShowLocalInputsAsFileUrisAndCheckALocalMaskWithoutNetwork() throws IOException {
    Path img = png("img.png", 16, 16, false);
    Path mask = png("mask.png", 8, 8, true);
    Path file =
        jobFile(
            "{\"id\":\"local\",\"prompt\":\"Keep the face. Make it blue.\",\"images\":[\"img.png\"]}",
            "{\"id\":\"masked\",\"prompt\":\"Keep the rest. Remove the cable.\",\"images\":[\"img.png\"],\"mask\":\"mask.png\"}");

    Run r = run("route", file.toString());

    assertThat(r.exit()).isEqualTo(65);
    List<JsonNode> out = r.lines();
    assertThat(out.get(0).path("body").path("image_urls").get(0).asText())
        .isEqualTo(img.toUri().toString());
    assertThat(out.get(1).path("error").path("field").asText()).isEqualTo("mask");
    assertThat(out.get(1).path("error").path("rule").asText()).contains("8x8").contains("16x16");
    assertThat(mask).exists();
  }

  @Test
  void shouldExplainAsATableWithTheWarnings() throws IOException {
    Path file =
        jobFile(
            "{\"id\":\"lint-me\",\"prompt\":\"Remove the cables and add a lamp.\",\"images\":[\"https://a.example/1.jpg\"]}",
            "{\"id\":\"vid\",\"prompt\":\"Keep the people. Remove the watermark in every frame.\",\"video\":\"https://a.example/v.mp4\"}");

    Run r = run("route", file.toString(), "--explain");

    assertThat(r.exit()).isZero();
    String[] lines = r.out().split("\n");
    assertThat(lines[0])
        .startsWith("ID")
        .contains("MODEL")
        .contains("RULE")
        .contains("CUES")
        .contains("WARNINGS");
    assertThat(lines[1]).startsWith("lint-me").contains("no-preservation, several-edits");
    assertThat(lines[2])
        .startsWith("vid")
        .contains("wan-ai/wan-2.7/edit-video")
        .contains("video-region-edit")
        .contains("from $0.5000 (5 second)");
    assertThat(r.out()).contains("lint-me: several-edits: 2 edits");
    assertThat(r.out()).contains("estimated cost: $0.5390 for 2 jobs");
    assertThat(r.err()).contains("catalog: editstream's built-in snapshot");
  }

  @Test
  void shouldExit64WhenTheFileIsMissing() {
    Run r = run("route", dir.resolve("nope.jsonl").toString());

    assertThat(r.exit()).isEqualTo(64);
    assertThat(r.err()).contains("FILE: not found");
  }

  private Path png(String name, int w, int h, boolean mask) throws IOException {
    BufferedImage img =
        new BufferedImage(w, h, mask ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
    if (mask) {
      img.getRaster().setSample(1, 1, 0, 255);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ImageIO.write(img, "png", bytes);
    return Files.write(dir.resolve(name), bytes.toByteArray());
  }
}
