package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.localkafka.LocalBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, point 4: a stranger publishes a job with kcat from the README alone and sees it done.
 * The README's two kcat commands (section "Publishing jobs from other systems") are read from
 * {@code README.md} and run as written through {@code sh} (Debian's {@code kcat}, installed by
 * {@code .ci/run}), only the broker address replaced, against a real broker and the three workers
 * as separate processes: the plain job line ends on the done topic, with the headers and under the
 * trace id the publisher gave; a plain line that breaks a rule ends on the failure topic naming the
 * field and the rule.
 */
class KcatIT {
  static final String TOKEN = "kcat-token";
  @TempDir Path dir;

  static String kcat() {
    for (String c : List.of("/usr/bin/kcat", "/usr/local/bin/kcat", "/usr/bin/kafkacat")) {
      if (Files.isExecutable(Path.of(c))) {
        return c;
      }
    }
    return null;
  }

  /** The {@code sh} code blocks of the README section {@code title}, in order. */
  static List<String> shellBlocks(String title) throws Exception {
    String readme =
        Files.readString(
            PipelineScenario.projectRoot().resolve("README.md"), StandardCharsets.UTF_8);
    int from = readme.indexOf("## " + title);
    assertThat(from).as("README section %s", title).isNotNegative();
    int to = readme.indexOf("\n## ", from + 3);
    Matcher m =
        Pattern.compile("```sh\n(.*?)```", Pattern.DOTALL)
            .matcher(readme.substring(from, to < 0 ? readme.length() : to));
    List<String> out = new ArrayList<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  /** Runs {@code script} with sh, returns stdout; fails the test on a non-zero exit. */
  String sh(String script, Duration within) throws Exception {
    Path out = Files.createTempFile(dir, "sh", ".out");
    Process p =
        new ProcessBuilder("sh", "-c", script)
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    assertThat(p.waitFor(within.toSeconds(), TimeUnit.SECONDS))
        .as("%s ended in time", script)
        .isTrue();
    String printed = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("%s:%n%s", script, printed).isZero();
    return printed;
  }

  @Test
  void shouldRunAJobPublishedWithKcatAsTheReadmeSays() throws Exception {
    String kcat = kcat();
    Assumptions.assumeTrue(
        kcat != null,
        "no kcat on this machine (Debian package kcat; .ci/run installs it): kcat test skipped");
    List<String> blocks = shellBlocks("Publishing jobs from other systems");
    assertThat(blocks).as("the README's publish and consume commands").hasSize(2);
    String publish = blocks.get(0);
    String consume = blocks.get(1);
    assertThat(publish).contains("kcat -P").contains("localhost:9092");
    assertThat(consume).contains("kcat -C").contains("editstream.jobs.done");

    try (RunComfyEmulator emu =
            RunComfyEmulator.start(
                EmulatorConfig.defaults(dir.resolve("emu"), TOKEN)
                    .withFetchInputs(false)
                    .withLatency(500, 1_000)
                    .withSeed(15));
        LocalBroker broker = LocalBroker.start(dir.resolve("cluster"))) {
      String bs = broker.bootstrapServers();
      String[] common = {
        "--bootstrap-servers",
        bs,
        "--out",
        "out",
        "--allow-download-host",
        "127.0.0.1:" + emu.port(),
        "--catalog-cache",
        dir.resolve("catalog-cache.json").toString()
      };
      List<ChildJvm> workers =
          List.of(
              new ChildJvm(
                  dir,
                  "router",
                  emu,
                  TOKEN,
                  DurableBatchIT.concat(new String[] {"router-worker"}, common)),
              // the poller logs JSON lines to stdout, as in a container
              new ChildJvm(
                  dir,
                  "poller",
                  emu,
                  TOKEN,
                  java.util.Map.of("EDITSTREAM_LOG", "stdout", "EDITSTREAM_LOG_FORMAT", "json"),
                  DurableBatchIT.concat(new String[] {"poller-worker"}, common)),
              new ChildJvm(
                  dir,
                  "downloader",
                  emu,
                  TOKEN,
                  DurableBatchIT.concat(new String[] {"downloader-worker"}, common)));
      try {
        awaitTopics(bs);
        // the README's publish command as written, the broker address replaced; then a line that
        // breaks a rule
        sh(publish.replace("localhost:9092", bs), Duration.ofSeconds(30));
        sh(
            "echo 'bad-0001|{\"id\":\"bad-0001\",\"prompt\":\"Put it on grey paper.\",\"images\":[\"http://cdn.example.com/a.jpg\"]}' | "
                + kcat
                + " -P -b "
                + bs
                + " -t editstream.jobs.requested -K '|'",
            Duration.ofSeconds(30));

        String readDone = consume.replace("localhost:9092", bs).trim() + " -e";
        String[] done = new String[1];
        await()
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(500))
            .until(
                () -> {
                  done[0] = sh(readDone, Duration.ofSeconds(30));
                  return done[0].contains("key=sku-0001");
                });
        String record = done[0].substring(done[0].indexOf("key=sku-0001"));
        System.out.println("kcat read from editstream.jobs.done:\n" + record);
        assertThat(record)
            .contains(
                "editstream-event-type=done",
                "editstream-event-version=" + dev.editstream.core.event.JobEvent.VERSION,
                "editstream-job-id=sku-0001",
                "editstream-batch=erp-import");
        // the trace id the publisher gave, a new span id
        assertThat(record)
            .containsPattern(
                "traceparent=00-4bf92f3577b34da6a3ce929d0e0e4736-(?!00f067aa0ba902b7)[0-9a-f]{16}-01");
        JsonNode value =
            Json.mapper()
                .readTree(
                    record
                        .substring(record.indexOf("value=") + "value=".length())
                        .lines()
                        .findFirst()
                        .orElseThrow());
        assertThat(value.path("type").asText()).isEqualTo("done");
        assertThat(value.path("job_id").asText()).isEqualTo("sku-0001");
        JsonNode file = value.path("files").path(0);
        assertThat(dir.resolve("out").resolve(file.path("path").asText()))
            .exists()
            .hasSize(file.path("bytes").asLong());

        String readFailed = readDone.replace("editstream.jobs.done", "editstream.jobs.failed");
        String[] failed = new String[1];
        await()
            .atMost(Duration.ofMinutes(1))
            .pollInterval(Duration.ofMillis(500))
            .until(
                () -> {
                  failed[0] = sh(readFailed, Duration.ofSeconds(30));
                  return failed[0].contains("key=bad-0001");
                });
        String bad = failed[0].substring(failed[0].indexOf("key=bad-0001"));
        assertThat(bad)
            .contains("editstream-event-type=failed")
            .contains("field \\\"images[0]\\\"")
            .contains("http");
        assertThat(failed[0]).doesNotContain("key=sku-0001");
        assertThat(emu.stats().submits()).as("one paid submit, for the good job only").isEqualTo(1);

        // logs: one file per process, each line naming the role and the instance; JSON lines on
        // stdout on request
        List<String> routerLog =
            Files.readAllLines(dir.resolve("router.log"), StandardCharsets.UTF_8);
        long pid = workers.get(0).process.pid();
        List<String> entries =
            routerLog.stream()
                .filter(l -> l.matches("^\\d{4}-\\d\\d-\\d\\d .*"))
                .toList(); // stack trace lines aside
        assertThat(entries)
            .isNotEmpty()
            .allSatisfy(l -> assertThat(l).containsPattern(" router-worker \\S+-" + pid + " \\["));
        List<String> pollerLines =
            Files.readAllLines(dir.resolve("poller.out"), StandardCharsets.UTF_8).stream()
                .filter(l -> l.startsWith("{"))
                .toList();
        assertThat(pollerLines).isNotEmpty();
        for (String l : pollerLines) {
          JsonNode line = Json.mapper().readTree(l);
          assertThat(line.path("level").asText()).isNotEmpty();
          assertThat(line.path("context").path("properties").path("role").asText())
              .isEqualTo("poller-worker");
          assertThat(line.path("context").path("properties").path("instance").asText())
              .endsWith("-" + workers.get(1).process.pid());
        }
        assertThat(dir.resolve("poller.log")).doesNotExist();
      } finally {
        for (ChildJvm w : workers) {
          w.process.destroy();
        }
        for (ChildJvm w : workers) {
          w.process.waitFor(30, TimeUnit.SECONDS);
          w.process.destroyForcibly();
        }
      }
    }
  }

  /**
   * Until the workers have created the job topics (a record published before would create a topic
   * of its own).
   */
  static void awaitTopics(String bs) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bs);
    try (Admin admin = Admin.create(p)) {
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  admin
                      .listTopics()
                      .names()
                      .get(10, TimeUnit.SECONDS)
                      .containsAll(
                          List.of(
                              "editstream.jobs.requested",
                              "editstream.jobs.done",
                              "editstream.jobs.failed")));
    }
  }
}
