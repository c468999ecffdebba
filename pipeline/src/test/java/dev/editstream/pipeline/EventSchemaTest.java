package dev.editstream.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.event.Attempt;
import dev.editstream.core.event.Failure;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.OutputFile;
import dev.editstream.core.event.RemoteRun;
import dev.editstream.core.event.RouteDecision;
import dev.editstream.core.event.Stage;
import dev.editstream.core.event.Submission;
import dev.editstream.core.job.Job;
import dev.editstream.core.job.JobLineParser;
import dev.editstream.core.model.CostEstimate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The published contract ({@code docs/events/*.schema.json}) against what the code writes and
 * reads: every event type built by the real factories and encoded by {@link EventCodec#encode}
 * validates, wrong shapes do not, and the job-line schema agrees with {@link JobLineParser}.
 */
class EventSchemaTest {
  private static final Path DOCS = Path.of("..", "docs", "events");
  private static final Path EXAMPLES = Path.of("..", "examples");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonSchema EVENT = schema("job-event.v2.schema.json");
  private static final JsonSchema LINE = schema("job-line.v1.schema.json");
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  private static JsonSchema schema(String file) {
    try {
      JsonNode node = JSON.readTree(Files.readString(DOCS.resolve(file)));
      JsonSchema s = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(node);
      s.initializeValidators();
      return s;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + DOCS.resolve(file).toAbsolutePath(), e);
    }
  }

  private static Set<ValidationMessage> errors(JsonSchema s, JsonNode n) {
    return s.validate(n);
  }

  private static JsonNode encoded(JobEvent e) throws IOException {
    return JSON.readTree(new String(EventCodec.encode(e), StandardCharsets.UTF_8));
  }

  /** One event of each type, every optional part populated, built as the stages build them. */
  static List<JobEvent> everyType() {
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("seed", 42);
    params.put("aspect_ratio", "1:1");
    params.put(
        "loras",
        List.of(Map.of("path", "https://assets.example.com/style.safetensors", "scale", 0.8)));
    Job job =
        new Job(
            "sku-0001",
            "Keep the bottle unchanged. Grey paper background.",
            List.of("https://cdn.example.com/a.png?X-Amz-Signature=abc", "/data/in/b.png"),
            "/data/in/mask.png",
            null,
            "google/nano-banana-2/edit",
            params,
            "spring-gallery");
    Attempt a =
        new Attempt(
            Stage.ROUTER,
            ExitClass.TEMPFAIL,
            FailureReason.HTTP_429,
            "rate limited",
            T0.plusSeconds(1));
    JobEvent requested = JobEvent.requested(job, T0, 2).retry(a, T0.plusSeconds(30));
    RouteDecision route =
        new RouteDecision(
            "google/nano-banana-2/edit",
            "explicit-model",
            List.of("model"),
            List.of("no preservation clause"),
            new CostEstimate(0.078, "output", 2, false));
    Submission s1 =
        new Submission(
            "req-1",
            "https://model-api.runcomfy.net/v1/requests/req-1/status",
            "https://model-api.runcomfy.net/v1/requests/req-1/result",
            "https://model-api.runcomfy.net/v1/requests/req-1/cancel",
            T0.plusSeconds(40),
            true);
    Submission s2 = new Submission("req-2", null, null, null, T0.plusSeconds(41));
    JobEvent submitted =
        requested
            .submitted(
                route,
                Map.of("prompt", "x", "image_urls", List.of("https://cdn.example.com/a.png?sig=1")),
                s1,
                T0.plusSeconds(42))
            .withParts(List.of(s1, s2));
    JobEvent completed =
        submitted.completed(
            List.of("https://out.runcomfy.net/o1.png", "https://out.runcomfy.net/o2.png"),
            new RemoteRun(0.078, true, "ran past its deadline"),
            T0.plusSeconds(90));
    JobEvent done =
        completed.done(
            List.of(
                new OutputFile(
                    "sku-0001/o1.png",
                    1234,
                    "a".repeat(64),
                    "image/png",
                    "https://out.runcomfy.net/o1.png"),
                new OutputFile(
                    "sku-0001/o2.png",
                    99,
                    "0123456789abcdef".repeat(4),
                    "image/png",
                    "https://out.runcomfy.net/o2.png")),
            T0.plusSeconds(95));
    JobEvent failed =
        done.failed(
            new Failure(
                ExitClass.DATA,
                FailureReason.SCHEMA,
                "job sku-0001: body: seed must be <= 99",
                Stage.DOWNLOADER,
                3),
            T0.plusSeconds(99));
    return List.of(requested, submitted, completed, done, failed);
  }

  @Test
  void shouldValidateEveryEventTypeAsEncodedWithEveryOptionalPart() throws IOException {
    List<JobEvent> events = everyType();
    assertThat(events)
        .extracting(e -> e.type().wire())
        .containsExactly("requested", "submitted", "completed", "done", "failed");
    for (JobEvent e : events) {
      JsonNode n = encoded(e);
      assertThat(errors(EVENT, n)).as("%s event %s", e.type().wire(), n).isEmpty();
    }
    JsonNode failed = encoded(events.get(4));
    for (String part :
        List.of(
            "route",
            "body",
            "submission",
            "outputs",
            "files",
            "failure",
            "remote",
            "history",
            "parts",
            "due_at")) {
      if (!part.equals("due_at")) {
        assertThat(failed.has(part)).as(part).isTrue();
      }
    }
    assertThat(encoded(events.get(0)).has("due_at")).isTrue();
    assertThat(encoded(events.get(0)).get("history")).hasSize(1);
  }

  @Test
  void shouldValidateTheSmallestEventsTheCodeWrites() throws IOException {
    Job minimal =
        new Job(
            "j1",
            "make it warmer",
            List.of("https://a.example.com/x.png"),
            null,
            null,
            null,
            null,
            null);
    JobEvent requested = JobEvent.requested(minimal, T0);
    Submission s = new Submission("r", null, null, null, T0);
    JobEvent submitted =
        requested.submitted(new RouteDecision("m/x", "default", List.of()), Map.of(), s, T0);
    JobEvent completed = submitted.completed(List.of(), T0);
    JobEvent done = completed.done(List.of(), T0);
    JobEvent failedEarly =
        requested.failed(
            new Failure(ExitClass.NO_INPUT, FailureReason.INPUT_MISSING, "gone", Stage.ROUTER, 1),
            T0);
    JobEvent poison =
        JobEvent.requested(
                new Job(
                    "record-editstream.jobs.requested-0-7",
                    "",
                    List.of(),
                    null,
                    null,
                    null,
                    null,
                    null),
                T0)
            .failed(
                new Failure(
                    ExitClass.DATA, FailureReason.UNDECODABLE, "not a job event", Stage.ROUTER, 1),
                T0);
    for (JobEvent e : List.of(requested, submitted, completed, done, failedEarly, poison)) {
      assertThat(errors(EVENT, encoded(e))).as(e.type().wire()).isEmpty();
    }
  }

  @Test
  void shouldRejectWrongEventShapes() throws IOException {
    JobEvent failed = everyType().get(4);
    ObjectNode noId = (ObjectNode) encoded(failed);
    noId.remove("job_id");
    assertThat(errors(EVENT, noId)).isNotEmpty();

    ObjectNode unknownType = (ObjectNode) encoded(failed);
    unknownType.put("type", "cancelled");
    assertThat(errors(EVENT, unknownType)).isNotEmpty();

    ObjectNode v3 = (ObjectNode) encoded(failed);
    v3.put("v", 3);
    assertThat(errors(EVENT, v3)).isNotEmpty();

    ObjectNode v1 = (ObjectNode) encoded(failed);
    v1.put("v", 1);
    ((ObjectNode) v1.get("failure")).put("exit_class", 65);
    assertThat(errors(EVENT, v1))
        .as("a version 1 event (exit class as its code) still validates")
        .isEmpty();

    ObjectNode unknownClass = (ObjectNode) encoded(failed);
    ((ObjectNode) unknownClass.get("failure")).put("exit_class", "SOMETIMES");
    assertThat(errors(EVENT, unknownClass)).isNotEmpty();

    ObjectNode failedWithoutFailure = (ObjectNode) encoded(failed);
    failedWithoutFailure.remove("failure");
    assertThat(errors(EVENT, failedWithoutFailure)).isNotEmpty();

    ObjectNode submittedWithoutSubmission = (ObjectNode) encoded(everyType().get(1));
    submittedWithoutSubmission.remove("submission");
    assertThat(errors(EVENT, submittedWithoutSubmission)).isNotEmpty();

    ObjectNode doneWithoutFiles = (ObjectNode) encoded(everyType().get(3));
    doneWithoutFiles.remove("files");
    assertThat(errors(EVENT, doneWithoutFiles)).isNotEmpty();

    ObjectNode badClass = (ObjectNode) encoded(failed);
    ((ObjectNode) badClass.get("failure")).put("exit_class", 2);
    assertThat(errors(EVENT, badClass)).isNotEmpty();

    ObjectNode badId = (ObjectNode) encoded(failed);
    badId.put("job_id", "a/b");
    assertThat(errors(EVENT, badId)).isNotEmpty();

    ObjectNode noJob = (ObjectNode) encoded(failed);
    noJob.remove("job");
    assertThat(errors(EVENT, noJob)).isNotEmpty();
  }

  @Test
  void shouldAcceptEveryValidDemoLineAndAgreeWithTheParserOnItsBadId() throws IOException {
    JobLineParser parser = new JobLineParser(EXAMPLES.toAbsolutePath().normalize());
    List<String> lines = Files.readAllLines(EXAMPLES.resolve("demo-jobs.jsonl"));
    int valid = 0;
    boolean sawBadId = false;
    for (int i = 0; i < lines.size(); i++) {
      JobLineParser.Parsed p = parser.parse(i + 1, lines.get(i));
      if (p == null) {
        continue;
      }
      JsonNode n = JSON.readTree(lines.get(i));
      if (p.ok()) {
        valid++;
        assertThat(errors(LINE, n)).as("line %d: %s", i + 1, lines.get(i)).isEmpty();
      } else if (p.error().field().equals("id")) {
        sawBadId = true;
        assertThat(errors(LINE, n)).as("line %d: %s", i + 1, lines.get(i)).isNotEmpty();
      }
    }
    assertThat(valid).isGreaterThanOrEqualTo(15);
    assertThat(sawBadId).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"]}",
        "{\"id\":\"a/b\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"]}",
        "{\"id\":\".hidden\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"]}",
        "{\"id\":\"\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"]}",
        "{\"id\":7,\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"]}",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"],\"colour\":\"red\"}",
        "{\"id\":\"j\",\"images\":[\"https://a.example.com/x.png\"]}",
        "{\"id\":\"j\",\"prompt\":\"   \",\"images\":[\"https://a.example.com/x.png\"]}",
        "{\"id\":\"j\",\"prompt\":\"x\"}",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[]}",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":\"https://a.example.com/x.png\"}",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[42]}",
        "{\"id\":\"j\",\"prompt\":\"x\",\"video\":\"https://a.example.com/v.mp4\",\"mask\":\"https://a.example.com/m.png\"}",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"http://a.example.com/x.png\"]}",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"ftp://a.example.com/x.png\"]}",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"https://user:pw@a.example.com/x.png\"]}",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/x\\u0001.png\"]}",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"\"]}",
        "{\"id\":\"j\",\"prompt\":\"x\\u0001\",\"images\":[\"https://a.example.com/x.png\"]}",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"],\"model\":\"Google/Nano\"}",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"],\"model\":\"nomodel\"}",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"],\"batch\":\" lead\"}",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"],\"batch\":\"a/b\"}",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"],\"params\":{\"prompt\":\"y\"}}",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"],\"params\":{\"seed\":null}}",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"],\"params\":{\"1abc\":1}}",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"],\"params\":[1]}",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"],\"params\":{\"ref\":\"http://a.example.com/r.png\"}}",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"],\"params\":{\"ref\":\"javascript:alert(1)\"}}",
        "[\"not\",\"an\",\"object\"]"
      })
  void shouldRejectWhatTheParserRejects(String line) throws IOException {
    JobLineParser.Parsed p =
        new JobLineParser(EXAMPLES.toAbsolutePath().normalize()).parse(1, line);
    assertThat(p.ok()).as("the parser refuses %s", line).isFalse();
    assertThat(errors(LINE, JSON.readTree(line)))
        .as("the schema refuses %s (parser: %s)", line, p.error().describe())
        .isNotEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"]}",
        "{\"id\":\"j.2_a-b\",\"prompt\":\"保持不变\",\"images\":[\"https://a.example.com/x.png?sig=1\",\"HTTPS://b.example.com/y.png\"]}",
        "{\"id\":\"j\",\"model\":\"wan-ai/wan-2-7/video-edit\",\"video\":\"https://a.example.com/v.mp4\"}",
        "{\"id\":\"j\",\"prompt\":\"x\",\"images\":[\"https://a.example.com/x.png\"],\"mask\":\"https://a.example.com/m.png\",\"params\":{\"strength\":0.8,\"loras\":[{\"path\":\"https://a.example.com/l.safetensors\",\"scale\":1}]},\"batch\":\"spring gallery:2+\"}",
        "{\"id\":\"j\",\"prompt\":\"line one\\nline two\",\"images\":[\"https://a.example.com/x.png\"],\"mask\":null,\"video\":null,\"model\":null,\"params\":null,\"batch\":null}"
      })
  void shouldAcceptWhatTheParserAccepts(String line) throws IOException {
    JobLineParser.Parsed p =
        new JobLineParser(EXAMPLES.toAbsolutePath().normalize()).parse(1, line);
    assertThat(p.ok())
        .as("the parser accepts %s: %s", line, p.error() == null ? "" : p.error().describe())
        .isTrue();
    assertThat(errors(LINE, JSON.readTree(line))).as(line).isEmpty();
  }

  @Test
  void shouldAcceptAJobLineWithManyImagesUpToTheLimitOnly() throws IOException {
    List<String> urls = new ArrayList<>();
    for (int i = 0; i < 501; i++) {
      urls.add("https://a.example.com/" + i + ".png");
    }
    String over = JSON.writeValueAsString(Map.of("id", "j", "prompt", "x", "images", urls));
    String at =
        JSON.writeValueAsString(Map.of("id", "j", "prompt", "x", "images", urls.subList(0, 500)));
    assertThat(new JobLineParser(EXAMPLES).parse(1, over).ok()).isFalse();
    assertThat(errors(LINE, JSON.readTree(over))).isNotEmpty();
    assertThat(new JobLineParser(EXAMPLES).parse(1, at).ok()).isTrue();
    assertThat(errors(LINE, JSON.readTree(at))).isEmpty();
  }
}
