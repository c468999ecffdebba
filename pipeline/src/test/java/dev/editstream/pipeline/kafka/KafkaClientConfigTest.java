package dev.editstream.pipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15: client settings as Kafka users give them: a properties file, then the environment. */
class KafkaClientConfigTest {
  @TempDir Path dir;

  @AfterEach
  void reset() {
    KafkaClientConfig.install(Map.of());
  }

  @Test
  void shouldReadAClientPropertiesFileAndLetTheEnvironmentOverrideIt() throws Exception {
    Path f = dir.resolve("client.properties");
    Files.writeString(
        f,
        String.join(
            "\n",
            "security.protocol=SASL_SSL",
            "sasl.mechanism=SCRAM-SHA-256",
            "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"app\" password=\"s3cret-pw\";",
            "ssl.truststore.location=/etc/kafka/truststore.jks",
            ""));

    Map<String, String> c =
        KafkaClientConfig.load(
            f,
            Map.of(
                "EDITSTREAM_KAFKA_SASL_MECHANISM",
                "SCRAM-SHA-512",
                "OTHER",
                "x",
                "EDITSTREAM_KAFKA_SSL_ENDPOINT__IDENTIFICATION__ALGORITHM",
                ""));

    assertThat(c)
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
        .containsEntry("ssl.truststore.location", "/etc/kafka/truststore.jks")
        .containsEntry("ssl.endpoint_identification_algorithm", "")
        .doesNotContainKey("other");
    assertThat(KafkaClientConfig.describe(c).get("sasl.jaas.config")).isEqualTo("[hidden]");
  }

  @Test
  void shouldMapEnvironmentNamesAsConfluentImagesDo() {
    assertThat(KafkaClientConfig.propertyName("SECURITY_PROTOCOL")).isEqualTo("security.protocol");
    assertThat(KafkaClientConfig.propertyName("SASL_JAAS_CONFIG")).isEqualTo("sasl.jaas.config");
    assertThat(KafkaClientConfig.propertyName("SSL_ENDPOINT__IDENTIFICATION__ALGORITHM"))
        .isEqualTo("ssl.endpoint_identification_algorithm");
    assertThat(KafkaClientConfig.propertyName("CLIENT___DNS___LOOKUP"))
        .isEqualTo("client-dns-lookup");
  }

  @Test
  void shouldRefuseSettingsEditstreamsGuaranteesRestOnAndAMissingFile() throws Exception {
    for (String key : KafkaClientConfig.PROTECTED) {
      Path f = dir.resolve(key + ".properties");
      Files.writeString(f, key + "=x\n");
      assertThatThrownBy(() -> KafkaClientConfig.load(f, Map.of()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(key);
    }
    assertThatThrownBy(
            () ->
                KafkaClientConfig.load(null, Map.of("EDITSTREAM_KAFKA_ENABLE_AUTO_COMMIT", "true")))
        .hasMessageContaining("enable.auto.commit");
    assertThatThrownBy(() -> KafkaClientConfig.load(dir.resolve("none.properties"), Map.of()))
        .hasMessageContaining("--kafka-config");
  }

  @Test
  void shouldApplyTheInstalledSettingsToEveryClientAndHideTheirSecrets() {
    KafkaClientConfig.install(
        Map.of(
            "security.protocol",
            "SASL_PLAINTEXT",
            "sasl.jaas.config",
            "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"pw-99317788\";"));
    Properties p = new Properties();
    p.put("linger.ms", "20");

    KafkaClientConfig.applyTo(p);

    assertThat(p)
        .containsEntry("security.protocol", "SASL_PLAINTEXT")
        .containsEntry("linger.ms", "20");
    assertThat(KafkaClientConfig.applyTo(Map.<String, Object>of("bootstrap.servers", "h:1")))
        .containsEntry("security.protocol", "SASL_PLAINTEXT")
        .containsEntry("bootstrap.servers", "h:1");
    assertThat(dev.editstream.core.Redact.text("login failed with pw-99317788"))
        .doesNotContain("pw-99317788");
  }

  @Test
  void shouldSizeAndConfigureEveryTopicByItsRole() {
    assertThat(TopicPolicy.replicationFactor(0, 1)).isEqualTo((short) 1);
    assertThat(TopicPolicy.replicationFactor(0, 2)).isEqualTo((short) 2);
    assertThat(TopicPolicy.replicationFactor(0, 5)).isEqualTo((short) 3);
    assertThat(TopicPolicy.replicationFactor(2, 5)).isEqualTo((short) 2);
    assertThatThrownBy(() -> TopicPolicy.replicationFactor(4, 3))
        .hasMessageContaining("--replication-factor 4")
        .hasMessageContaining("3 brokers");
    assertThatThrownBy(() -> TopicPolicy.replicationFactor(-1, 3))
        .hasMessageContaining("--replication-factor");

    assertThat(TopicPolicy.configs("editstream.jobs.done", (short) 3))
        .containsEntry("cleanup.policy", "compact")
        .containsEntry("min.insync.replicas", "2");
    assertThat(TopicPolicy.configs("editstream.jobs.failed", (short) 1))
        .containsEntry("cleanup.policy", "compact")
        .doesNotContainKey("min.insync.replicas");
    assertThat(TopicPolicy.configs("editstream.jobs.state", (short) 2))
        .containsEntry("cleanup.policy", "compact")
        .containsEntry("min.insync.replicas", "1");
    assertThat(TopicPolicy.configs("editstream.jobs.requested", (short) 3))
        .containsEntry("cleanup.policy", "delete")
        .containsEntry("retention.ms", String.valueOf(7 * 86_400_000L));
    assertThat(TopicPolicy.configs("editstream.retry.poller", (short) 3))
        .containsEntry("retention.ms", String.valueOf(86_400_000L));
  }
}
