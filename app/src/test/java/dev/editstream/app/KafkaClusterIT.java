package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.editstream.core.event.JobEvent;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.pipeline.kafka.KafkaClientConfig;
import dev.editstream.pipeline.kafka.TopicAdmin;
import dev.editstream.runcomfy.RunComfyConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.test.JaasUtils;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, point 6: editstream on a real multi-broker KRaft cluster (Kafka's test kit, in this
 * JVM) with a broker stopped mid-batch, and on a SASL/SCRAM-SHA-256 listener (with the test kit's
 * authorizer) that the workers reach only through {@code --kafka-config}.
 */
class KafkaClusterIT {
  static final String TOKEN = "cluster-it-token";

  @TempDir Path dir;

  @AfterEach
  void forgetClientSettings() {
    KafkaClientConfig.install(Map.of());
  }

  /**
   * The SCRAM user the workers of the SASL test log in as (a super user: the test kit's authorizer
   * denies everyone else).
   */
  static final String SCRAM_USER = "editstream-worker";

  static final String SCRAM_PASSWORD = "scram-secret-5f2b9c";

  static KafkaClusterTestKit cluster(int brokers, SecurityProtocol protocol) throws Exception {
    TestKitNodes nodes =
        new TestKitNodes.Builder()
            .setCombined(false)
            .setNumControllerNodes(1)
            .setNumBrokerNodes(brokers)
            .setBrokerSecurityProtocol(protocol)
            .build();
    KafkaClusterTestKit.Builder b = new KafkaClusterTestKit.Builder(nodes);
    if (protocol != SecurityProtocol.PLAINTEXT) {
      // SCRAM-SHA-256 for clients beside the test kit's PLAIN (its brokers and controller talk
      // PLAIN to each other)
      b.setConfigProp("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256")
          .setConfigProp("sasl.mechanism.inter.broker.protocol", "PLAIN")
          .setConfigProp("sasl.mechanism.controller.protocol", "PLAIN")
          .setConfigProp(
              "super.users", "User:" + JaasUtils.KAFKA_PLAIN_ADMIN + ";User:" + SCRAM_USER);
    }
    KafkaClusterTestKit c =
        b.setConfigProp("auto.create.topics.enable", "false")
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
            .setConfigProp("offsets.topic.replication.factor", String.valueOf(Math.min(3, brokers)))
            .setConfigProp(
                "transaction.state.log.replication.factor", String.valueOf(Math.min(3, brokers)))
            .setConfigProp("transaction.state.log.min.isr", "1")
            .build();
    c.format();
    c.startup();
    c.waitForReadyBrokers();
    return c;
  }

