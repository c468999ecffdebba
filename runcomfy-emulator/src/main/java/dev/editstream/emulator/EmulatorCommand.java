package dev.editstream.emulator;

import dev.editstream.core.error.ExitClass;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import reactor.core.publisher.Mono;

/**
 * {@code emulator}: runs a {@link RunComfyEmulator} until interrupted and prints its base URL.
 * Usable alone ({@code new CommandLine(new EmulatorCommand()).execute(args)}) or as a subcommand of
 * another picocli command. Exit codes: 0 after a stop, 64 (EX_USAGE) for an invalid option value,
 * 69 (EX_UNAVAILABLE) when the port cannot be bound; picocli's own parse errors keep its usage
 * code.
 */
@Command(
    name = "emulator",
    mixinStandardHelpOptions = true,
    description =
        "Runs a local RunComfy Model API emulator (RunComfy's live catalog and behaviour, real outputs, seeded faults). "
            + "Point clients at it with RUNCOMFY_MODEL_API_BASE=<printed base URL>.")
public final class EmulatorCommand implements Callable<Integer> {
  /** The token accepted when neither --token nor RUNCOMFY_TOKEN is given (not a secret). */
  public static final String DEMO_TOKEN = "emulator-token";

  @Spec private CommandSpec spec;

  @Option(
      names = "--host",
      defaultValue = EmulatorConfig.DEFAULT_HOST,
      description = "Interface to bind (default: ${DEFAULT-VALUE}).")
  private String host;

  @Option(
      names = {"-p", "--port"},
      defaultValue = "8080",
      description = "TCP port, 0 = ephemeral (default: ${DEFAULT-VALUE}).")
  private int port;

  @Option(
      names = "--token",
      split = ",",
      paramLabel = "TOKEN",
      description =
          "Accepted bearer token(s), comma separated (default: $RUNCOMFY_TOKEN, else '"
              + DEMO_TOKEN
              + "').")
  private @Nullable List<String> tokens;

  @Option(
      names = "--output-dir",
      defaultValue = "emulator-output",
      description = "Where output files are written (default: ${DEFAULT-VALUE}).")
  private Path outputDir;

  @Option(
      names = "--latency-ms",
      defaultValue = "300..900",
      paramLabel = "MIN..MAX",
      description =
          "in_progress time of a job, ms, as MIN..MAX or one value (default: ${DEFAULT-VALUE}).")
  private String latency;

  @Option(
      names = "--latency",
      paramLabel = "SPEC",
      description =
          "in_progress time of a job, ms, as fixed:MS, uniform:MIN..MAX or lognormal:MEDIAN,SIGMA; overrides --latency-ms.")
  private @Nullable String latencySpec;

  @Option(
      names = "--model-latency",
      paramLabel = "MODEL=SPEC",
      description =
          "Latency of one model_id (repeatable), SPEC as for --latency, e.g. decart/lucy-edit/restyle=lognormal:20000,0.4.")
  private @Nullable Map<String, String> modelLatency;

  @Option(
      names = "--concurrency",
      defaultValue = "8",
      description = "Jobs in progress at once; others wait in_queue (default: ${DEFAULT-VALUE}).")
  private int concurrency;

  @Option(
      names = "--rate-429",
      defaultValue = "0",
      description = "Share 0..1 of API calls answered 429 + Retry-After: 1.")
  private double rate429;

  @Option(
      names = "--rate-5xx",
      defaultValue = "0",
      description = "Share 0..1 of API calls answered 503 (500001).")
  private double rate5xx;

  @Option(
      names = "--failed-job-rate",
      defaultValue = "0",
      description = "Share 0..1 of jobs ending failed.")
  private double failedJobRate;

  @Option(
      names = "--slow-rate",
      defaultValue = "0",
      description = "Share 0..1 of API calls answered after --slow-ms.")
  private double slowRate;

  @Option(
      names = "--slow-ms",
      defaultValue = "3000",
      description = "Delay of a slow answer, ms (default: ${DEFAULT-VALUE}).")
  private long slowMs;

  @Option(
      names = "--hang-rate",
      defaultValue = "0",
      description = "Share 0..1 of API calls never answered.")
  private double hangRate;

