package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.runcomfy.RunComfyConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The end-to-end scenario shared by the embedded-broker and the Testcontainers runs: 30+ jobs over
 * every route, with 429s and 5xx injected by the emulator, and bad jobs of each kind.
 */
final class PipelineScenario {
  private PipelineScenario() {}

  static Path projectRoot() {
    Path d = Path.of("").toAbsolutePath();
    while (d != null && !Files.exists(d.resolve("core/pom.xml"))) {
      d = d.getParent();
    }
    if (d == null) {
      throw new IllegalStateException(
          "project root not found from " + Path.of("").toAbsolutePath());
    }
    return d;
  }

  /** Writes the job file; returns expected exit class per bad job id (0 = must end done). */
  static Map<String, Integer> writeJobs(Path file) throws Exception {
    Path ex = projectRoot().resolve("examples");
    List<String> lines = new ArrayList<>();
    Map<String, Integer> expected = new LinkedHashMap<>();
    for (String line : Files.readAllLines(ex.resolve("demo-jobs.jsonl"), StandardCharsets.UTF_8)) {
      JsonNode n;
      try {
        n = Json.mapper().readTree(line);
      } catch (Exception e) {
        continue;
      }
      String id = n.path("id").asText();
      if (id.contains("/") || id.equals("missing-file")) {
        continue;
      }
      lines.add(absolutise(line, ex));
      expected.put(id, 0);
    }
    String[] products = {
      "a01_water_bottle_cutout.png",
      "a02_mugs_cutout.png",
      "a03_cap_cutout.png",
      "a04_hoodie_cutout.png",
      "a05_duffel_bag_white.jpg",
      "a06_led_bulb_white.jpg",
      "a07_teapot_window.jpg",
      "a08_football_grass.jpg",
      "a09_coffee_cup_table.png",
      "a10_ice_cream_yellow.jpg",
      "a11_teddy_bear_basket.jpg"
    };
    for (int i = 0; i < products.length; i++) {
      String id = "sku-" + (i + 1);
      lines.add(
          "{\"id\":\""
              + id
              + "\",\"prompt\":\"Keep the product unchanged. Put it on studio-grey paper.\",\"images\":[\""
              + ex.resolve("a_products").resolve(products[i])
              + "\"],\"batch\":\"it\"}");
      expected.put(id, 0);
    }
    // a Nano Banana batch over 20 images: split into two calls and reassembled
    StringBuilder batch =
        new StringBuilder(
            "{\"id\":\"sku-batch-25\",\"prompt\":\"Keep every product unchanged; put each on studio-grey paper.\",\"images\":[");
    for (int i = 0; i < 25; i++) {
      batch
          .append(i == 0 ? "" : ",")
          .append('"')
          .append(ex.resolve("a_products").resolve(products[i % products.length]))
          .append('"');
    }
    lines.add(batch.append("]}").toString());
    expected.put("sku-batch-25", 0);
    // bad jobs: refused line (65), missing local file (66), schema violation found by the router
    // (65),
    // an input whose content is not an image (65, before payment), a duplicate id (65)
    lines.add(
        "{\"id\":\"bad/id\",\"prompt\":\"x\",\"images\":[\""
            + ex.resolve("a_products/a01_water_bottle_cutout.png")
            + "\"]}");
    expected.put(null, 65);
    lines.add(
        "{\"id\":\"gone-file\",\"prompt\":\"x\",\"images\":[\""
            + ex.resolve("a_products/nope.png")
            + "\"]}");
    expected.put("gone-file", 66);
    lines.add(
        "{\"id\":\"gpt-bad-size\",\"prompt\":\"x\",\"images\":[\""
            + ex.resolve("a_products/a02_mugs_cutout.png")
            + "\"],\"model\":\"openai/gpt-image-2/edit\",\"params\":{\"size\":\"512_512\"}}");
    expected.put("gpt-bad-size", 65);
    // a webm where the live catalog's input rule asks for mp4/mov: refused before payment (65)
    lines.add(
        "{\"id\":\"webm-restyle\",\"prompt\":\"Make it a watercolor painting style.\",\"video\":\""
            + ex.resolve("e_video/e01_flower_bloom.webm")
            + "\"}");
    expected.put("webm-restyle", 65);
    lines.add(
        "{\"id\":\"not-an-image\",\"prompt\":\"Make it warmer.\",\"images\":[\""
            + ex.resolve("f_broken/f02_not_an_image.jpg")
            + "\"]}");
    // its content is not an image: refused before any payment (magic bytes), no longer a remote
    // failure
    expected.put("not-an-image", 65);
    lines.add(
        "{\"id\":\"sku-1\",\"prompt\":\"duplicate id\",\"images\":[\""
            + ex.resolve("a_products/a01_water_bottle_cutout.png")
            + "\"]}");
    expected.put("sku-1.line-" + lines.size(), 65);
    Files.write(file, lines, StandardCharsets.UTF_8);
    return expected;
  }

