package dev.editstream.app;

import dev.editstream.pipeline.kafka.KafkaClientConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * {@code --metrics-port} and {@code --metrics-host} of every long-running command (a picocli
 * mixin); see {@link OpsServer}.
 */
public final class MetricsOptions {
  @Option(
      names = "--metrics-port",
      paramLabel = "PORT",
      description = "Serve /metrics (Prometheus), /health/live and /health/ready on this port.")
  @Nullable Integer port;

  @Option(
      names = "--metrics-host",
      defaultValue = "127.0.0.1",
      description = "Address of the metrics port (default: ${DEFAULT-VALUE}).")
  String host = "127.0.0.1";

  /**
   * Options with a port and an address, as if given on the command line.
   *
   * @param host the address to bind
   * @param port the port, 0 for any free one
   */
  public static MetricsOptions of(String host, int port) {
    MetricsOptions m = new MetricsOptions();
    m.host = host;
    m.port = port;
    return m;
  }

  /**
   * The process's meter registry: Prometheus when a port is given (with the JVM's meters), else a
   * simple one.
   *
   * @throws IllegalArgumentException naming {@code --metrics-port} when it is outside 0..65535
   */
  public MeterRegistry registry() {
    if (port == null) {
      return new SimpleMeterRegistry();
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("--metrics-port must be in 0..65535, was " + port);
    }
    PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(r);
    new JvmGcMetrics().bindTo(r);
    new JvmThreadMetrics().bindTo(r);
    new ClassLoaderMetrics().bindTo(r);
    new ProcessorMetrics().bindTo(r);
    return r;
  }

  /**
   * Starts the ops port when {@code --metrics-port} was given.
   *
   * @param registry from {@link #registry()}
   * @param bootstrapServers the cluster whose reachability readiness reports
   * @param pipeline the process's stages (for the account gate), or a supplier of null before they
   *     start
   * @return the server, or null without {@code --metrics-port}
   */
  @Nullable OpsServer start(
      MeterRegistry registry, String bootstrapServers, Supplier<Pipeline> pipeline) {
    return start(
        registry,
        bootstrapServers,
        () -> pipeline.get() != null && pipeline.get().alive(),
        () -> {
          Pipeline p = pipeline.get();
          return p == null || p.gate() == null || !p.gate().isClosed() ? null : p.gate().reason();
        });
  }

  /**
   * As above, with the stage and account checks given directly.
   *
   * @param stagesAlive whether every stage is consuming
   * @param pausedReason why submission is paused, or null
   */
  @Nullable OpsServer start(
      MeterRegistry registry,
      String bootstrapServers,
      java.util.function.BooleanSupplier stagesAlive,
      Supplier<@Nullable String> pausedReason) {
    if (port == null || !(registry instanceof PrometheusMeterRegistry prometheus)) {
      return null;
    }
    BrokerProbe probe = new BrokerProbe(bootstrapServers);
    OpsServer s =
        OpsServer.start(
            host,
            port,
            prometheus,
            () -> Readiness.of(probe.reachable(), stagesAlive.getAsBoolean(), pausedReason.get()));
    System.err.println(
        "metrics and health on http://"
            + host
            + ":"
            + s.port()
            + "/metrics, /health/live, /health/ready");
    return s;
  }

  /**
   * Whether the cluster answers, asked at most every 2 s (an admin client's describeCluster, 3 s
   * timeout).
   */
  static final class BrokerProbe {
    private final String bootstrapServers;
    private long checkedAt;
    private boolean last;

    BrokerProbe(String bootstrapServers) {
      this.bootstrapServers = bootstrapServers;
    }

    synchronized boolean reachable() {
      long now = System.nanoTime();
      if (checkedAt != 0 && now - checkedAt < TimeUnit.SECONDS.toNanos(2)) {
        return last;
      }
      try (Admin a =
          Admin.create(
              KafkaClientConfig.applyTo(
                  Map.of(
                      AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                      bootstrapServers,
                      AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                      3_000,
                      AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                      3_000)))) {
        last = !a.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        last = false;
      }
      checkedAt = System.nanoTime();
      return last;
    }
  }
}