  @Option(
      names = "--truncate-rate",
      defaultValue = "0",
      description = "Share 0..1 of file downloads cut short.")
  private double truncateRate;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "Seed of fault and latency draws (default: ${DEFAULT-VALUE}).")
  private long seed;

  @Option(
      names = "--no-fetch-inputs",
      description = "Do not fetch input URLs; outputs are synthetic pictures.")
  private boolean noFetchInputs;

  @Option(
      names = "--provider-cap",
      defaultValue = "0",
      description =
          "Most jobs per token accepted and not terminal; a submit over it gets 429. 0 = no cap (default).")
  private int providerCap;

  @Option(
      names = "--cap-retry-after-s",
      defaultValue = "1",
      description = "Retry-After of a 429 for the cap, s (default: ${DEFAULT-VALUE}).")
  private long capRetryAfterS;

  @Option(
      names = "--rate-limit",
      defaultValue = "0",
      paramLabel = "PER_SECOND",
      description =
          "API calls per second per token (token bucket); over it a call gets 429. 0 = no limit (default).")
  private double rateLimit;

  @Option(
      names = "--no-render",
      description =
          "Do not render outputs: every job names one shared tiny PNG (or small MP4), for overhead benchmarks.")
  private boolean noRender;

  @Option(
      names = "--public-outputs",
      description =
          "Output file URLs without a signature (no query string), as RunComfy's documented results show them. Default: signed like pre-signed storage URLs.")
  private boolean publicOutputs;

  @Option(
      names = "--blob-output-bytes",
      defaultValue = "0",
      description =
          "When > 0, every job's output is one synthetic download of this many bytes (up to 4 GiB). 0 = off (default).")
  private long blobOutputBytes;

  @Option(
      names = "--balance-usd",
      defaultValue = "1000",
      paramLabel = "USD",
      description =
          "Starting balance of each token's account, USD; completed jobs debit their cost, a submit at <= 0 gets 402 (default: ${DEFAULT-VALUE}).")
  private double balanceUsd;

  @Option(
      names = "--accepted-then-504-rate",
      defaultValue = "0",
      description =
          "Share 0..1 of accepted submits answered 504 with an HTML gateway page; the job still runs and is billed.")
  private double acceptedThen504Rate;

  @Option(
      names = "--result-before-completion",
      defaultValue = "error",
      paramLabel = "error|state",
      description =
          "Result GET of an unfinished job: error = 400 with 400005 (today's RunComfy), state = 200 with the current state (default: ${DEFAULT-VALUE}).")
  private String resultBeforeCompletion;

  @Option(
      names = "--status-words",
      defaultValue = "live",
      paramLabel = "live|documented",
      description =
          "Status spellings: live = per request one of e.g. pending/in_progress/COMPLETED/succeeded, documented = in_queue, in_progress, completed, failed, cancelled only (default: ${DEFAULT-VALUE}).")
  private String statusWords;

  @Option(
      names = "--metrics-port",
      paramLabel = "PORT",
      description =
          "Serve /metrics (Prometheus), /health/live and /health/ready on this port (0 = any free one); off by default.")
  private @Nullable Integer metricsPort;

  @Option(
      names = "--metrics-host",
      defaultValue = "127.0.0.1",
      description = "Interface of --metrics-port (default: ${DEFAULT-VALUE}).")
  private String metricsHost;

  /**
   * What serves {@code --metrics-port} for a running emulator (the editstream CLI gives its ops
   * server, see {@code dev.editstream.app.EditstreamCommand}).
   */
  @FunctionalInterface
  public interface MetricsPort {
    /**
     * Starts serving.
     *
     * @param emulator the running emulator, whose counters ({@link RunComfyEmulator#stats()}) are
     *     served
     * @param host the interface to bind
     * @param port the port, 0 for any free one
     * @return what to close when the emulator stops
     */
    AutoCloseable start(RunComfyEmulator emulator, String host, int port);
  }

  private final Map<String, String> env;
  private final Mono<Void> stop;
  private final @Nullable MetricsPort metrics;

  /**
   * A command reading {@code RUNCOMFY_TOKEN} from the environment and running until interrupted.
   */
  public EmulatorCommand() {
    this(System.getenv(), Mono.never(), null);
  }

  /**
   * As {@link #EmulatorCommand()}, serving {@code --metrics-port} with {@code metrics}.
   *
   * @param metrics what serves the metrics port
   */
  public EmulatorCommand(MetricsPort metrics) {
    this(System.getenv(), Mono.never(), metrics);
  }

  /**
   * For tests: an explicit environment and a stop signal.
   *
   * @param env environment variables ({@code RUNCOMFY_TOKEN})
   * @param stop completes when the emulator should stop
   */
  EmulatorCommand(Map<String, String> env, Mono<Void> stop) {
    this(env, stop, null);
  }

  EmulatorCommand(Map<String, String> env, Mono<Void> stop, @Nullable MetricsPort metrics) {
    this.env = env;
    this.stop = stop;
    this.metrics = metrics;
  }

  /**
   * The configuration the options describe.
   *
   * @throws IllegalArgumentException naming the config field when a value is invalid
   */
  EmulatorConfig config() {
    return new EmulatorConfig(
        host,
        port,
        acceptedTokens(),
        outputDir,
        latencyModel(),
        modelLatencies(),
        concurrency,
        rate429,
        rate5xx,
        failedJobRate,
        slowRate,
        slowMs,
        hangRate,
        truncateRate,
        seed,
        !noFetchInputs,
        providerCap,
        capRetryAfterS,
        rateLimit,
        !noRender,
        blobOutputBytes,
        balanceUsd,
        resultMode(),
        words(),
        acceptedThen504Rate,
        0,
        publicOutputs);
  }

  private ResultBeforeCompletion resultMode() {
    try {
      return ResultBeforeCompletion.parse(resultBeforeCompletion);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "EmulatorConfig.resultBeforeCompletion " + e.getMessage(), e);
    }
  }

  private StatusWords words() {
    try {
      return StatusWords.parse(statusWords);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("EmulatorConfig.statusWords " + e.getMessage(), e);
    }
  }

  private LatencyModel latencyModel() {
    try {
      if (latencySpec != null) {
        return LatencyModel.parse(latencySpec);
      }
      long[] range = latencyRange(latency);
      return new LatencyModel.Uniform(range[0], range[1]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("EmulatorConfig.latency " + e.getMessage(), e);
    }
  }

  private Map<String, LatencyModel> modelLatencies() {
    Map<String, LatencyModel> out = new HashMap<>();
    if (modelLatency != null) {
      modelLatency.forEach(
          (model, spec) -> {
            try {
              out.put(model.trim(), LatencyModel.parse(spec));
            } catch (IllegalArgumentException e) {
              throw new IllegalArgumentException(
                  "EmulatorConfig.modelLatency " + model + ": " + e.getMessage(), e);
            }
          });
    }
    return out;
  }

  /**
   * Starts the emulator, prints {@code RUNCOMFY_MODEL_API_BASE=<url>}, and blocks until stopped.
   *
   * @return 0 after a stop, 64 (EX_USAGE) for an invalid option value, 69 when it cannot listen
   */
  @Override
  public Integer call() {
    EmulatorConfig config;
    try {
      config = config();
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("emulator: " + e.getMessage());
      return ExitClass.USAGE.code();
    }
    PrintWriter out = spec.commandLine().getOut();
    RunComfyEmulator emulator;
    try {
      emulator = RunComfyEmulator.start(config);
    } catch (RuntimeException e) {
      spec.commandLine()
          .getErr()
          .println(
              "emulator: cannot listen on "
                  + config.host()
                  + ":"
                  + config.port()
                  + ": "
                  + e.getMessage());
      return ExitClass.UNAVAILABLE.code();
    }
    AutoCloseable ops = null;
    if (metricsPort != null) {
      if (metrics == null) {
        emulator.close();
        spec.commandLine()
            .getErr()
            .println(
                "emulator: --metrics-port needs the editstream CLI (this build serves no metrics)");
        return ExitClass.USAGE.code();
      }
      try {
        ops = metrics.start(emulator, metricsHost, metricsPort);
      } catch (RuntimeException e) {
        emulator.close();
        spec.commandLine()
            .getErr()
            .println(
                "emulator: --metrics-port: cannot listen on "
                    + metricsHost
                    + ":"
                    + metricsPort
                    + ": "
                    + e.getMessage());
        return ExitClass.UNAVAILABLE.code();
      }
    }
    AutoCloseable opsToClose = ops;
    Thread hook =
        new Thread(
            () -> {
              closeQuietly(opsToClose);
              emulator.close();
            },
            "emulator-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      out.println("RunComfy emulator listening; set RUNCOMFY_MODEL_API_BASE=" + emulator.baseUrl());
      out.println("counters at " + emulator.statsUrl());
      out.println(
          "balance at "
              + emulator.balanceUrl()
              + " ("
              + config.balanceUsd()
              + " USD per token at start)");
      out.println(
          "outputs in "
              + config.outputDir().toAbsolutePath()
              + (config.tokens().equals(Set.of(DEMO_TOKEN))
                  ? "; accepted token: " + DEMO_TOKEN
                  : "; token(s) as configured"));
      out.flush();
      stop.block();
      return 0;
    } finally {
      closeQuietly(ops);
      emulator.close();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is already shutting down: the hook runs (closing twice is harmless).
      }
    }
  }

  private static void closeQuietly(@Nullable AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception e) {
        // closing at exit: nothing left to do
      }
    }
  }

  private Set<String> acceptedTokens() {
    Set<String> out = new LinkedHashSet<>();
    if (tokens != null) {
      tokens.stream().map(String::trim).filter(t -> !t.isEmpty()).forEach(out::add);
    }
    if (out.isEmpty()) {
      String fromEnv = env.get("RUNCOMFY_TOKEN");
      out.add(fromEnv != null && !fromEnv.trim().isEmpty() ? fromEnv.trim() : DEMO_TOKEN);
    }
    return out;
  }

  /**
   * Parses {@code MIN..MAX} or a single value, ms.
   *
   * @throws IllegalArgumentException for a malformed value
   */
  static long[] latencyRange(String text) {
    String t = text.trim();
    int dots = t.indexOf("..");
    try {
      if (dots < 0) {
        long v = Long.parseLong(t);
        return new long[] {v, v};
      }
      return new long[] {
        Long.parseLong(t.substring(0, dots).trim()), Long.parseLong(t.substring(dots + 2).trim())
      };
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--latency-ms must be MIN..MAX or one value in ms, was '" + text + "'");
    }
  }
}
