package dev.editstream.app;

import dev.editstream.core.event.Stage;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.downloader.DownloaderHandler;
import dev.editstream.downloader.Manifest;
import dev.editstream.pipeline.flow.FlowControl;
import dev.editstream.pipeline.flow.RequestEnds;
import dev.editstream.pipeline.kafka.EventPublisher;
import dev.editstream.pipeline.kafka.TopicAdmin;
import dev.editstream.pipeline.metrics.Meters;
import dev.editstream.pipeline.metrics.PipelineMetrics;
import dev.editstream.pipeline.stage.StageHandler;
import dev.editstream.pipeline.stage.StageRunner;
import dev.editstream.pipeline.stage.StageSettings;
import dev.editstream.pipeline.stage.TerminalGuard;
import dev.editstream.poller.PollerHandler;
import dev.editstream.poller.SmartPollSchedule;
import dev.editstream.router.CatalogCache;
import dev.editstream.router.CatalogLoader;
import dev.editstream.router.InputStager;
import dev.editstream.router.Lexicon;
import dev.editstream.router.Router;
import dev.editstream.router.RouterHandler;
import dev.editstream.router.submit.AccountGate;
import dev.editstream.router.submit.Budget;
import dev.editstream.router.submit.SubmissionLedger;
import dev.editstream.router.submit.Submitter;
import dev.editstream.runcomfy.DownloadConfig;
import dev.editstream.runcomfy.DownloadPolicy;
import dev.editstream.runcomfy.OutputDownloader;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.RunComfyConfig;
import io.micrometer.core.instrument.Counter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The composition root of the workers of one process: builds the shared Kafka publisher, RunComfy
 * client, downloader and a {@link StageRunner} per requested stage, by hand (no DI framework).
 * Closing it stops the stages (in pipeline order), then the shared resources.
 *
 * <p>Stages share no state in memory: whether they run in one process or in several, they talk only
 * through the topics (and the provider). The account's in-flight limit is owned by the router
 * ({@link FlowControl}); it learns of a request's end from the {@code completed} and {@code failed}
 * topics ({@link RequestEnds}), and tells the poller through the event when others wait for a slot
 * ({@code submission.slot_bound}).
 */