  private static String absolutise(String line, Path ex) throws Exception {
    var o = (com.fasterxml.jackson.databind.node.ObjectNode) Json.mapper().readTree(line);
    if (o.has("images")) {
      var arr = Json.mapper().createArrayNode();
      o.get("images").forEach(i -> arr.add(ex.resolve(i.asText()).toString()));
      o.set("images", arr);
    }
    for (String f : List.of("mask", "video")) {
      if (o.hasNonNull(f)) {
        o.put(f, ex.resolve(o.get(f).asText()).toString());
      }
    }
    return Json.mapper().writeValueAsString(o);
  }

  /** Runs the scenario against the given cluster and checks every job's fate. */
  static void run(String bootstrapServers, Path work) throws Exception {
    Path jobs = work.resolve("jobs.jsonl");
    Map<String, Integer> expected = writeJobs(jobs);
    String token = "it-secret-token-7f3a9c";
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
        new ch.qos.logback.core.read.ListAppender<>();
    logs.start();
    root.addAppender(logs);
    EmulatorConfig ec =
        EmulatorConfig.defaults(work.resolve("emulator"), token)
            .withLatency(100, 400)
            .withRate429(0.1)
            .withRate5xx(0.1)
            .withSeed(7)
            .withConcurrency(8);
    try (RunComfyEmulator emulator = RunComfyEmulator.start(ec)) {
      PipelineOptions o = new PipelineOptions();
      o.bootstrapServers = bootstrapServers;
      o.topicPrefix = "it-" + Long.toHexString(System.nanoTime());
      o.partitions = 3;
      o.out = work.resolve("out");
      o.routerConcurrency = 16;
      o.pollerConcurrency = 100;
      o.downloaderConcurrency = 8;
      // a job's attempts add up over its whole life (every poll of a two-part batch can meet the
      // 20% injected
      // faults), and do not reset after a good answer: 10 was reachable by a long batch job (issue
      // 18, RetryDecision)
      o.maxAttempts = 20;
      o.retryBaseMs = 50;
      o.retryMaxMs = 1000;
      o.jobDeadlineSeconds = 120;
      o.catalogCache = work.resolve("catalog-cache.json");
      PipelineConfig cfg = o.toConfig().allowingDownloadsFrom("127.0.0.1:" + emulator.port());
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      List<String> valid = new ArrayList<>();
      BatchRun.Result r =
          BatchRun.run(
              cfg,
              RunComfyConfig.of(emulator.baseUrl(), token),
              true,
              jobs,
              List.of(projectRoot().resolve("examples")),
              Duration.ofMinutes(4),
              new PrintStream(log, true, StandardCharsets.UTF_8),
              valid);
      String printed = log.toString(StandardCharsets.UTF_8);
      assertThat(r.finished()).as(printed).isTrue();
      assertThat(emulator.stats().rateLimited()).as("the emulator injected 429s").isPositive();
      assertThat(emulator.stats().unavailable()).as("the emulator injected 5xx").isPositive();

      Map<String, BatchTracker.JobState> fates = r.summary().jobs();
      int validCount = 0;
      Set<String> models = new TreeSet<>();
      for (var e : expected.entrySet()) {
        if (e.getKey() == null) {
          continue;
        }
        BatchTracker.JobState s = fates.get(e.getKey());
        assertThat(s).as("job %s has a fate", e.getKey()).isNotNull();
        if (e.getValue() == 0) {
          validCount++;
          assertThat(s.doneEvents()).as("done events of %s\n%s", e.getKey(), printed).hasSize(1);
          assertThat(s.failedEvents()).as("failed events of %s", e.getKey()).isEmpty();
          models.add(s.model());
          var remote = s.doneEvents().get(0).remote();
          assertThat(remote).as("remote facts of %s", e.getKey()).isNotNull();
          assertThat(remote.costUsd())
              .as("RunComfy's actual cost of %s", e.getKey())
              .isNotNull()
              .isPositive();
        } else {
          assertThat(s.failedEvents())
              .as("failed events of %s\n%s", e.getKey(), printed)
              .hasSize(1);
          assertThat(s.doneEvents()).as("done events of %s", e.getKey()).isEmpty();
          assertThat(s.failedEvents().get(0).failure().exitClass().code())
              .as("class of %s", e.getKey())
              .isEqualTo(e.getValue());
        }
      }
      assertThat(validCount).isGreaterThanOrEqualTo(30);
      // the refused line with an unreadable id is recorded under <file>.line-<n>
      assertThat(fates.keySet()).anyMatch(k -> k.startsWith("jobs.jsonl.line-"));
      // the catalog was RunComfy's (the emulator's own, in RunComfy's dialect), read live and
      // cached
      assertThat(cfg.provider().catalogCache()).exists();
      dev.editstream.router.Router table =
          new dev.editstream.router.Router(
              dev.editstream.router.Lexicon.builtIn(), ModelCatalog.builtIn());
      assertThat(models)
          .as("every route was taken")
          .containsExactlyInAnyOrder(
              dev.editstream.router.Router.TARGETS.stream()
                  .map(table::target)
                  .toArray(String[]::new));
      assertThat(r.summary().costUsd()).as("the summary adds the jobs' actual costs").isPositive();
      assertThat(printed).contains("cost USD");
      checkManifest(cfg.outDir(), expected);
      JobEvent batchDone = fates.get("sku-batch-25").doneEvents().get(0);
      assertThat(batchDone.requests()).as("the 25-image batch went out as two calls").hasSize(2);
      assertThat(batchDone.route().warnings()).anyMatch(w -> w.startsWith("batch-split"));
      assertThat(batchDone.files())
          .as("outputs of both calls in one job")
          .hasSizeGreaterThanOrEqualTo(2);
      root.detachAppender(logs);
      checkNoSecrets(token, printed, logs.list, cfg, emulator);
    }
  }

