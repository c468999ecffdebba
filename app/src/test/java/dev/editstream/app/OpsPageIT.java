package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.pipeline.kafka.LocalBroker;
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
    for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
      if (Files.isExecutable(Path.of(c))) {
        return c;
      }
    }
    return null;
  }

  String render(String chromium, String url, Path screenshot) throws Exception {
    List<String> common = List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--user-data-dir=" + dir.resolve("chrome-" + System.nanoTime()), "--virtual-time-budget=7000");
    List<String> dump = new ArrayList<>(common);
    dump.addAll(List.of("--dump-dom", url));
    Process p = new ProcessBuilder(dump).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    List<String> shot = new ArrayList<>(common);
    shot.addAll(List.of("--window-size=1200,700", "--screenshot=" + screenshot, url));
    Process s = new ProcessBuilder(shot).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    assertThat(s.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return dom;
  }

  static int cell(String dom, String stage, int column) {
    Matcher m = Pattern.compile("<tr data-stage=\"" + stage + "\">(.*?)</tr>", Pattern.DOTALL).matcher(dom);
    assertThat(m.find()).as("row of %s in %s", stage, dom).isTrue();
    Matcher td = Pattern.compile("<td>(.*?)</td>").matcher(m.group(1));
    for (int i = 0; i <= column; i++) {
      assertThat(td.find()).isTrue();
    }
    String v = td.group(1);
    return v.equals("–") ? -1 : (int) Double.parseDouble(v);
  }

  @Test
  void shouldShowLiveNumbersPerStageDuringARun() throws Exception {
    String chromium = chromium();
    Assumptions.assumeTrue(chromium != null, "no chromium on this machine (Debian package chromium; .ci/run installs it): ops page test skipped");
    int n = 24;
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      lines.add(String.format("{\"id\":\"o-%02d\",\"prompt\":\"Make the colours warmer.\",\"images\":[\"https://inputs.example.com/%d.png\"]}", i, i));
    }
    Path jobs = Files.write(dir.resolve("jobs.jsonl"), lines, StandardCharsets.UTF_8);
    try (LocalBroker broker = LocalBroker.start(dir.resolve("broker"));
        RunComfyEmulator emu = RunComfyEmulator.start(EmulatorConfig.defaults(dir.resolve("emu"), TOKEN).withFetchInputs(false)
            .withLatency(1_000, 2_000).withConcurrency(4).withSeed(3))) {
      PipelineOptions o = new PipelineOptions();
      o.bootstrapServers = broker.bootstrapServers();
      o.out = dir.resolve("out");
      o.topicPrefix = "ops";
      o.partitions = 2;
      o.routerConcurrency = 4;
      o.pollerConcurrency = 100;
      o.downloaderConcurrency = 4;
      o.maxAttempts = 6;
      o.retryBaseMs = 50;
      o.retryMaxMs = 1000;
      o.jobDeadlineSeconds = 300;
      o.catalogCache = dir.resolve("catalog-cache.json");
      o.allowDownloadHosts = new ArrayList<>(List.of("127.0.0.1:" + emu.port()));
      MetricsOptions m = new MetricsOptions();
      m.port = freePort();
      PipelineConfig cfg = o.toConfig(java.util.Map.of());
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      BatchRun.Result[] result = new BatchRun.Result[1];
      Thread run = new Thread(() -> {
        try {
          result[0] = BatchRun.run(cfg, RunComfyConfig.of(emu.baseUrl(), TOKEN), false, jobs, List.of(), Duration.ofMinutes(3),
              new PrintStream(log, true, StandardCharsets.UTF_8), new ArrayList<>(), BatchRun.Options.DEFAULT.withMetrics(m));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      run.start();
      String url = "http://127.0.0.1:" + m.port + "/";
      HttpClient http = HttpClient.newHttpClient();
      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
        String metrics = http.send(HttpRequest.newBuilder(URI.create(url + "metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().anyMatch(l -> l.startsWith("editstream_stage_succeeded_total{") && l.contains("stage=\"downloader\""));
      });
      Path shot = Path.of("target", "ops-page.png").toAbsolutePath();
      String dom = render(chromium, url, shot);
      run.join(TimeUnit.MINUTES.toMillis(3));

      assertThat(dom).contains("editstream").contains("<tr data-stage=\"router\">").contains("<tr data-stage=\"downloader\">");
      assertThat(cell(dom, "router", 1)).as("router jobs in, live: %s", dom).isPositive();
      assertThat(cell(dom, "router", 2)).as("router handed on").isPositive();
      assertThat(cell(dom, "downloader", 2)).as("downloader handed on").isPositive();
      assertThat(dom).containsPattern("id=\"ready\" class=\"(ok|bad)\"");
      assertThat(shot).exists();
      assertThat(Files.size(shot)).isGreaterThan(5_000);
      assertThat(result[0].summary().done()).as(log.toString(StandardCharsets.UTF_8)).isEqualTo(n);
    }
  }

  static int freePort() throws java.io.IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