public final class Pipeline implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Pipeline.class);

  private final List<StageRunner> runners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Map<Stage, StageRunner> byStage = new java.util.EnumMap<>(Stage.class);
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final PipelineMetrics metrics;
  private @Nullable AccountGate gate;

  private Pipeline(PipelineMetrics metrics) {
    this.metrics = metrics;
  }

  /**
   * Creates the topics if missing and starts the given stages.
   *
   * @param cfg validated configuration with bootstrap servers set
   * @param runcomfy API base URL and token
   * @param stages the stages this process runs
   * @param stager turns local input paths into URLs the model can fetch (router only)
   * @param metrics where meters go
   */
  public static Pipeline start(
      PipelineConfig cfg,
      RunComfyConfig runcomfy,
      Set<Stage> stages,
      InputStager stager,
      PipelineMetrics metrics) {
    return start(cfg, runcomfy, runcomfy::token, stages, stager, metrics);
  }

  /**
   * As {@link #start(PipelineConfig, RunComfyConfig, Set, InputStager, PipelineMetrics)}, with the
   * token read from {@code token} for every API call (see {@link TokenRefresher}).
   */
  public static Pipeline start(
      PipelineConfig cfg,
      RunComfyConfig runcomfy,
      java.util.function.Supplier<String> token,
      Set<Stage> stages,
      InputStager stager,
      PipelineMetrics metrics) {
    return start(cfg, runcomfy, token, stages, stager, metrics, null, false);
  }

  /**
   * As {@link #start(PipelineConfig, RunComfyConfig, java.util.function.Supplier, Set, InputStager,
   * PipelineMetrics)}, the downloader also storing every output in {@code results} ({@code
   * --results-to}), or not when it is {@code null}.
   *
   * @param topicsEnsured the caller has already run {@link TopicAdmin#ensureTopics} for {@code
   *     cfg}'s topics, partitions and replication factor in this process (as {@code run} does
   *     before its tracker reads them), so they are not checked a second time: an admin client and
   *     four round trips, 0.1 s of the demo's first POST (2026-12-08); {@code false} checks them
   */
  public static Pipeline start(
      PipelineConfig cfg,
      RunComfyConfig runcomfy,
      java.util.function.Supplier<String> token,
      Set<Stage> stages,
      InputStager stager,
      PipelineMetrics metrics,
      dev.editstream.downloader.@Nullable ResultsStore results,
      boolean topicsEnsured) {
    if (stages.contains(Stage.ROUTER)) {
      prepareRouting();
    }
    if (!topicsEnsured) {
      TopicAdmin.ensureTopics(
          cfg.requireBootstrapServers(),
          cfg.topics().all(),
          cfg.partitions(),
          (short) cfg.replicationFactor());
    }
    Pipeline p = new Pipeline(metrics);
    Clock clock = Clock.systemUTC();
    // a permit held for a request whose end this process never sees goes back a minute after the
    // poller gives up on it: at the deadline a queued request is cancelled, a running one (not
    // cancellable, RunComfy bills it) is followed for one more deadline period
    FlowControl flow =
        cfg.flow() == null
            ? null
            : new FlowControl(cfg.flow(), Schedulers.parallel())
                .withMaxHold(cfg.jobDeadline().multipliedBy(2).plus(Duration.ofMinutes(1)))
                // a 429's Retry-After pauses submission at most as long as the longest backoff (a
                // hostile 999999 s froze it for days)
                .withMaxPause(Duration.ofMillis(cfg.backoff().maxMs()));
    if (flow != null && stages.contains(Stage.ROUTER)) {
      io.micrometer.core.instrument.Gauge.builder(
              "editstream.provider.limit", flow, FlowControl::accountLimit)
          .description(
              "the account limit of remote jobs in flight now (adapts to the provider's 429s)")
          .register(metrics.registry());
      io.micrometer.core.instrument.Gauge.builder(
              "editstream.provider.inflight", flow, f -> f.inFlight())
          .description(
              "remote jobs in flight at the provider (permits out: submitting or submitted, not yet ended)")
          .register(metrics.registry());
      p.resources.add(
          functionCounter(
              metrics.registry(),
              flow,
              "editstream.provider.limit.decreases",
              "times a 429 lowered the adaptive account limit",
              FlowControl::limitDecreases));
      p.resources.add(
          functionCounter(
              metrics.registry(),
              flow,
              "editstream.provider.speculative.grants",
              "submits sent above the account limit because held jobs had likely ended unseen",
              FlowControl::speculativeGrants));
      p.resources.add(
          functionCounter(
              metrics.registry(),
              flow,
              "editstream.provider.speculative.refused",
              "speculative submits the provider refused with a 429 (sent again later)",
              FlowControl::speculativeRejects));
    }
    // every text editstream writes (events, logs, messages) drops the token, wherever it appears
    dev.editstream.core.Secrets.register(runcomfy.token());
    EventPublisher publisher =
        new EventPublisher(
                cfg.requireBootstrapServers(),
                "editstream-"
                    + String.join("-", stages.stream().map(Stage::wire).sorted().toList()),
                Map.of())
            .bindMetrics(metrics.registry());
    // the records a provider slot waits on go out at once: the ledger's "submitting" (acknowledged
    // before each POST) and the poller's completed events (which give the slot's permit back).
    // Through the batching publisher each waited up to its 20 ms linger: twice per slot turnover
    // (issue 19, scenario (a)). Everything else keeps the batching.
    EventPublisher prompt =
        stages.contains(Stage.ROUTER) || stages.contains(Stage.POLLER)
            ? new EventPublisher(
                    cfg.requireBootstrapServers(),
                    "editstream-"
                        + String.join("-", stages.stream().map(Stage::wire).sorted().toList())
                        + "-prompt",
                    Map.of(org.apache.kafka.clients.producer.ProducerConfig.LINGER_MS_CONFIG, 0))
                .bindMetrics(metrics.registry())
            : publisher;
    // the first record to each topic waits for no metadata: the router's first POST waits on its
    // "submitting" marker (issue 19, the demo's command-to-first-POST)
    publisher.warm(cfg.topics().all()).subscribe();
    if (prompt != publisher) {
      prompt.warm(cfg.topics().all()).subscribe();
    }
    RunComfyClient client = new RunComfyClient(runcomfy, Clock.systemUTC(), token);
    Budget budget =
        stages.contains(Stage.ROUTER) && cfg.provider().budgetUsd() != null
            ? new Budget(cfg.provider().budgetUsd())
            : null;
    // a done event (of this process or another) turns a job's reserved estimate into RunComfy's
    // actual cost
    // the views and the live catalog are read side by side: each waits on the broker or on the
    // API, not on the others (the demo's command-to-first-POST, issue 19)
    java.util.concurrent.CompletableFuture<TerminalGuard> guardReady =
        async(
            "guard",
            () ->
                TerminalGuard.start(
                    cfg.requireBootstrapServers(),
                    cfg.topics(),
                    cfg.stateDir(),
                    h -> {
                      if (budget != null && h.type() == dev.editstream.core.event.EventType.DONE) {
                        budget.settle(h.jobId(), h.costUsd());
                      }
                    }));
    java.util.concurrent.CompletableFuture<SubmissionLedger> ledgerReady =
        stages.contains(Stage.ROUTER)
            ? async(
                "ledger",
                () ->
                    SubmissionLedger.start(
                        cfg.requireBootstrapServers(), cfg.topics(), prompt, cfg.stateDir()))
            : null;
    CatalogCache catalogCache = Catalogs.cache(cfg.provider().catalogCache(), runcomfy.baseUrl());
    java.util.concurrent.CompletableFuture<ModelCatalog> catalogReady =
        stages.contains(Stage.ROUTER)
            ? CatalogLoader.load(client, catalogCache, clock, Catalogs.LIVE_TIMEOUT).toFuture()
            : null;
    TerminalGuard guard = await(guardReady);
    p.resources.add(client);
    p.resources.add(publisher);
    if (prompt != publisher) {
      p.resources.add(prompt);
    }
    p.resources.add(guard);
    java.util.concurrent.CompletableFuture<RouterParts> routerReady = null;
    for (Stage stage : List.of(Stage.ROUTER, Stage.POLLER, Stage.DOWNLOADER)) {
      if (!stages.contains(stage)) {
        continue;
      }
      StageHandler handler =
          switch (stage) {
            case ROUTER -> {
              // the router's handler is built (the ledger's view, the request ends' tail, the
              // catalog, the lexicons) while its consumer group joins: the join no longer waits
              // for them, nor they for it (the first POST, issue 19). Records that arrive first
              // wait for the handler; the parts are registered below, on this thread.
              routerReady =
                  async(
                      "router",
                      () -> {
                        SubmissionLedger ledger = await(Objects.requireNonNull(ledgerReady));
                        RequestEnds ends = null;
                        try {
                          // the router owns the account limit: a permit goes back when the
                          // request's end reaches the topics, whichever process polled it
                          ends =
                              flow == null
                                  ? null
                                  : RequestEnds.follow(
                                      cfg.requireBootstrapServers(), cfg.topics(), flow);
                          // the paused-account probe reads the (free) balance instead of letting a
                          // paid submit through
                          AccountGate gate =
                              new AccountGate(
                                      cfg.accountRecheck(),
                                      Schedulers.parallel(),
                                      metrics.registry())
                                  .withBalanceProbe(
                                      () -> client.balance().map(b -> b.balanceUsd() > 0));
                          Counter maybe =
                              Counter.builder(Meters.MAY_HAVE_BEEN_SUBMITTED.meterName())
                                  .description(Meters.MAY_HAVE_BEEN_SUBMITTED.description())
                                  .register(metrics.registry());
                          // the loader falls back to a catalog, never completes empty
                          ModelCatalog catalog =
                              Objects.requireNonNull(await(Objects.requireNonNull(catalogReady)));
                          RouterHandler router =
                              new RouterHandler(
                                      new Router(Lexicon.shared(), catalog)
                                          .withStrictRouting(cfg.strictRouting()),
                                      catalog,
                                      stager,
                                      new Submitter(client, ledger, gate, clock, maybe)
                                          .withFlowControl(flow),
                                      cfg.topics(),
                                      clock)
                                  .withBudget(budget);
                          return new RouterParts(ledger, ends, gate, catalog, router);
                        } catch (RuntimeException | Error e) {
                          // nothing holds them yet: a failed start must not leave their
                          // consumers running
                          closeAfterFailure(e, ends, ledger);
                          throw e;
                        }
                      });
              yield new DeferredHandler(routerReady.thenApply(RouterParts::router));
            }
            case POLLER ->
                PollerHandler.builder()
                    .client(client)
                    .topics(cfg.topics())
                    .schedule(cfg.pollSchedule())
                    .smart(cfg.smartPolling() ? SmartPollSchedule.defaults() : null)
                    .statusCalls(cfg.statusCallBudget())
                    // a job seen running did not end before now: the router's forecast of
                    // unseen ends (speculative submits) counts from here
                    .onRunning(flow == null ? requestId -> {} : flow::running)
                    .deadline(cfg.jobDeadline())
                    .clock(clock)
                    .timer(Schedulers.parallel())
                    // a token replaced while running (token.json rewritten) is removed from
                    // provider texts too
                    .secrets(() -> List.of(token.get()))
                    .build();
            case DOWNLOADER -> {
              DownloadPolicy policy =
                  DownloadPolicy.runComfyDefault().withLocalHosts(cfg.allowDownloadHosts());
              OutputDownloader downloader =
                  new OutputDownloader(policy, DownloadConfig.defaults(), clock);
              p.resources.add(0, downloader);
              yield DownloaderHandler.builder()
                  .client(client)
                  .downloader(downloader)
                  .policy(policy)
                  .outDir(cfg.outDir())
                  .manifest(new Manifest(cfg.outDir()))
                  .topics(cfg.topics())
                  .clock(clock)
                  .parallelPerJob(4)
                  .metrics(metrics)
                  .results(results)
                  .jobDeadline(cfg.jobDeadline())
                  .build();
            }
            case PRODUCER -> throw new IllegalStateException("the producer is not a stage runner");
          };
      int concurrency =
          switch (stage) {
            case ROUTER -> cfg.routerConcurrency();
            case POLLER -> cfg.pollerConcurrency();
            default -> cfg.downloaderConcurrency();
          };
      StageSettings s =
          new StageSettings(
              stage,
              cfg.requireBootstrapServers(),
              concurrency,
              cfg.maxAttempts(),
              cfg.backoff(),
              10_000,
              cfg.shutdownGrace(),
              cfg.instanceId() == null ? null : cfg.instanceId() + "-" + stage.wire(),
              cfg.jobDeadline().multipliedBy(2));
      StageRunner r =
          StageRunner.builder(s, cfg.topics(), stage == Stage.POLLER ? prompt : publisher, handler)
              .metrics(metrics)
              .clock(clock)
              .timer(Schedulers.parallel())
              .guard(guard)
              .supervise(dev.editstream.pipeline.stage.RestartBudget.DEFAULT, Pipeline::giveUp)
              .build();
      metrics.registerStage(stage);
      r.start();
      p.runners.add(r);
      p.byStage.put(stage, r);
      io.micrometer.core.instrument.Gauge.builder(
              "editstream.stage.inflight", r, StageRunner::inFlight)
          .description(
              "records of the stage's input topic being handled (taken, not yet acknowledged)")
          .tag("stage", stage.wire())
          .register(metrics.registry());
      io.micrometer.core.instrument.Gauge.builder(Meters.STAGE_LAG.meterName(), r, StageRunner::lag)
          .description(Meters.STAGE_LAG.description())
          .tag("stage", stage.wire())
          .register(metrics.registry());
      io.micrometer.core.instrument.Gauge.builder(
              Meters.STAGE_OLDEST_AGE.meterName(), r, StageRunner::oldestAgeSeconds)
          .description(Meters.STAGE_OLDEST_AGE.description())
          .baseUnit("seconds")
          .tag("stage", stage.wire())
          .register(metrics.registry());
      io.micrometer.core.instrument.Gauge.builder(
              Meters.STAGE_ALIVE.meterName(), r, x -> x.alive() ? 1 : 0)
          .description(Meters.STAGE_ALIVE.description())
          .tag("stage", stage.wire())
          .register(metrics.registry());
    }
    if (routerReady != null) {
      RouterParts parts;
      try {
        parts = await(routerReady);
      } catch (RuntimeException | Error e) {
        // the router's consumer may hold records already: closed, they are read again later
        p.close();
        throw e;
      }
      p.resources.add(0, parts.ledger());
      if (parts.ends() != null) {
        p.resources.add(0, parts.ends());
      }
      p.gate = parts.gate();
      LOG.info(Catalogs.describe(parts.catalog()));
      if (flow != null) {
        for (dev.editstream.core.model.ModelSpec m : parts.catalog().all()) {
          io.micrometer.core.instrument.Gauge.builder(
                  "editstream.provider.model.inflight", flow, f -> f.inFlight(m.modelId()))
              .description("remote jobs in flight at the provider, per model_id")
              .tag("model", m.modelId())
              .register(metrics.registry());
        }
      }
      reportMissing(parts.router().missingTargets());
      p.refreshCatalog(client, catalogCache, parts.router(), cfg.provider().catalogRefresh());
    }
    return p;
  }

  /** What the router's handler is made of, built on a start-up thread. */
  private record RouterParts(
      SubmissionLedger ledger,
      @Nullable RequestEnds ends,
      AccountGate gate,
      ModelCatalog catalog,
      RouterHandler router) {}

  /**
   * Starts building what the router-worker needs before its first job, on daemon threads: the
   * built-in lexicons and Lingua's language statistics (together about 1.3 s of one core on a cold
   * JVM, 2026-12-06, 2 cores). A process that will route calls this as early as it can, so that the
   * work overlaps the broker's start and the views' reads instead of delaying the first POST (issue
   * 19); {@link #start} calls it too. Calls after the first do nothing more.
   */
  public static void prepareRouting() {
    Lexicon.prepareInBackground();
    dev.editstream.router.LanguageId.prepareInBackground();
  }

  /**
   * Registers a function counter of {@code obj} that keeps its last count once {@code obj} is gone.
   * Micrometer holds a function counter's object weakly and answers its last read count once the
   * object is collected: a counter never read while its object lived (a {@code SimpleMeterRegistry}
   * read after the run, as {@code bench} reads it) then answers 0. Found as a flaky bench test: a
   * run's adaptive-limit counters read 0 after 11 429s when a GC came between the pipeline's close
   * and the read (2026-12-08).
   *
   * @return reads the counter once; the pipeline calls it as it closes, so the registry keeps the
   *     final count
   */
  static <T> AutoCloseable functionCounter(
      io.micrometer.core.instrument.MeterRegistry registry,
      T obj,
      String name,
      String description,
      java.util.function.ToDoubleFunction<T> count) {
    io.micrometer.core.instrument.FunctionCounter c =
        io.micrometer.core.instrument.FunctionCounter.builder(name, obj, count)
            .description(description)
            .register(registry);
    return () -> {
      var unused = c.count();
    };
  }

  /**
   * Closes what a start-up step had opened before it failed with {@code failure}; a close's own
   * exception is added to {@code failure} as suppressed.
   *
   * @param opened the resources, in closing order; nulls are skipped
   */
  static void closeAfterFailure(Throwable failure, @Nullable AutoCloseable... opened) {
    for (AutoCloseable c : opened) {
      if (c == null) {
        continue;
      }
      try {
        c.close();
      } catch (Exception e) {
        failure.addSuppressed(e);
      }
    }
  }

  /**
   * Runs {@code work} on a new daemon thread named {@code editstream-start-<name>}: start-up steps
   * that wait on the broker or the API run side by side.
   *
   * @return its result, or its exception
   */
  static <T> java.util.concurrent.CompletableFuture<T> async(
      String name, java.util.function.Supplier<T> work) {
    java.util.concurrent.CompletableFuture<T> f = new java.util.concurrent.CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                f.complete(work.get());
              } catch (RuntimeException | Error e) {
                f.completeExceptionally(e);
              }
            },
            "editstream-start-" + name);
    t.setDaemon(true);
    t.start();
    return f;
  }

  /**
   * The result of a start-up step.
   *
   * @throws RuntimeException the step's own exception (not wrapped)
   */
  static <T> T await(java.util.concurrent.CompletableFuture<T> f) {
    try {
      return f.join();
    } catch (java.util.concurrent.CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  /**
   * Exit status of a process whose stage chain kept failing (EX_SOFTWARE of sysexits.h): its
   * supervisor starts a new one.
   */
  public static final int EXIT_STAGE_GAVE_UP = 70;

  /**
   * A stage chain failed more often than its restart budget allows: the process exits with {@link
   * #EXIT_STAGE_GAVE_UP} (from a new thread, so the shutdown hooks can close the stages) and its
   * supervisor (systemd, Kubernetes, compose's restart policy) starts a fresh one; the jobs it held
   * are read again from their committed offsets.
   */
  static void giveUp(String reason) {
    System.err.println(
        "editstream: "
            + reason
            + "; exiting with status "
            + EXIT_STAGE_GAVE_UP
            + " for the supervisor to restart the process");
    Thread t = new Thread(() -> System.exit(EXIT_STAGE_GAVE_UP), "editstream-give-up");
    t.setDaemon(false);
    t.start();
  }

  /**
   * When {@code stage}'s input consumer was first given partitions ({@link System#nanoTime()}), or
   * {@link StageRunner#NOT_ASSIGNED} before that or when this process does not run the stage.
   *
   * @param stage a stage
   * @return the nanos of its first assignment, or {@link StageRunner#NOT_ASSIGNED}
   */
  public long firstAssignedNanos(Stage stage) {
    StageRunner r = byStage.get(stage);
    return r == null ? StageRunner.NOT_ASSIGNED : r.firstAssignedNanos();
  }

  /**
   * Whether every stage of this process is consuming (each chain running; false while one waits for
   * its restart).
   */
  public boolean alive() {
    return runners.stream().allMatch(StageRunner::alive);
  }

  /**
   * Reads the live catalog again every {@code every} (never when zero) and routes over it from then
   * on; a failed read keeps the catalog in use (WARN).
   */
  private void refreshCatalog(
      RunComfyClient client, CatalogCache cache, RouterHandler router, Duration every) {
    if (every.isZero()) {
      return;
    }
    Disposable d =
        catalogRefreshes(
                CatalogLoader.fetchLive(client)
                    .timeout(Catalogs.LIVE_TIMEOUT)
                    .cast(com.fasterxml.jackson.databind.JsonNode.class)
                    .subscribeOn(Schedulers.boundedElastic()),
                every,
                Schedulers.parallel(),
                (models, now) -> {
                  try {
                    cache.write(client.config().baseUrl(), models, now);
                  } catch (java.io.IOException e) {
                    LOG.warn(
                        "model catalog: could not write its disk cache {}: {}",
                        cache.file(),
                        e.toString());
                  }
                })
            .subscribe(
                c -> {
                  c.problems()
                      .forEach(
                          (id, why) ->
                              LOG.warn(
                                  "model catalog: the input_schema of {} could not be understood ({})",
                                  id,
                                  why));
                  reportMissing(router.useCatalog(c));
                  LOG.info("model catalog refreshed: {}", Catalogs.describe(c));
                });
    resources.add(0, d::dispose);
  }

  /**
   * The live catalog read again every {@code every} on {@code timer}: each read that answers is
   * written to the disk cache ({@code onRead}, with the read time) and emitted as a LIVE catalog; a
   * read that fails or times out is logged and skipped (the catalog in use stays), and the next
   * tick reads again. Reads never overlap.
   *
   * @param fetch one read of {@code GET /v1/models} (subscribed once per tick)
   * @param every the interval, &gt; 0
   * @param timer the scheduler of the ticks (virtual time in tests)
   * @param onRead called with each answered read and its time, before it is emitted
   */
  static Flux<ModelCatalog> catalogRefreshes(
      Mono<com.fasterxml.jackson.databind.JsonNode> fetch,
      Duration every,
      reactor.core.scheduler.Scheduler timer,
      java.util.function.BiConsumer<com.fasterxml.jackson.databind.JsonNode, java.time.Instant>
          onRead) {
    return Flux.interval(every, every, timer)
        .concatMap(
            i ->
                fetch
                    .map(
                        models -> {
                          java.time.Instant now =
                              java.time.Instant.ofEpochMilli(
                                  timer.now(java.util.concurrent.TimeUnit.MILLISECONDS));
                          onRead.accept(models, now);
                          return ModelCatalog.fromEntries(models, ModelCatalog.Source.LIVE, now);
                        })
                    .onErrorResume(
                        e -> {
                          LOG.warn(
                              "model catalog refresh failed ({}); routing goes on with the catalog read before",
                              dev.editstream.core.Redact.text(String.valueOf(e.getMessage())));
                          return Mono.empty();
                        }));
  }

  /** Says, before any job is paid for, which routing targets the catalog does not have. */
  private static void reportMissing(List<String> missing) {
    for (String m : missing) {
      LOG.error(
          "ALERT: routing target {} is not in RunComfy's catalog under either spelling; jobs routed to it fail with class 65 "
              + "model_unavailable and are never submitted (`editstream models --diff`)",
          m);
    }
  }

  /**
   * Stops one stage of this process (its in-flight records finish within the shutdown grace; their
   * offsets are committed); the other stages go on. A Ctrl-C on {@code run} stops the router so
   * nothing more is submitted while the submitted jobs end. Nothing happens when the stage does not
   * run here or was stopped already.
   */
  public void stopStage(Stage stage) {
    StageRunner r = byStage.remove(stage);
    if (r != null) {
      runners.remove(r);
      r.close();
    }
  }

  /** The account gate of the router stage, or {@code null} when this process runs no router. */
  public @Nullable AccountGate gate() {
    return gate;
  }

  /** The meters of this process. */
  public PipelineMetrics metrics() {
    return metrics;
  }

  @Override
  public void close() {
    for (StageRunner r : runners) {
      r.close();
    }
    for (AutoCloseable c : resources) {
      try {
        c.close();
      } catch (Exception e) {
        org.slf4j.LoggerFactory.getLogger(Pipeline.class).debug("close failed: {}", e.toString());
      }
    }
  }
}