  /**
   * The token and signed URLs' query strings appear in no log line, event, metric tag or printed
   * line.
   */
  private static void checkNoSecrets(
      String token,
      String printed,
      List<ch.qos.logback.classic.spi.ILoggingEvent> logs,
      PipelineConfig cfg,
      RunComfyEmulator emulator) {
    List<String> forbidden = List.of(token, "X-Amz-Signature", "Bearer ");
    StringBuilder all = new StringBuilder(printed);
    for (var e : logs) {
      all.append('\n').append(e.getFormattedMessage());
      for (var t = e.getThrowableProxy(); t != null; t = t.getCause()) {
        all.append('\n').append(t.getMessage());
      }
    }
    assertThat(logs).as("log lines were captured").isNotEmpty();
    for (var r :
        dev.editstream.pipeline.kafka.TopicDump.readAll(
            cfg.bootstrapServers(), cfg.topics().all(), Duration.ofMinutes(1))) {
      all.append('\n')
          .append(new String(r.value() == null ? new byte[0] : r.value(), StandardCharsets.UTF_8));
    }
    String text = all.toString();
    assertThat(text).as("events were scanned").contains("\"type\":\"done\"");
    for (String f : forbidden) {
      assertThat(text).as("no %s in logs, printed output or events", f).doesNotContain(f);
    }
  }

  private static void checkManifest(Path out, Map<String, Integer> expected) throws Exception {
    Map<String, JsonNode> byJob = new HashMap<>();
    for (String line : Files.readAllLines(out.resolve("manifest.jsonl"))) {
      JsonNode n = Json.mapper().readTree(line);
      assertThat(byJob.put(n.get("job_id").asText(), n)).as("one manifest line per job").isNull();
    }
    expected.forEach(
        (id, cls) -> {
          if (id != null) {
            assertThat(byJob.containsKey(id)).as("manifest has %s", id).isEqualTo(cls == 0);
          }
        });
    for (JsonNode n : byJob.values()) {
      assertThat(n.get("files")).isNotEmpty();
      assertThat(n.path("cost_usd").isNumber())
          .as("manifest line of %s carries its cost", n.get("job_id"))
          .isTrue();
      for (JsonNode f : n.get("files")) {
        Path p = out.resolve(f.get("path").asText());
        byte[] bytes = Files.readAllBytes(p);
        assertThat(bytes.length).isEqualTo(f.get("bytes").asLong());
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)))
            .isEqualTo(f.get("sha256").asText());
      }
    }
  }
}