  Path jobs(int n) throws Exception {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      lines.add(
          String.format(
              "{\"id\":\"c-%03d\",\"prompt\":\"Make the colours warmer.\",\"images\":[\"https://inputs.example.com/%d.png\"]}",
              i, i));
    }
    return Files.write(dir.resolve("jobs.jsonl"), lines, StandardCharsets.UTF_8);
  }

  PipelineOptions options(String bootstrap, RunComfyEmulator emu) {
    PipelineOptions o = new PipelineOptions();
    o.bootstrapServers = bootstrap;
    o.topicPrefix = "cluster-" + Long.toHexString(System.nanoTime());
    o.partitions = 6;
    o.out = dir.resolve("out");
    o.routerConcurrency = 8;
    o.pollerConcurrency = 200;
    o.downloaderConcurrency = 8;
    o.maxAttempts = 10;
    o.retryBaseMs = 50;
    o.retryMaxMs = 1000;
    o.jobDeadlineSeconds = 300;
    o.catalogCache = dir.resolve("catalog-cache.json");
    o.allowDownloadHosts = new ArrayList<>(List.of("127.0.0.1:" + emu.port()));
    return o;
  }

  @Test
  @SuppressWarnings(
      "try") // the test kit's close() may throw InterruptedException; JUnit reports it
  void shouldReplicateItsTopicsOnThreeBrokersAndLoseNothingWhenOneStopsMidBatch() throws Exception {
    int n = 40;
    try (KafkaClusterTestKit kafka = cluster(3, SecurityProtocol.PLAINTEXT);
        RunComfyEmulator emu =
            RunComfyEmulator.start(
                EmulatorConfig.defaults(dir.resolve("emu"), TOKEN)
                    .withFetchInputs(false)
                    .withLatency(1_500, 3_000)
                    .withConcurrency(8)
                    .withSeed(5))) {
      PipelineOptions o = options(kafka.bootstrapServers(), emu);
      PipelineConfig cfg = o.toConfig(Map.of());
      Path file = jobs(n);
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      BatchRun.Result[] result = new BatchRun.Result[1];
      Thread run =
          new Thread(
              () -> {
                try {
                  result[0] =
                      BatchRun.run(
                          cfg,
                          RunComfyConfig.of(emu.baseUrl(), TOKEN),
                          false,
                          file,
                          Duration.ofMinutes(4),
                          new PrintStream(log, true, StandardCharsets.UTF_8),
                          new ArrayList<>());
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      run.start();
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofMinutes(2))
          .until(
              () ->
                  Files.exists(cfg.outDir().resolve("manifest.jsonl"))
                      && Files.readAllLines(cfg.outDir().resolve("manifest.jsonl")).size() >= 5);
      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        Map<String, TopicDescription> topics =
            admin.describeTopics(cfg.topics().all()).allTopicNames().get(30, TimeUnit.SECONDS);
        assertThat(topics.values())
            .as("replication factor min(3, brokers)")
            .allSatisfy(
                t ->
                    assertThat(t.partitions())
                        .allSatisfy(p -> assertThat(p.replicas()).hasSize(3)));
      }
      Instant stopped = Instant.now();
      int victim = kafka.brokers().keySet().iterator().next();
      kafka.brokers().get(victim).shutdown();
      run.join(TimeUnit.MINUTES.toMillis(4));
      String printed = log.toString(StandardCharsets.UTF_8);

      assertThat(result[0]).as(printed).isNotNull();
      assertThat(result[0].finished()).as(printed).isTrue();
      assertThat(result[0].summary().done()).as(printed).isEqualTo(n);
      assertThat(result[0].summary().jobs().values())
          .as("one done event per job, no failure")
          .allSatisfy(
              s -> {
                assertThat(s.doneEvents()).hasSize(1);
                assertThat(s.failedEvents()).isEmpty();
              });
      assertThat(emu.stats().submits()).as("one POST per job").isEqualTo(n);
      // the pause: from the stop to the next job that ended, bounded by the leader failover
      // (seconds), not the outage
      Instant firstAfter =
          result[0].summary().jobs().values().stream()
              .map(s -> s.doneEvents().get(0).at())
              .filter(t -> t.isAfter(stopped))
              .min(Instant::compareTo)
              .orElseThrow();
      System.out.printf(
          "broker %d stopped; next job done after %d ms%n",
          victim, Duration.between(stopped, firstAfter).toMillis());
      assertThat(Duration.between(stopped, firstAfter))
          .as("pause after the broker stopped")
          .isLessThan(Duration.ofSeconds(20));
    }
  }

  @Test
  @SuppressWarnings(
      "try") // the test kit's close() may throw InterruptedException; JUnit reports it
  void shouldReachASaslClusterOnlyThroughKafkaConfig() throws Exception {
    int n = 6;
    try (KafkaClusterTestKit kafka = cluster(1, SecurityProtocol.SASL_PLAINTEXT);
        RunComfyEmulator emu =
            RunComfyEmulator.start(
                EmulatorConfig.defaults(dir.resolve("emu"), TOKEN)
                    .withFetchInputs(false)
                    .withLatency(50, 150)
                    .withSeed(6))) {
      // without credentials the cluster refuses
      try (Admin anonymous =
          Admin.create(
              Map.of(
                  AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                  kafka.bootstrapServers(),
                  AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                  5_000,
                  AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                  2_000))) {
        assertThatThrownBy(() -> anonymous.listTopics().names().get(10, TimeUnit.SECONDS))
            .isInstanceOf(Exception.class);
      }
      // the cluster's administrator creates the workers' SCRAM credentials (as an operator would
      // with kafka-configs.sh)
      try (Admin admin =
          Admin.create(
              Map.of(
                  AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                  kafka.bootstrapServers(),
                  "security.protocol",
                  "SASL_PLAINTEXT",
                  "sasl.mechanism",
                  "PLAIN",
                  "sasl.jaas.config",
                  "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                      + JaasUtils.KAFKA_PLAIN_ADMIN
                      + "\" password=\""
                      + JaasUtils.KAFKA_PLAIN_ADMIN_PASSWORD
                      + "\";"))) {
        admin
            .alterUserScramCredentials(
                List.of(
                    new org.apache.kafka.clients.admin.UserScramCredentialUpsertion(
                        SCRAM_USER,
                        new org.apache.kafka.clients.admin.ScramCredentialInfo(
                            org.apache.kafka.clients.admin.ScramMechanism.SCRAM_SHA_256, 4096),
                        SCRAM_PASSWORD)))
            .all()
            .get(30, TimeUnit.SECONDS);
      }
      Path clientConfig = dir.resolve("client.properties");
      String scram =
          "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
              + SCRAM_USER
              + "\" password=\"";
      // a wrong password is refused: the credentials really are checked
      Map<String, Object> wrong =
          Map.of(
              AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
              kafka.bootstrapServers(),
              "security.protocol",
              "SASL_PLAINTEXT",
              "sasl.mechanism",
              "SCRAM-SHA-256",
              "sasl.jaas.config",
              scram + "not-the-password\";",
              AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
              5_000,
              AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
              2_000);
      try (Admin bad = Admin.create(wrong)) {
        assertThatThrownBy(() -> bad.listTopics().names().get(10, TimeUnit.SECONDS))
            .hasRootCauseInstanceOf(
                org.apache.kafka.common.errors.SaslAuthenticationException.class);
      }
      // SCRAM credentials take a moment to reach every broker: until the right password is accepted
      Map<String, Object> right = new java.util.HashMap<>(wrong);
      right.put("sasl.jaas.config", scram + SCRAM_PASSWORD + "\";");
      try (Admin ok = Admin.create(right)) {
        await()
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .until(() -> ok.listTopics().names().get(5, TimeUnit.SECONDS) != null);
      }
      Files.writeString(
          clientConfig,
          String.join(
              "\n",
              "security.protocol=SASL_PLAINTEXT",
              "sasl.mechanism=SCRAM-SHA-256",
              "sasl.jaas.config=" + scram + SCRAM_PASSWORD + "\";",
              ""));
      PipelineOptions o = options(null, emu);
      o.kafkaConfig = clientConfig;
      PipelineConfig cfg =
          o.toConfig(Map.of("EDITSTREAM_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers()));
      assertThat(cfg.bootstrapServers())
          .as("bootstrap.servers from the environment")
          .isEqualTo(kafka.bootstrapServers());
      ByteArrayOutputStream log = new ByteArrayOutputStream();

      BatchRun.Result r =
          BatchRun.run(
              cfg,
              RunComfyConfig.of(emu.baseUrl(), TOKEN),
              false,
              jobs(n),
              Duration.ofMinutes(3),
              new PrintStream(log, true, StandardCharsets.UTF_8),
              new ArrayList<>());

      String printed = log.toString(StandardCharsets.UTF_8);
      assertThat(r.finished()).as(printed).isTrue();
      assertThat(r.summary().done()).as(printed).isEqualTo(n);
      assertThat(printed).doesNotContain(SCRAM_PASSWORD);
      JobEvent any = r.summary().jobs().values().iterator().next().doneEvents().get(0);
      assertThat(dev.editstream.pipeline.EventCodec.encode(any))
          .asString(StandardCharsets.UTF_8)
          .doesNotContain(SCRAM_PASSWORD);
      assertThat(TopicAdmin.ensureTopics(cfg.bootstrapServers(), cfg.topics().all(), 1, (short) 0))
          .isEqualTo((short) 1);
    }
  }
}
