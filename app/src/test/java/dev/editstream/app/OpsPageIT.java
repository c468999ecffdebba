package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.localkafka.LocalBroker;
import dev.editstream.runcomfy.RunComfyConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: the live ops page in headless Chromium (Debian's {@code chromium}, installed by {@code
 * .ci/run}) during a real run: the rendered DOM shows live numbers per stage, and a screenshot is
 * kept in {@code app/target/ops-page.png}.
 */
class OpsPageIT {
  static final String TOKEN = "ops-page-token";

  @TempDir Path dir;

  static String chromium() {
    for (String c :
        List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
      if (Files.isExecutable(Path.of(c))) {
        return c;
      }
    }
    return null;
  }

  String render(String chromium, String url, Path screenshot) throws Exception {
    List<String> common =
        List.of(
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--user-data-dir=" + dir.resolve("chrome-" + System.nanoTime()),
            "--virtual-time-budget=7000");
    List<String> dump = new ArrayList<>(common);
    dump.addAll(List.of("--dump-dom", url));
    Process p = new ProcessBuilder(dump).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    List<String> shot = new ArrayList<>(common);
    shot.addAll(List.of("--window-size=1200,700", "--screenshot=" + screenshot, url));
    Process s =
        new ProcessBuilder(shot)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    assertThat(s.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return dom;
  }

  static int cell(String dom, String stage, int column) {
    Matcher m =
        Pattern.compile("<tr data-stage=\"" + stage + "\">(.*?)</tr>", Pattern.DOTALL).matcher(dom);
    assertThat(m.find()).as("row of %s in %s", stage, dom).isTrue();
    Matcher td = Pattern.compile("<td>(.*?)</td>").matcher(m.group(1));
    for (int i = 0; i <= column; i++) {
      assertThat(td.find()).isTrue();
    }
    String v = td.group(1);
    return v.equals("–") ? -1 : (int) Double.parseDouble(v);
  }

  /**
   * A batch running in a thread of this JVM with {@code --metrics-port}: its ops URL and its
   * result.
   */
  static final class LiveRun {
    final String url;
    final Thread thread;
    final BatchRun.Result[] result = new BatchRun.Result[1];
    final ByteArrayOutputStream log = new ByteArrayOutputStream();

    LiveRun(Path dir, LocalBroker broker, RunComfyEmulator emu, Path jobs) throws Exception {
      PipelineOptions o =
          EmulatorRunOptions.of(
              broker.bootstrapServers(),
              dir.resolve("out"),
              "ops",
              dir.resolve("catalog-cache.json"),
              emu,
              100);
      MetricsOptions m = new MetricsOptions();
      m.port = freePort();
      PipelineConfig cfg = o.toConfig(java.util.Map.of());
      this.url = "http://127.0.0.1:" + m.port + "/";
      this.thread =
          new Thread(
              () -> {
                try {
                  result[0] =
                      BatchRun.run(
                          cfg,
                          RunComfyConfig.of(emu.baseUrl(), TOKEN),
                          false,
                          jobs,
                          List.of(),
                          Duration.ofMinutes(3),
                          new PrintStream(log, true, StandardCharsets.UTF_8),
                          new ArrayList<>(),
                          BatchRun.Options.DEFAULT.withMetrics(m));
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      thread.start();
    }

    /** The body of {@code /metrics}, or empty when it does not answer. */
    String metrics(HttpClient http) {
      try {
        return http.send(
                HttpRequest.newBuilder(URI.create(url + "metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
      } catch (Exception e) {
        return "";
      }
    }
  }

  static Path jobs(Path dir, int n) throws java.io.IOException {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      lines.add(
          String.format(
              "{\"id\":\"o-%02d\",\"prompt\":\"Make the colours warmer.\",\"images\":[\"https://inputs.example.com/%d.png\"]}",
              i, i));
    }
    return Files.write(dir.resolve("jobs.jsonl"), lines, StandardCharsets.UTF_8);
  }

  @Test
  void shouldShowLiveNumbersPerStageDuringARun() throws Exception {
    String chromium = chromium();
    Assumptions.assumeTrue(
        chromium != null,
        "no chromium on this machine (Debian package chromium; .ci/run installs it): ops page test skipped");
    int n = 24;
    Path jobs = jobs(dir, n);
    try (LocalBroker broker = LocalBroker.start(dir.resolve("broker"));
        RunComfyEmulator emu =
            RunComfyEmulator.start(
                EmulatorConfig.defaults(dir.resolve("emu"), TOKEN)
                    .withFetchInputs(false)
                    .withLatency(1_000, 2_000)
                    .withConcurrency(4)
                    .withSeed(3))) {
      LiveRun run = new LiveRun(dir, broker, emu, jobs);
      HttpClient http = HttpClient.newHttpClient();
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  run.metrics(http)
                      .lines()
                      .anyMatch(
                          l ->
                              l.startsWith("editstream_stage_succeeded_total{")
                                  && l.contains("stage=\"downloader\"")));
      Path shot = Path.of("target", "ops-page.png").toAbsolutePath();
      String dom = render(chromium, run.url, shot);
      run.thread.join(TimeUnit.MINUTES.toMillis(3));

      assertThat(dom)
          .contains("editstream")
          .contains("<tr data-stage=\"router\">")
          .contains("<tr data-stage=\"downloader\">");
      assertThat(dom)
          .contains("<th>lag</th>")
          .contains("<th>oldest job s</th>")
          .contains("<th>429/min</th>")
          .contains("cost USD");
      assertThat(cell(dom, "router", 1)).as("router jobs in, live: %s", dom).isPositive();
      assertThat(cell(dom, "router", 2)).as("router handed on").isPositive();
      assertThat(cell(dom, "downloader", 2)).as("downloader handed on").isPositive();
      assertThat(cell(dom, "poller", 9)).as("poller lag").isNotNegative();
      assertThat(cell(dom, "poller", 12)).as("poller restarts").isZero();
      assertThat(dom).containsPattern("id=\"ready\" class=\"(ok|bad)\"");
      assertThat(shot).exists();
      assertThat(Files.size(shot)).isGreaterThan(5_000);
      assertThat(run.result[0].summary().done())
          .as(run.log.toString(StandardCharsets.UTF_8))
          .isEqualTo(n);
    }
  }

  /**
   * Issue 13, point 5: every metric name that a PromQL expression of {@code deploy/} (alert rules,
   * Grafana dashboard) uses is served by a real run's {@code /metrics} (the run meets 429s, 5xx and
   * failed jobs, so the meters tagged by exit class appear too).
   */
  @Test
  void shouldServeEveryMetricTheDashboardAndAlertsUse() throws Exception {
    Path jobs = jobs(dir, 30);
    java.util.Set<String> served = java.util.concurrent.ConcurrentHashMap.newKeySet();
    try (LocalBroker broker = LocalBroker.start(dir.resolve("broker"));
        RunComfyEmulator emu =
            RunComfyEmulator.start(
                EmulatorConfig.defaults(dir.resolve("emu"), TOKEN)
                    .withFetchInputs(false)
                    .withLatency(500, 1_500)
                    .withConcurrency(4)
                    .withRate429(0.2)
                    .withRate5xx(0.1)
                    .withFailedJobRate(0.15)
                    .withSeed(5))) {
      LiveRun run = new LiveRun(dir, broker, emu, jobs);
      HttpClient http = HttpClient.newHttpClient();
      // names never leave a registry: the union of every scrape until the run ends
      while (run.thread.isAlive()) {
        run.metrics(http)
            .lines()
            .filter(l -> !l.startsWith("#") && !l.isBlank())
            .map(l -> l.split("[{ ]", 2)[0])
            .forEach(served::add);
        run.thread.join(250);
      }
      System.out.println(run.log.toString(StandardCharsets.UTF_8));
    }
    java.util.Set<String> used = DeployMetrics.promqlMetricNames();
    System.out.println("PromQL of deploy/ uses " + new java.util.TreeSet<>(used));
    assertThat(used)
        .as("metric names in deploy/ PromQL")
        .isNotEmpty()
        .contains("editstream_stage_lag", "editstream_jobs_failed_total");
    java.util.Set<String> missing = new java.util.TreeSet<>(used);
    missing.removeAll(served);
    missing.remove("up"); // Prometheus' own, per target
    assertThat(missing)
        .as(
            "used by deploy/ but not served by /metrics (served: %s)",
            new java.util.TreeSet<>(served))
        .isEmpty();
  }

  static int freePort() throws java.io.IOException {
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
