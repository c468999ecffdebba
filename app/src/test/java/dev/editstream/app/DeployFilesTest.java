package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.editstream.core.event.Stage;
import dev.editstream.core.event.Topics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Issue 13, "Deployable" and "dashboards and alerts as code": the files under {@code deploy/} agree
 * with the code. Every YAML file parses; the Kubernetes Deployments and the compose workers run
 * real {@code editstream} worker subcommands with real options (picocli parses their args), bind
 * the metrics port on all interfaces and probe {@code /health/live} and {@code /health/ready} on
 * it; the KEDA ScaledObjects watch the consumer group and input topic {@link Topics} gives each
 * worker's stage; the compose healthcheck command, run by bash, tells a ready {@link OpsServer}
 * from an unready one; the alert rules and dashboard panels are complete and name only metrics the
 * workers serve.
 */
class DeployFilesTest {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final ObjectMapper JSON = new ObjectMapper();
  static final Topics TOPICS = new Topics("editstream");
  static final Set<String> WORKERS = Set.of("router-worker", "poller-worker", "downloader-worker");

  /**
   * The names the workers serve on /metrics (Micrometer's Prometheus naming), plus Prometheus's own
   * {@code up}.
   */
  static final Set<String> SERVED =
      Set.of(
          "up",
          "editstream_jobs_in_total",
          "editstream_stage_succeeded_total",
          "editstream_jobs_done_total",
          "editstream_jobs_failed_total",
          "editstream_jobs_retries_total",
          "editstream_records_poison_total",
          "editstream_cost_usd_total",
          "editstream_download_bytes_total",
          "editstream_provider_throttled_total",
          "editstream_stage_restarts_total",
          "editstream_stage_inflight",
          "editstream_stage_lag",
          "editstream_stage_oldest_age_seconds",
          "editstream_stage_alive",
          "editstream_provider_limit",
          "editstream_provider_inflight",
          "editstream_provider_limit_decreases_total",
          "editstream_provider_speculative_grants_total",
          "editstream_provider_speculative_refused_total",
          "editstream_account_paused",
          "editstream_stage_latency_seconds_count",
          "editstream_stage_latency_seconds_sum",
          "editstream_stage_latency_seconds_max",
          "jvm_memory_used_bytes");

  final Path deploy = DeployMetrics.deployDir();

