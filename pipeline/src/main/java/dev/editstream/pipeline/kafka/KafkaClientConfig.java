package dev.editstream.pipeline.kafka;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The Kafka client settings a user gives for their cluster, applied to every producer, consumer and
 * admin client of the process, as Kafka's own tools take {@code --command-config}: a standard
 * client properties file ({@code --kafka-config FILE}: {@code security.protocol}, {@code
 * sasl.mechanism}, {@code sasl.jaas.config}, {@code ssl.truststore.location}...), then environment
 * variables {@code EDITSTREAM_KAFKA_<NAME>} that override it, named as in Confluent's container
 * images: the name lower-cased, {@code _} → {@code .}, {@code __} → {@code _}, {@code ___} → {@code
 * -} ({@code EDITSTREAM_KAFKA_SASL_MECHANISM=SCRAM-SHA-512} → {@code sasl.mechanism}).
 *
 * <p>Settings editstream's correctness rests on are kept ({@link #PROTECTED}: serializers, group
 * id, auto commit, idempotence, acks); a file that sets one fails at start-up naming it. Values of
 * {@code sasl.jaas.config} and every {@code *password*} key are secrets: they are registered with
 * {@link dev.editstream.core.Secrets} so no log or event text shows them. Process-wide: set once at
 * start-up ({@link #install}), read by every client factory ({@link #applyTo}).
 */
public final class KafkaClientConfig {
  /** The environment prefix of overrides. */
  public static final String ENV_PREFIX = "EDITSTREAM_KAFKA_";

  /** Keys a user may not set: editstream's delivery guarantees depend on them. */
  public static final Set<String> PROTECTED =
      Set.of(
          "key.serializer",
          "value.serializer",
          "key.deserializer",
          "value.deserializer",
          "group.id",
          "enable.auto.commit",
          "enable.idempotence",
          "acks",
          "isolation.level",
          "group.instance.id",
          "client.id");

  private static volatile Map<String, String> current = Map.of();

  private KafkaClientConfig() {}

  /**
   * Reads the file (may be null) and the environment's overrides.
   *
   * @return the settings, sorted by key
   * @throws IllegalArgumentException naming {@code --kafka-config} or the variable when the file
   *     cannot be read or a protected key is set
   */
  public static Map<String, String> load(@Nullable Path file, Map<String, String> env) {
    Map<String, String> out = new TreeMap<>();
    if (file != null) {
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("--kafka-config: not a readable file: " + file);
      }
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (IOException | IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "--kafka-config: cannot read " + file + ": " + e.getMessage(), e);
      }
      for (String k : p.stringPropertyNames()) {
        out.put(k.trim(), p.getProperty(k).trim());
      }
    }
    env.forEach(
        (k, v) -> {
          if (k.startsWith(ENV_PREFIX) && k.length() > ENV_PREFIX.length()) {
            out.put(propertyName(k.substring(ENV_PREFIX.length())), v);
          }
        });
    for (String k : out.keySet()) {
      if (PROTECTED.contains(k)) {
        throw new IllegalArgumentException(
            "--kafka-config / "
                + ENV_PREFIX
                + "*: "
                + k
                + " is set by editstream (its delivery guarantees "
                + "depend on it) and cannot be overridden");
      }
    }
    return out;
  }

  /**
   * {@code SASL_JAAS__CONFIG}-style environment name → property name ({@code _}→{@code .}, {@code
   * __}→{@code _}, {@code ___}→{@code -}).
   */
  static String propertyName(String envName) {
    return envName
        .toLowerCase(Locale.ROOT)
        .replace("___", "\u0001")
        .replace("__", "\u0002")
        .replace('_', '.')
        .replace('\u0001', '-')
        .replace('\u0002', '_');
  }

  /** Whether a key's value is a secret (never shown). */
  static boolean secret(String key) {
    return key.equals("sasl.jaas.config")
        || key.contains("password")
        || key.endsWith(".key")
        || key.contains("secret");
  }

  /** Makes {@code settings} the process's client settings and registers their secrets. */
  public static void install(Map<String, String> settings) {
    settings.forEach(
        (k, v) -> {
          if (secret(k)) {
            dev.editstream.core.Secrets.register(v);
            java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("password=\"([^\"]*)\"").matcher(v);
            while (m.find()) {
              dev.editstream.core.Secrets.register(m.group(1));
            }
          }
        });
    current = Map.copyOf(settings);
  }

  /** The process's client settings. */
  public static Map<String, String> current() {
    return current;
  }

  /** The settings for a log line: secret values replaced by {@code [hidden]}. */
  public static Map<String, String> describe(Map<String, String> settings) {
    Map<String, String> out = new TreeMap<>();
    settings.forEach((k, v) -> out.put(k, secret(k) ? "[hidden]" : v));
    return out;
  }

  /**
   * Adds the process's settings to a client's properties (they override editstream's tuning
   * defaults; protected keys never reach here). Call after the defaults, before a caller's own
   * per-client overrides.
   */
  public static Properties applyTo(Properties p) {
    current.forEach(p::put);
    return p;
  }

  /** As {@link #applyTo(Properties)} for a map of admin client settings. */
  public static Map<String, Object> applyTo(Map<String, Object> m) {
    Map<String, Object> out = new java.util.HashMap<>(m);
    out.putAll(current);
    return out;
  }
}
