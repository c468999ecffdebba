package dev.editstream.emulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * A local HTTP server speaking today's RunComfy Model API ({@code
 * ../shared/docs/runcomfy-model-api.md}, as amended by {@code runcomfy-live-contract.md}) with real
 * output files and seeded fault injection, so a client only changes its base URL ({@code
 * RUNCOMFY_MODEL_API_BASE=}{@link #baseUrl()}).
 *
 * <pre>{@code
 * try (RunComfyEmulator emu = RunComfyEmulator.start(EmulatorConfig.defaults(dir, "t"))) {
 *   String base = emu.baseUrl(); // http://127.0.0.1:<port>/v1
 * }
 * }</pre>
 *
 * <p>It serves and validates against its own catalog ({@link EmulatorCatalog#builtIn()}, RunComfy's
 * ids, fields and schema dialect), not editstream's model files, so it can disagree with editstream
 * as RunComfy would: a stale field is a 422, a misspelt model_id a 400001. Like live RunComfy it
 * keeps a balance per account ({@code GET /prod/v2/balance}, {@link #balanceUrl()}; 402 when
 * exhausted), bills completed jobs ({@code result?include_cost=true}), answers a result asked for
 * before completion with 400005 and spells statuses as live RunComfy does (see {@link
 * EmulatorConfig}: each can be switched back to the documented behaviour).
 *
 * <p>As a load model it also plays a provider's limits (a per-account concurrency cap and request
 * rate, both answered 429 + Retry-After), per-model latency distributions, and cheap outputs
 * (shared pre-rendered files, or synthetic blobs up to 4 GiB). Output URLs are signed like
 * presigned storage URLs. Its counters are served at {@code GET /_emulator/stats} ({@link
 * #statsUrl()}).
 */
public final class RunComfyEmulator implements AutoCloseable {
  /** Time allowed to fetch one input, as RunComfy's CLI allows for API calls. */
  static final Duration INPUT_TIMEOUT = Duration.ofSeconds(60);

  private final DisposableServer server;

  /**
   * The server's own event loops (threads {@code emulator-http-select-epoll-N} accept, {@code
   * emulator-http-epoll-N} serve).
   */
  private final LoopResources loops;

  private final String host;
  private final EmulatorStats stats;
  private final JobRunner runner;
  private final InputFetcher fetcher;
  private final Links links;
  private final JobBook book;

  private RunComfyEmulator(
      DisposableServer server,
      LoopResources loops,
      String host,
      EmulatorStats stats,
      JobRunner runner,
      InputFetcher fetcher,
      Links links,
      JobBook book,
      java.util.function.ObjLongConsumer<String> credit) {
    this.book = book;
    this.credit = credit;
    this.server = server;
    this.loops = loops;
    this.host = host;
    this.stats = stats;
    this.runner = runner;
    this.fetcher = fetcher;
    this.links = links;
  }

  /**
   * Binds the server and starts accepting calls, serving the built-in catalog ({@link
   * EmulatorCatalog#builtIn()}).
   *
   * @param config validated settings
   * @return the running emulator; close it to stop
   * @throws UncheckedIOException if the output directory (or, without rendering, the shared
   *     outputs) cannot be written
   * @throws IllegalStateException if the built-in catalog cannot be loaded
   * @throws RuntimeException from Reactor Netty if the port cannot be bound
   */
  public static RunComfyEmulator start(EmulatorConfig config) {
    return start(config, EmulatorCatalog.builtIn());
  }

  /**
   * Binds the server and starts accepting calls, serving {@code catalog} (for tests that need other
   * models or schemas).
   *
   * @param config validated settings
   * @param catalog the models served (their schemas decide 422s, their prices the costs)
   * @return the running emulator; close it to stop
   * @throws UncheckedIOException if the output directory (or, without rendering, the shared
   *     outputs) cannot be written
   * @throws RuntimeException from Reactor Netty if the port cannot be bound
   */
  public static RunComfyEmulator start(EmulatorConfig config, EmulatorCatalog catalog) {
    Path outputDir = config.outputDir().toAbsolutePath().normalize();
    try {
      Files.createDirectories(outputDir);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create the emulator's output directory " + outputDir, e);
    }
    String urlHost = urlHost(config.host());
    Sinks.One<ApiResponses> ready = Sinks.one();
    Clock clock = Clock.systemUTC();
    FaultPlan faults = new FaultPlan(config);
    EmulatorStats stats = new EmulatorStats();
    JobBook book = new JobBook(config.concurrency());
    InputFetcher fetcher = new InputFetcher(INPUT_TIMEOUT);
    AtomicReference<String> root = new AtomicReference<>();
    Links links = new Links(root::get, new UrlSigner(), config.publicOutputs());
    SharedOutputs shared = config.renderOutputs() ? null : SharedOutputs.create(outputDir);
    OutputRenderer renderer = new OutputRenderer(catalog, fetcher, outputDir, links, config);
    Billing billing = new Billing(catalog, stats, config.balanceUsd());
    Accounts accounts =
        new Accounts(config.tokens(), config.rateLimitPerSecond(), System::nanoTime);
    JobRunner runner = new JobRunner(book, renderer, Schedulers.parallel(), clock, stats, billing);
    ApiHandler handler =
        new ApiHandler(
            config,
            catalog,
            book,
            runner,
            faults,
            stats,
            ready.asMono(),
            new FileSender(outputDir, faults, stats, shared),
            new ControlHandler(stats, links, config.seed(), clock),
            accounts,
            links.signer(),
            clock,
            billing);
    // its own event loops and its own accepting thread, as a remote server has: on the loops the
    // clients of the same JVM use, new connections waited seconds in the accept queue while
    // those loops were busy with the clients' calls (docs/architecture.md, "The emulator serves
    // from its own event loops")
    LoopResources loops =
        LoopResources.create("emulator-http", 1, LoopResources.DEFAULT_IO_WORKER_COUNT, true);
    DisposableServer server;
    try {
      server =
          HttpServer.create()
              .runOn(loops)
              .host(config.host())
              .port(config.port())
              .handle(handler)
              .bindNow();
    } catch (RuntimeException e) {
      fetcher.close();
      loops.dispose();
      throw e;
    }
    root.set("http://" + urlHost + ":" + server.port());
    ready.tryEmitValue(new ApiResponses(root.get() + "/v1", config.statusWords()));
    java.util.function.ObjLongConsumer<String> credit =
        (token, micros) ->
            billing.credit(
                accounts
                    .authenticate("Bearer " + token)
                    .orElseThrow(() -> new IllegalArgumentException("no account has this token")),
                micros);
    return new RunComfyEmulator(
        server, loops, urlHost, stats, runner, fetcher, links, book, credit);
  }

  private final java.util.function.ObjLongConsumer<String> credit;

  /**
   * Adds {@code usd} to the balance of the account of {@code token} (a user topping up their
   * wallet: submits refused with 402 / 400002 are accepted again).
   *
   * @throws IllegalArgumentException when no account has {@code token}
   */
  public void creditUsd(String token, double usd) {
    credit.accept(token, Pricing.micros(usd));
  }

  /** {@code http://host:port/v1}: the value for {@code RUNCOMFY_MODEL_API_BASE}. */
  public String baseUrl() {
    return "http://" + host + ":" + server.port() + "/v1";
  }

  /**
   * {@code http://host:port/prod/v2/balance}: the account's balance, {@code {balance_usd,
   * balance_microdollars, currency}}, bearer token needed (RunComfy serves it at {@code
   * https://api.runcomfy.net/prod/v2/balance}, runcomfy-live-contract.md §3).
   */
  public String balanceUrl() {
    return "http://" + host + ":" + server.port() + "/prod/v2/balance";
  }

  /** The bound TCP port. */
  public int port() {
    return server.port();
  }

  /**
   * {@code http://host:port/_emulator/stats}: the counters as JSON ({@link StatsJson}), no token
   * needed.
   */
  public String statsUrl() {
    return "http://" + host + ":" + server.port() + "/_emulator/stats";
  }

  /**
   * A signed URL of a synthetic download of {@code bytes} bytes ({@code GET
   * /_emulator/blob/{bytes}}, no token needed); append {@code &chunked=true} to omit
   * Content-Length, {@code &fill=zeros} for zeros.
   *
   * @param bytes size, bytes, {@code 0..4 GiB}
   * @throws IllegalArgumentException if {@code bytes} is out of range
   */
  public String blobUrl(long bytes) {
    if (bytes < 0 || bytes > BlobStream.MAX_BYTES) {
      throw new IllegalArgumentException(
          "blob size must be 0.." + BlobStream.MAX_BYTES + " bytes, was " + bytes);
    }
    return links.blob(bytes, null);
  }

  /** Live counters of calls, submits, faults and downloads. */
  public EmulatorStats stats() {
    return stats;
  }

  /**
   * When a request reached its terminal status (completed, failed or cancelled) on the emulator's
   * clock ({@link Clock#systemUTC()}, the JVM's wall clock): the instant its status turned
   * terminal, the same instant its result's {@code finished_at} shows (there truncated to ms).
   * Benchmarks in the same JVM subtract it from their own instants.
   *
   * @param requestId a request_id this emulator issued
   * @return the instant, or empty while the request is queued or running, or if it is unknown
   */
  public java.util.Optional<java.time.Instant> finishedAt(String requestId) {
    return book.find(requestId).map(JobBook.Entry::finishedAt);
  }

  /**
   * Stops the server (open connections, hung calls included, are closed), every running job and the
   * server's event loops.
   */
  @Override
  public void close() {
    try {
      server.disposeNow(Duration.ofSeconds(5));
    } catch (IllegalStateException e) {
      // Not every connection closed within 5 s: they die with the event loop resources.
    } finally {
      runner.close();
      fetcher.close();
      loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
    }
  }

  private static String urlHost(String host) {
    if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
      return "127.0.0.1";
    }
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }
}