  static List<JsonNode> documents(Path file) throws IOException {
    try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile())) {
      return it.readAll().stream()
          .filter(d -> d != null && !d.isNull() && !d.isMissingNode())
          .toList();
    }
  }

  List<JsonNode> k8s(String kind) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(deploy.resolve("k8s"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        documents(f).stream().filter(d -> d.path("kind").asText().equals(kind)).forEach(out::add);
      }
    }
    return out;
  }

  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /**
   * The value after an option in an argument list ({@code --opt v} or {@code --opt=v}), or null.
   */
  static String option(List<String> args, String name) {
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).equals(name) && i + 1 < args.size()) {
        return args.get(i + 1);
      }
      if (args.get(i).startsWith(name + "=")) {
        return args.get(i).substring(name.length() + 1);
      }
    }
    return null;
  }

  /**
   * Checks a worker's argument list against the picocli model: a worker subcommand first, only
   * options it declares, values picocli accepts, the metrics port open on all interfaces.
   *
   * @return the stage of the worker
   */
  static Stage checkWorkerArgs(String where, List<String> args) {
    CommandLine root = EditstreamCommand.commandLine();
    assertThat(root.getSubcommands().keySet()).as(where + ": subcommand").contains(args.get(0));
    assertThat(WORKERS).as(where + ": a worker subcommand").contains(args.get(0));
    CommandLine sub = root.getSubcommands().get(args.get(0));
    for (String a : args.subList(1, args.size())) {
      if (a.startsWith("-")) {
        String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
        assertThat(sub.getCommandSpec().findOption(name))
            .as(where + ": option " + name + " of " + args.get(0))
            .isNotNull();
      }
    }
    CommandLine.ParseResult parsed =
        EditstreamCommand.commandLine().parseArgs(args.toArray(String[]::new));
    assertThat(parsed.subcommand().commandSpec().name()).isEqualTo(args.get(0));
    assertThat(option(args, "--bootstrap-servers"))
        .as(where + ": --bootstrap-servers")
        .isNotBlank();
    assertThat(option(args, "--metrics-port")).as(where + ": --metrics-port").matches("\\d{1,5}");
    assertThat(option(args, "--metrics-host"))
        .as(where + ": probes and scrapes come from outside the container")
        .isEqualTo("0.0.0.0");
    return ((WorkerCommand) sub.getCommand()).stage();
  }

  @Test
  void shouldParseEveryYamlFileAndTheDashboard() throws IOException {
    List<Path> yamls;
    try (Stream<Path> files = Files.walk(deploy)) {
      yamls =
          files
              .filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml"))
              .sorted()
              .toList();
    }
    assertThat(yamls.stream().map(p -> deploy.relativize(p).toString().replace('\\', '/')))
        .contains(
            "docker-compose.yml",
            "k8s/configmap.yaml",
            "k8s/secret.example.yaml",
            "k8s/router-worker.yaml",
            "k8s/poller-worker.yaml",
            "k8s/downloader-worker.yaml",
            "k8s/keda-scaledobjects.yaml",
            "prometheus/prometheus.yml",
            "prometheus/alerts.yml");
    for (Path y : yamls) {
      assertThat(documents(y))
          .as(y.toString())
          .isNotEmpty()
          .allSatisfy(d -> assertThat(d.isObject()).as(y + " document").isTrue());
    }
    JsonNode dashboard =
        JSON.readTree(deploy.resolve("grafana/editstream-dashboard.json").toFile());
    assertThat(dashboard.path("schemaVersion").asInt()).isEqualTo(39);
    assertThat(dashboard.path("templating").path("list").findValuesAsText("name"))
        .contains("DS_PROMETHEUS");
    Set<Integer> ids = new TreeSet<>();
    for (JsonNode panel : dashboard.path("panels")) {
      String title = panel.path("title").asText();
      assertThat(ids.add(panel.path("id").asInt())).as("unique id of " + title).isTrue();
      assertThat(panel.path("type").asText()).as(title).isIn("timeseries", "stat");
      assertThat(panel.path("datasource").path("uid").asText())
          .as(title)
          .isEqualTo("${DS_PROMETHEUS}");
      assertThat(panel.path("targets"))
          .as(title)
          .isNotEmpty()
          .allSatisfy(t -> assertThat(t.path("expr").asText()).isNotBlank());
    }
    assertThat(dashboard.findValuesAsText("expr"))
        .anyMatch(e -> e.contains("sum by (model) (increase(editstream_cost_usd_total[1h]))"))
        .anyMatch(e -> e.contains("jvm_memory_used_bytes{area=\"heap\"}"));
  }

  @Test
  void shouldRunEachWorkerAsAKubernetesDeploymentWithProbesOnItsMetricsPort() throws IOException {
    JsonNode config = k8s("ConfigMap").get(0);
    JsonNode secret = k8s("Secret").get(0);
    assertThat(secret.path("type").asText()).isEqualTo("Opaque");
    assertThat(secret.path("stringData").has("RUNCOMFY_TOKEN")).isTrue();
    List<JsonNode> deployments = k8s("Deployment");
    Set<String> names = new TreeSet<>();
    for (JsonNode d : deployments) {
      String name = d.path("metadata").path("name").asText();
      names.add(name);
      assertThat(d.path("metadata").has("namespace")).as(name + " is namespace-less").isFalse();
      JsonNode pod = d.path("spec").path("template").path("spec");
      JsonNode c = pod.path("containers").get(0);
      List<String> args = strings(c.path("args"));
      assertThat(args.get(0)).as(name + " runs its own subcommand").isEqualTo(name);
      checkWorkerArgs(name, args);
      String bootstrap = option(args, "--bootstrap-servers");
      assertThat(bootstrap).isEqualTo("$(KAFKA_BOOTSTRAP)");
      assertThat(config.path("data").has("KAFKA_BOOTSTRAP")).isTrue();
      int port = Integer.parseInt(option(args, "--metrics-port"));
      JsonNode ports = c.path("ports");
      assertThat(ports).hasSize(1);
      assertThat(ports.get(0).path("name").asText()).isEqualTo("metrics");
      assertThat(ports.get(0).path("containerPort").asInt())
          .as(name + " container port")
          .isEqualTo(port);
      for (String[] probe :
          new String[][] {{"livenessProbe", "/health/live"}, {"readinessProbe", "/health/ready"}}) {
        JsonNode get = c.path(probe[0]).path("httpGet");
        assertThat(get.path("path").asText()).as(name + " " + probe[0]).isEqualTo(probe[1]);
        JsonNode p = get.path("port");
        assertThat(p.isInt() ? p.asInt() : p.asText().equals("metrics") ? port : -1)
            .as(name + " " + probe[0] + " port")
            .isEqualTo(port);
      }
      assertThat(c.path("envFrom").findValuesAsText("name"))
          .as(name + " envFrom")
          .containsExactlyInAnyOrder(
              config.path("metadata").path("name").asText(),
              secret.path("metadata").path("name").asText());
      assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean())
          .as(name + " non-root")
          .isTrue();
      String out = option(args, "--out");
      if (out != null) {
        assertThat(c.path("volumeMounts").findValuesAsText("mountPath"))
            .as(name + " --out on a volume")
            .contains(out);
      }
      // the views' stores outlive a container restart (an emptyDir, one per pod: never shared)
      String state = option(args, "--state-dir");
      assertThat(state).as(name + " --state-dir").isNotNull();
      String stateVolume = null;
      for (JsonNode m : c.path("volumeMounts")) {
        if (m.path("mountPath").asText().equals(state)) {
          stateVolume = m.path("name").asText();
        }
      }
      assertThat(stateVolume).as(name + " --state-dir on a volume").isNotNull();
      String sv = stateVolume;
      assertThat(pod.path("volumes"))
          .as(name + " --state-dir's volume is the pod's own")
          .anySatisfy(
              v -> {
                assertThat(v.path("name").asText()).isEqualTo(sv);
                assertThat(v.has("emptyDir")).isTrue();
              });
    }
    assertThat(names).isEqualTo(WORKERS);
    assertThat(
            option(
                strings(
                    deployments.stream()
                        .filter(
                            d ->
                                d.path("metadata")
                                    .path("name")
                                    .asText()
                                    .equals("downloader-worker"))
                        .findFirst()
                        .orElseThrow()
                        .path("spec")
                        .path("template")
                        .path("spec")
                        .path("containers")
                        .get(0)
                        .path("args")),
                "--out"))
        .isEqualTo("/data/out");
  }

  @Test
  void shouldScaleEachWorkerWithKedaOnItsOwnConsumerGroupAndInputTopic() throws IOException {
    String bootstrap = k8s("ConfigMap").get(0).path("data").path("KAFKA_BOOTSTRAP").asText();
    Map<String, Stage> stages = new LinkedHashMap<>();
    for (JsonNode d : k8s("Deployment")) {
      String name = d.path("metadata").path("name").asText();
      stages.put(
          name,
          checkWorkerArgs(
              name,
              strings(
                  d.path("spec")
                      .path("template")
                      .path("spec")
                      .path("containers")
                      .get(0)
                      .path("args"))));
    }
    List<JsonNode> scaled = k8s("ScaledObject");
    assertThat(scaled).hasSize(3);
    Set<String> targets = new TreeSet<>();
    for (JsonNode s : scaled) {
      assertThat(s.path("apiVersion").asText()).isEqualTo("keda.sh/v1alpha1");
      String target = s.path("spec").path("scaleTargetRef").path("name").asText();
      targets.add(target);
      Stage stage = stages.get(target);
      assertThat(stage).as("ScaledObject target " + target + " is a Deployment").isNotNull();
      JsonNode trigger = s.path("spec").path("triggers").get(0);
      assertThat(trigger.path("type").asText()).isEqualTo("kafka");
      JsonNode meta = trigger.path("metadata");
      assertThat(meta.path("consumerGroup").asText()).as(target).isEqualTo(TOPICS.group(stage));
      assertThat(meta.path("topic").asText()).as(target).isEqualTo(TOPICS.input(stage));
      assertThat(meta.path("bootstrapServers").asText())
          .as(target + " same cluster as the ConfigMap")
          .isEqualTo(bootstrap);
      assertThat(meta.path("lagThreshold").isTextual()).as("KEDA wants strings").isTrue();
      assertThat(Integer.parseInt(meta.path("lagThreshold").asText())).isPositive();
      int min = s.path("spec").path("minReplicaCount").asInt();
      int max = s.path("spec").path("maxReplicaCount").asInt();
      assertThat(min).isEqualTo(1);
      assertThat(max).as(target).isEqualTo(stage == Stage.ROUTER ? 2 : 6);
    }
    assertThat(targets).isEqualTo(WORKERS);
  }

  @Test
  void shouldRunEachWorkerInComposeAgainstTheInternalKafkaListener() throws IOException {
    JsonNode compose = documents(deploy.resolve("docker-compose.yml")).get(0);
    JsonNode services = compose.path("services");
    JsonNode kafka = services.path("kafka");
    assertThat(kafka.path("image").asText()).startsWith("apache/kafka");
    JsonNode env = kafka.path("environment");
    assertThat(env.path("KAFKA_PROCESS_ROLES").asText()).isEqualTo("broker,controller");
    assertThat(strings(kafka.path("ports"))).anyMatch(p -> p.startsWith("9092:"));
    assertThat(strings(kafka.path("volumes")))
        .anyMatch(v -> compose.path("volumes").has(v.substring(0, v.indexOf(':'))));
    List<String> advertised = List.of(env.path("KAFKA_ADVERTISED_LISTENERS").asText().split(","));
    Map<String, Stage> stages = new LinkedHashMap<>();
    List<String> targets = new ArrayList<>();
    for (var e : services.properties()) {
      List<String> command = strings(e.getValue().path("command"));
      if (command.isEmpty() || !command.get(0).endsWith("-worker")) {
        continue;
      }
      String name = e.getKey();
      JsonNode s = e.getValue();
      stages.put(command.get(0), checkWorkerArgs("compose " + name, command));
      String bootstrap = option(command, "--bootstrap-servers");
      assertThat(advertised)
          .as(name + " uses an advertised listener")
          .anySatisfy(l -> assertThat(l).endsWith("://" + bootstrap));
      assertThat(s.path("restart").asText()).isEqualTo("unless-stopped");
      assertThat(s.path("build").path("dockerfile").asText()).isEqualTo("deploy/Dockerfile");
      assertThat(strings(s.path("environment"))).contains("RUNCOMFY_TOKEN");
      String port = option(command, "--metrics-port");
      String check = String.join(" ", strings(s.path("healthcheck").path("test")));
      assertThat(check)
          .as(name + " healthcheck")
          .contains("/health/ready")
          .contains("127.0.0.1/" + port);
      String state = option(command, "--state-dir");
      assertThat(strings(s.path("volumes")))
          .as(name + " --state-dir on a named volume of its own")
          .anyMatch(
              v ->
                  state != null
                      && v.endsWith(":" + state)
                      && compose.path("volumes").has(v.substring(0, v.indexOf(':')))
                      && v.startsWith(name.replace("-worker", "") + "-state:"));
      String out = option(command, "--out");
      if (out != null) {
        assertThat(strings(s.path("volumes")))
            .as(name + " --out on a named volume")
            .anyMatch(
                v ->
                    v.endsWith(":" + out)
                        && compose.path("volumes").has(v.substring(0, v.indexOf(':'))));
      }
      targets.add(name + ":" + port);
    }
    assertThat(stages.keySet()).isEqualTo(WORKERS);
    assertThat(option(strings(services.path("downloader-worker").path("command")), "--out"))
        .isEqualTo("/data/out");

    for (String o : List.of("prometheus", "grafana")) {
      assertThat(strings(services.path(o).path("profiles"))).as(o).containsExactly("observability");
      for (String v : strings(services.path(o).path("volumes"))) {
        if (v.startsWith("./")) {
          assertThat(deploy.resolve(v.substring(2, v.indexOf(':'))))
              .as(o + " mounts " + v)
              .exists();
        }
      }
    }
    JsonNode prometheus = documents(deploy.resolve("prometheus/prometheus.yml")).get(0);
    assertThat(strings(prometheus.path("rule_files"))).containsExactly("alerts.yml");
    JsonNode job = prometheus.path("scrape_configs").get(0);
    assertThat(job.path("job_name").asText())
        .as("the alerts use up{job=\"editstream\"}")
        .isEqualTo("editstream");
    List<String> discovered = new ArrayList<>();
    for (JsonNode sd : job.path("dns_sd_configs")) {
      strings(sd.path("names")).forEach(n -> discovered.add(n + ":" + sd.path("port").asInt()));
    }
    assertThat(discovered)
        .as("every worker service scraped on its metrics port")
        .containsExactlyInAnyOrderElementsOf(targets);
  }

  @Test
  void shouldTellReadyFromUnreadyWithTheComposeHealthcheck() throws Exception {
    JsonNode compose = documents(deploy.resolve("docker-compose.yml")).get(0);
    List<String> test =
        strings(compose.path("services").path("router-worker").path("healthcheck").path("test"));
    assertThat(test.subList(0, 3))
        .as("bash, not sh: /dev/tcp is a bash feature")
        .containsExactly("CMD", "bash", "-c");
    boolean[] ready = {true};
    try (OpsServer ops =
        OpsServer.start(
            "127.0.0.1",
            0,
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            () ->
                ready[0]
                    ? new Readiness(true, List.of())
                    : new Readiness(false, List.of("the Kafka cluster does not answer")))) {
      String script = test.get(3).replace("127.0.0.1/9400", "127.0.0.1/" + ops.port());
      assertThat(runBash(script)).as("exit code while ready").isZero();
      ready[0] = false;
      assertThat(runBash(script)).as("exit code while unready").isNotZero();
    }
  }

  static int runBash(String script) throws Exception {
    Process p =
        new ProcessBuilder("bash", "-c", script)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("healthcheck finished").isTrue();
    return p.exitValue();
  }

  @Test
  void shouldDefineEveryAlertWithSeverityAndSummary() throws IOException {
    JsonNode alerts = documents(deploy.resolve("prometheus/alerts.yml")).get(0);
    List<String> names = new ArrayList<>();
    for (JsonNode rule :
        alerts.path("groups").findValues("rules").stream()
            .flatMap(r -> java.util.stream.StreamSupport.stream(r.spliterator(), false))
            .toList()) {
      String name = rule.path("alert").asText();
      names.add(name);
      assertThat(rule.path("expr").asText()).as(name).isNotBlank();
      assertThat(rule.path("for").asText()).as(name).matches("\\d+[smh]");
      assertThat(rule.path("labels").path("severity").asText())
          .as(name)
          .isIn("warning", "critical");
      assertThat(rule.path("annotations").path("summary").asText()).as(name).isNotBlank();
    }
    assertThat(names)
        .containsExactlyInAnyOrder(
            "StageDown",
            "LagGrowing",
            "OldestJobTooOld",
            "TooMany429",
            "AccountPaused",
            "FailureRatioHigh",
            "StageRestarting");
  }

  @Test
  void shouldNameOnlyServedMetricsInAlertsAndDashboard() {
    Set<String> used = DeployMetrics.promqlMetricNames();
    assertThat(used)
        .contains(
            "editstream_stage_lag", "editstream_cost_usd_total", "jvm_memory_used_bytes", "up")
        .doesNotContain(
            "rate", "sum", "stage", "by", "le", "model", "heap", "increase", "clamp_min");
    assertThat(SERVED).as("names in alerts.yml and the dashboard").containsAll(used);
  }

  @Test
  void shouldFindMetricNamesButNoFunctionsLabelsOrStrings() {
    assertThat(
            DeployMetrics.metricNames(
                "sum by (stage, le) (rate(editstream_jobs_in_total{stage=\"router\", model=~\"a.*\"}[5m]))"))
        .containsExactly("editstream_jobs_in_total");
    assertThat(
            DeployMetrics.metricNames(
                "max by (stage) (editstream_stage_lag) > 500 and max by (stage) (deriv(editstream_stage_lag[10m])) > 0"))
        .containsExactly("editstream_stage_lag");
    assertThat(
            DeployMetrics.metricNames(
                "sum(rate(a_total[$__rate_interval])) / clamp_min(sum(rate(b_total{x='}'}[15m] offset 1h)), 1e-9) > 0.2"))
        .containsExactly("a_total", "b_total");
    assertThat(
            DeployMetrics.metricNames(
                "up{job=\"editstream\"} == 0 or c == 0 unless on (instance) group_left d"))
        .containsExactly("c", "d", "up");
    assertThat(
            DeployMetrics.metricNames(
                "histogram_quantile(0.99, sum without (instance) (rate(x_bucket[5m]))) > bool 1"))
        .containsExactly("x_bucket");
  }

  @Test
  void shouldBuildANonRootImageThatRunsTheJar() throws IOException {
    String dockerfile = Files.readString(deploy.resolve("Dockerfile"));
    assertThat(dockerfile)
        .contains(
            "FROM maven:3-eclipse-temurin-17 AS build",
            "./mvnw -B -DskipTests package -pl app -am",
            "FROM eclipse-temurin:17-jre",
            "ENTRYPOINT [\"java\",\"-jar\",\"/app/editstream.jar\"]",
            "EXPOSE 9400")
        .contains("chown editstream:editstream /data/out /data/state")
        .containsPattern("(?m)^USER 10001")
        .doesNotContainPattern("(?m)^HEALTHCHECK");
  }
}
