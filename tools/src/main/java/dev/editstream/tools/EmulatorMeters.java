package dev.editstream.tools;

import dev.editstream.app.MetricsOptions;
import dev.editstream.app.OpsServer;
import dev.editstream.app.Readiness;
import dev.editstream.emulator.EmulatorStats;
import dev.editstream.emulator.Endpoint;
import dev.editstream.emulator.RunComfyEmulator;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;

/**
 * {@code editstream emulator --metrics-port}: the emulator's counters ({@link EmulatorStats}) as
 * Micrometer meters on the same ops server as the workers ({@link OpsServer}: {@code /metrics},
 * {@code /health/live}, {@code /health/ready}, ready while it listens). Names: {@code
 * runcomfy.emulator.*} (Prometheus: {@code runcomfy_emulator_*}), no token or URL in a tag.
 */
final class EmulatorMeters {
  private EmulatorMeters() {}

  /**
   * Starts the ops server of a running emulator.
   *
   * @param emulator the emulator
   * @param host the interface to bind
   * @param port the port, 0 for any
   * @return the server (close it when the emulator stops)
   * @throws IllegalArgumentException naming {@code --metrics-port} when it is outside 0..65535
   */
  static OpsServer serve(RunComfyEmulator emulator, String host, int port) {
    PrometheusMeterRegistry registry =
        (PrometheusMeterRegistry) MetricsOptions.of(host, port).registry();
    bind(emulator.stats(), registry);
    OpsServer s = OpsServer.start(host, port, registry, () -> Readiness.of(true, true, null));
    System.err.println(
        "emulator metrics and health on http://"
            + host
            + ":"
            + s.port()
            + "/metrics, /health/live, /health/ready");
    return s;
  }

  /** Registers the counters of {@code stats} in {@code registry}. */
  static void bind(EmulatorStats stats, io.micrometer.core.instrument.MeterRegistry registry) {
    counter(
        registry,
        "runcomfy.emulator.submits",
        "POSTs accepted (paid jobs)",
        stats,
        EmulatorStats::submits);
    counter(
        registry,
        "runcomfy.emulator.rate_limited",
        "429 answers given",
        stats,
        EmulatorStats::rateLimited);
    counter(
        registry,
        "runcomfy.emulator.unavailable",
        "5xx answers given",
        stats,
        EmulatorStats::unavailable);
    counter(
        registry,
        "runcomfy.emulator.accepted_then_504",
        "POSTs accepted and answered 504 (an uncertain answer)",
        stats,
        EmulatorStats::acceptedThen504);
    counter(registry, "runcomfy.emulator.cancels", "cancel calls", stats, EmulatorStats::cancels);
    counter(
        registry,
        "runcomfy.emulator.downloads",
        "output files served",
        stats,
        EmulatorStats::downloads);
    FunctionCounter.builder("runcomfy.emulator.billed", stats, s -> s.billedMicros() / 1_000_000.0)
        .baseUnit("usd")
        .description("USD billed for finished jobs")
        .register(registry);
    for (Endpoint e : List.of(Endpoint.values())) {
      FunctionCounter.builder("runcomfy.emulator.calls", stats, s -> s.calls(e))
          .tag("endpoint", e.name().toLowerCase(java.util.Locale.ROOT))
          .description("API calls by endpoint")
          .register(registry);
    }
    Gauge.builder("runcomfy.emulator.inflight", stats, EmulatorStats::inFlight)
        .description("jobs queued or running")
        .register(registry);
  }

  private static void counter(
      io.micrometer.core.instrument.MeterRegistry r,
      String name,
      String description,
      EmulatorStats stats,
      java.util.function.ToDoubleFunction<EmulatorStats> f) {
    FunctionCounter.builder(name, stats, f).description(description).register(r);
  }
}
