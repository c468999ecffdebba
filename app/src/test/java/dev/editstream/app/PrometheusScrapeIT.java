package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, "dashboards and alerts as code", against a real Prometheus ({@code
 * /usr/bin/prometheus}, Debian package {@code prometheus}; skipped with a reason when missing):
 * {@code promtool} accepts {@code deploy/prometheus/alerts.yml} and {@code prometheus.yml}; a
 * Prometheus loading a copy of alerts.yml scrapes a real {@link OpsServer} (a counter {@code
 * editstream.jobs.in{stage=router}} at 3 arrives as {@code editstream_jobs_in_total} = 3), lists
 * every alert rule and evaluates each without error; every dashboard {@code expr} is a query
 * Prometheus accepts.
 */
class PrometheusScrapeIT {
  static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  static final Path PROMTOOL = Path.of("/usr/bin/promtool");
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  JsonNode api(int port, String pathAndQuery) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  int run(Path log, String... command) throws Exception {
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
    return p.exitValue();
  }

  @Test
  void shouldCheckTheRuleFilesWithPromtool() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(PROMTOOL), () -> skip(PROMTOOL));
    Path deploy = DeployMetrics.deployDir();
    Path log = dir.resolve("promtool.log");
    assertThat(
            run(
                log,
                PROMTOOL.toString(),
                "check",
                "rules",
                deploy.resolve("prometheus/alerts.yml").toString()))
        .as(() -> read(log))
        .isZero();
    assertThat(
            run(
                log,
                PROMTOOL.toString(),
                "check",
                "config",
                deploy.resolve("prometheus/prometheus.yml").toString()))
        .as(() -> read(log))
        .isZero();
  }

  @Test
  void shouldScrapeTheOpsServerAndLoadEveryAlertAndDashboardQuery() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(PROMETHEUS), () -> skip(PROMETHEUS));
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Counter.builder("editstream.jobs.in").tag("stage", "router").register(registry).increment(3);
    Path deploy = DeployMetrics.deployDir();
    Files.copy(deploy.resolve("prometheus/alerts.yml"), dir.resolve("alerts.yml"));
    JsonNode alertsFile = DeployFilesTest.documents(dir.resolve("alerts.yml")).get(0);
    List<String> alertNames = alertsFile.path("groups").findValuesAsText("alert");
    int webPort = freePort();
    Path log = dir.resolve("prometheus.log");
    Process prometheus = null;
    try (OpsServer ops =
        OpsServer.start("127.0.0.1", 0, registry, () -> new Readiness(true, List.of()))) {
      Files.writeString(
          dir.resolve("prometheus.yml"),
          """
          global:
            scrape_interval: 1s
            evaluation_interval: 1s
          rule_files: [alerts.yml]
          scrape_configs:
            - job_name: editstream
              static_configs:
                - targets: ["127.0.0.1:%d"]
          """
              .formatted(ops.port()));
      prometheus =
          new ProcessBuilder(
                  PROMETHEUS.toString(),
                  "--config.file=" + dir.resolve("prometheus.yml"),
                  "--storage.tsdb.path=" + dir.resolve("data"),
                  "--web.listen-address=127.0.0.1:" + webPort)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      Process running = prometheus;

      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                assertThat(running.isAlive()).as(() -> "prometheus exited: " + read(log)).isTrue();
                JsonNode result =
                    api(webPort, "/api/v1/query?query=editstream_jobs_in_total")
                        .path("data")
                        .path("result");
                assertThat(result).hasSize(1);
                assertThat(result.get(0).path("metric").path("stage").asText()).isEqualTo("router");
                assertThat(result.get(0).path("value").get(1).asText()).isEqualTo("3");
              });
      assertThat(
              api(webPort, "/api/v1/query?query=" + encode("up{job=\"editstream\"}"))
                  .path("data")
                  .path("result")
                  .get(0)
                  .path("value")
                  .get(1)
                  .asText())
          .isEqualTo("1");

      // every rule listed and evaluated at least once without error (health "ok", not "err")
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(
              () -> {
                JsonNode rules =
                    api(webPort, "/api/v1/rules?type=alert")
                        .path("data")
                        .path("groups")
                        .findValues("rules")
                        .get(0);
                List<String> names = new ArrayList<>();
                for (JsonNode r : rules) {
                  names.add(r.path("name").asText());
                  assertThat(r.path("health").asText())
                      .as(r.path("name").asText() + ": " + r.path("lastError").asText())
                      .isEqualTo("ok");
                }
                assertThat(names).containsExactlyInAnyOrderElementsOf(alertNames);
              });

      for (String expr : DeployMetrics.expressions()) {
        String query = expr.replace("$__rate_interval", "1m");
        JsonNode answer = api(webPort, "/api/v1/query?query=" + encode(query));
        assertThat(answer.path("status").asText())
            .as(query + ": " + answer.path("error").asText())
            .isEqualTo("success");
      }
    } finally {
      if (prometheus != null) {
        prometheus.destroy();
        if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
          prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  static String skip(Path missing) {
    String reason = missing + " is missing: install the Debian package prometheus (.ci/run does)";
    System.out.println("PrometheusScrapeIT skipped: " + reason);
    return reason;
  }

  static String read(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
