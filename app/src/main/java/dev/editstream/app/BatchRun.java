package dev.editstream.app;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.Stage;
import dev.editstream.core.job.Job;
import dev.editstream.pipeline.kafka.EventPublisher;
import dev.editstream.pipeline.metrics.PipelineMetrics;
import dev.editstream.producer.JobProducer;
import dev.editstream.runcomfy.LocalAssetServer;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.RunComfyConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One batch in one process: the embedded broker when no bootstrap servers are given, a local asset
 * server for local input files (only when the API is the local emulator), every worker, the
 * producer for the job file, live progress until every job is terminal or the timeout passes, and
 * the summary.
 */
public final class BatchRun {
  private BatchRun() {}

  /**
   * The outcome of a batch.
   *
   * @param summary jobs and their fates
   * @param invalidLines lines of the file that were refused
   * @param finished whether every job reached a terminal state before the timeout
   * @param meters the batch's meters ({@link dev.editstream.pipeline.metrics.Meters}), e.g. the
   *     downloads' streaming and commit timers
   * @param interrupted whether a Ctrl-C ended the run early ({@link CtrlC})
   * @param plan what the run did with each valid job ({@link ResumePlan}), or null
   */
  public record Result(
      Summary summary,
      int invalidLines,
      boolean finished,
      MeterRegistry meters,
      boolean interrupted,
      @Nullable ResumePlan plan) {
    /** A run that was not interrupted and planned nothing (tests, bench). */
    public Result(Summary summary, int invalidLines, boolean finished, MeterRegistry meters) {
      this(summary, invalidLines, finished, meters, false, null);
    }

    /** Whether every valid job is done (the demo's exit-0 rule). */
    public boolean everyValidJobDone(List<String> validIds) {
      return finished
          && validIds.stream()
              .allMatch(
                  id -> {
                    var s = summary.jobs().get(id);
                    return s != null && s.doneEvents().size() == 1 && s.failedEvents().isEmpty();
                  });
    }
  }

  /**
   * Asks RunComfy for one catalog entry (free) before anything starts, so a refused token ends the
   * run at once with class 77, as RunComfy's CLI does, instead of pausing every job. Any other
   * failure (the API unreachable) is left to the run, which falls back and retries.
   *
   * @throws StageException class 77 when the token is refused
   */
  static void requireAcceptedToken(RunComfyConfig runcomfy) {
    try (RunComfyClient client = new RunComfyClient(runcomfy)) {
      client.models(null, null, null, false, 1, 0).block(Duration.ofSeconds(30));
    } catch (StageException e) {
      if (e.exitClass() == ExitClass.NOPERM) {
        throw new StageException(
            ExitClass.NOPERM,
            e.reasonText(),
            "RunComfy refused the token ("
                + e.getMessage()
                + "): set RUNCOMFY_TOKEN or RunComfy's token.json, then run the same command again");
      }
    } catch (RuntimeException e) {
      // unreachable or slow: the run's own catalog fallback and retries deal with it
    }
  }

  /**
   * Removes what a killed earlier run left half-written in {@code <out>/.staging} (this process
   * owns the folder).
   */
  static void cleanStaging(Path outDir, PrintStream out) throws IOException {
    Path staging = outDir.resolve(".staging");
    if (!Files.isDirectory(staging, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var walk = Files.walk(staging)) {
      List<Path> all = walk.sorted(java.util.Comparator.reverseOrder()).toList();
      for (Path p : all) {
        Files.deleteIfExists(p);
      }
    }
    out.println("removed the half-written downloads an earlier run left in " + staging);
  }

  /**
   * How a run treats jobs that ran before ({@link ResumePlan}) and a Ctrl-C ({@link CtrlC}).
   *
   * @param rerun ids to run again whatever their end ({@code --rerun})
   * @param rerunFailed run the failed jobs again ({@code --rerun-failed})
   * @param resubmitUncertain consent to POST again a job that may have been submitted
   * @param onInterrupt the answer to a Ctrl-C when no terminal can ask ({@code --on-interrupt})
   * @param signals whether to handle Ctrl-C at all (false in tests that run several batches in one
   *     JVM)
   * @param metrics {@code --metrics-port}/{@code --metrics-host}, or null for no ops port
   */
  public record Options(
      Set<String> rerun,
      boolean rerunFailed,
      boolean resubmitUncertain,
      CtrlC.Choice onInterrupt,
      boolean signals,
      @Nullable MetricsOptions metrics,
      @Nullable StorageOptions storage,
      @Nullable StateOpening opening) {
    /**
     * First runs and resumes alike, no re-runs, no signal handling, no ops port, no object storage.
     */
    public static final Options DEFAULT =
        new Options(Set.of(), false, false, CtrlC.Choice.FINISH, false, null, null, null);

    /** As the canonical constructor, the state folder opened by {@link #run} itself. */
    public Options(
        Set<String> rerun,
        boolean rerunFailed,
        boolean resubmitUncertain,
        CtrlC.Choice onInterrupt,
        boolean signals,
        @Nullable MetricsOptions metrics,
        @Nullable StorageOptions storage) {
      this(rerun, rerunFailed, resubmitUncertain, onInterrupt, signals, metrics, storage, null);
    }

    /** A copy serving the ops port of {@code m}. */
    public Options withMetrics(MetricsOptions m) {
      return new Options(
          rerun, rerunFailed, resubmitUncertain, onInterrupt, signals, m, storage, opening);
    }

    /**
     * A copy staging inputs and storing results as {@code s} says ({@code --stage-to}, {@code
     * --results-to}).
     */
    public Options withStorage(StorageOptions s) {
      return new Options(
          rerun, rerunFailed, resubmitUncertain, onInterrupt, signals, metrics, s, opening);
    }

    /**
     * A copy using the state folder {@code o} is opening ({@link #openState}): a caller with work
     * of its own before {@link #run} lets the broker start meanwhile.
     */
    public Options withOpening(StateOpening o) {
      return new Options(
          rerun, rerunFailed, resubmitUncertain, onInterrupt, signals, metrics, storage, o);
    }
  }

  /**
   * The static group membership id ({@code group.instance.id}, a suffix per stage) of a run on its
   * state folder's embedded broker, unless {@code --instance-id} names another.
   */
  public static final String EMBEDDED_INSTANCE_ID = "editstream-run";

  /**
   * The batch state folder of an output folder being opened, its embedded broker starting, on a
   * thread of its own ({@link #openState}).
   */
  public static final class StateOpening {
    private final boolean resumed;
    private final java.util.concurrent.CompletableFuture<BatchState> ready;

    private StateOpening(
        boolean resumed, java.util.concurrent.CompletableFuture<BatchState> ready) {
      this.resumed = resumed;
      this.ready = ready;
    }

    /** Whether the folder held a batch before (read before the opening began). */
    boolean resumed() {
      return resumed;
    }

    /**
     * The state once open.
     *
     * @throws IllegalStateException when another process holds the folder, or the broker cannot
     *     start
     */
    BatchState await() {
      return Pipeline.await(ready);
    }

    /**
     * Closes the state once it is open, waiting for the opening; a failed opening is ignored. For a
     * caller whose own steps failed before {@link #run} took the opening over.
     */
    public void discard() {
      try {
        ready.join().close();
      } catch (RuntimeException e) {
        // the opening's own failure: nothing was opened
      }
    }
  }

  /**
   * Starts opening the state folder of {@code cfg}'s output folder (taking its lock, starting its
   * broker: about 1.2 s on 2 cores) on a new thread, so that the caller's next steps run meanwhile
   * (issue 19: command to first POST). {@link #run} does this itself first; a caller with earlier
   * work (the demo starting its emulator) passes the opening in {@link Options#withOpening}.
   *
   * @return the opening, or {@code null} when {@code cfg} names a broker (nothing to open)
   */
  public static @Nullable StateOpening openState(PipelineConfig cfg) {
    if (!cfg.embedded()) {
      return null;
    }
    boolean resumed = BatchState.exists(cfg.outDir());
    return new StateOpening(
        resumed, Pipeline.async("state", () -> BatchState.open(cfg.outDir(), true)));
  }

  /**
   * Runs the batch.
   *
   * @param cfg configuration; {@code bootstrapServers == null} starts the broker of the state
   *     folder {@code <out>/.editstream} ({@link BatchState})
   * @param runcomfy API base and token
   * @param serveLocalFiles whether to start the asset server for local inputs (emulator only)
   * @param jobFile the JSON Lines job file
   * @param timeout how long to wait for every job to end
   * @param out where progress and the summary go
   * @param validIds filled with the ids of the valid jobs
   */
  public static Result run(
      PipelineConfig cfg,
      RunComfyConfig runcomfy,
      boolean serveLocalFiles,
      Path jobFile,
      Duration timeout,
      PrintStream out,
      List<String> validIds)
      throws IOException {
    return run(cfg, runcomfy, serveLocalFiles, jobFile, List.of(), timeout, out, validIds);
  }

  /**
   * As above, also accepting local inputs under {@code allowedInputs}.
   *
   * @param allowedInputs folders besides the job file's from which local inputs are accepted
   */
  public static Result run(
      PipelineConfig cfg,
      RunComfyConfig runcomfy,
      boolean serveLocalFiles,
      Path jobFile,
      List<Path> allowedInputs,
      Duration timeout,
      PrintStream out,
      List<String> validIds)
      throws IOException {
    return run(
        cfg,
        runcomfy,
        serveLocalFiles,
        jobFile,
        allowedInputs,
        timeout,
        out,
        validIds,
        Options.DEFAULT);
  }

  /**
   * As above, with re-run and Ctrl-C options. A job the topics show ended is counted as it ended
   * and not run again; a job in flight is followed, never published (or POSTed) again.
   *
   * @throws IllegalStateException when another process holds the state folder
   */
  public static Result run(
      PipelineConfig cfg,
      RunComfyConfig runcomfy,
      boolean serveLocalFiles,
      Path jobFile,
      List<Path> allowedInputs,
      Duration timeout,
      PrintStream out,
      List<String> validIds,
      Options opts)
      throws IOException {
    long t0 = System.nanoTime();
    // the broker starts, and the lexicons and language statistics load, while the account is
    // checked (issue 19: command to first POST)
    StateOpening opening = opts.opening() != null ? opts.opening() : openState(cfg);
    Pipeline.prepareRouting();
    BatchState state = null;
    LocalAssetServer assets = null;
    Result result;
    try {
      if (cfg.provider().balanceCheck()) {
        BalanceCheck.require(runcomfy, out);
      }
      requireAcceptedToken(runcomfy);
      cleanStaging(cfg.outDir(), out);
      if (opening != null) {
        boolean resumed = opening.resumed();
        out.println(
            (resumed
                    ? "resuming the batch kept in "
                    : "no --bootstrap-servers given: a local single-node Kafka broker (KRaft) "
                        + "runs in this process, its data in ")
                + BatchState.folder(cfg.outDir())
                + (resumed
                    ? " (jobs that ended before are not run again)"
                    : " (the same command resumes the batch after a crash)"));
        state = opening.await();
        cfg = cfg.withBootstrapServers(state.bootstrapServers());
        if (cfg.instanceId() == null) {
          // the broker is this folder's own, and the folder's lock admits one process: a fixed
          // static membership id can never fence another process, and the same command after a
          // crash takes its partitions back at once instead of waiting out the dead members'
          // session timeout (10 s)
          cfg = cfg.withInstanceId(EMBEDDED_INSTANCE_ID);
        }
      }
      if (serveLocalFiles) {
        assets = LocalAssetServer.start("127.0.0.1", 0);
      }
      result =
          runOn(
              cfg,
              runcomfy,
              assets,
              jobFile,
              allowedInputs,
              timeout,
              out,
              validIds,
              opts,
              state,
              t0);
    } finally {
      if (assets != null) {
        assets.close();
      }
      if (state != null) {
        state.close();
      } else if (opening != null) {
        opening.discard();
      }
    }
    try {
      int dropped = dev.editstream.downloader.Manifest.compact(cfg.outDir());
      if (dropped > 0) {
        out.println(
            "manifest.jsonl: "
                + dropped
                + " lines of earlier runs replaced by their jobs' latest run");
      }
    } catch (IOException e) {
      out.println(
          "could not compact " + cfg.outDir().resolve("manifest.jsonl") + ": " + e.getMessage());
    }
    return result;
  }

  @SuppressWarnings("try") // the ops server lives as long as the run; the body never names it
  private static Result runOn(
      PipelineConfig cfg,
      RunComfyConfig runcomfy,
      @Nullable LocalAssetServer assets,
      Path jobFile,
      List<Path> allowedInputs,
      Duration timeout,
      PrintStream out,
      List<String> validIds,
      Options opts,
      @Nullable BatchState state,
      long t0)
      throws IOException {
    MeterRegistry registry =
        opts.metrics() == null ? new SimpleMeterRegistry() : opts.metrics().registry();
    // the router re-checks every local input against the folders the producer allowed
    List<Path> allowed = new ArrayList<>();
    allowed.add(jobFile.toAbsolutePath().normalize().getParent());
    allowedInputs.forEach(f -> allowed.add(f.toAbsolutePath().normalize()));
    // the tracker reads its topics while the pipeline starts (issue 19: command to first POST);
    // they must exist first (Pipeline.start is told so and does not check them again)
    dev.editstream.pipeline.kafka.TopicAdmin.ensureTopics(
        cfg.requireBootstrapServers(),
        cfg.topics().all(),
        cfg.partitions(),
        (short) cfg.replicationFactor());
    java.util.concurrent.CompletableFuture<BatchTracker> trackerReady =
        Pipeline.async(
            "tracker",
            () ->
                new BatchTracker(
                    cfg.requireBootstrapServers(), cfg.topics(), null, cfg.stateDir()));
    // the jobs are published while the pipeline starts: the router's consumer group then finds
    // them waiting when it joins (issue 19: command to first POST)
    EventPublisher publisher =
        new EventPublisher(cfg.requireBootstrapServers(), "editstream-producer", Map.of());
    java.util.concurrent.CompletableFuture<Published> publishing =
        Pipeline.async(
            "producer",
            () -> {
              // a broker formatted by this run holds no earlier event: the jobs need not wait for
              // the tracker's read of the topics (0.1-0.2 s of the demo's first POST, 2026-12-08)
              java.util.function.Function<String, JobFold> known =
                  state != null && state.fresh() ? id -> null : Pipeline.await(trackerReady)::fold;
              ResumePlan.Recorder admission =
                  ResumePlan.recorder(
                      known, opts.rerun(), opts.rerunFailed(), opts.resubmitUncertain());
              try {
                long from = System.nanoTime();
                JobProducer.Report r =
                    new JobProducer(publisher, cfg.topics(), Clock.systemUTC())
                        .publish(jobFile, allowedInputs, admission);
                return new Published(r, admission.plan(), from);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    try (TrackerCloser closeTracker = new TrackerCloser(trackerReady);
        EventPublisher closePublisher = publisher;
        ProducerCloser closeProducer = new ProducerCloser(publishing);
        Storage storage = opts.storage() == null ? null : opts.storage().open(cfg.jobDeadline());
        Pipeline pipeline =
            Pipeline.start(
                cfg,
                runcomfy,
                runcomfy::token,
                EnumSet.of(Stage.ROUTER, Stage.POLLER, Stage.DOWNLOADER),
                storage != null && storage.stagesInputs()
                    ? storage.stager(allowed)
                    : new dev.editstream.router.InputStager(assets, allowed),
                new PipelineMetrics(registry),
                storage == null ? null : storage.results(),
                true);
        OpsServer ops =
            opts.metrics() == null
                ? null
                : opts.metrics().start(registry, cfg.requireBootstrapServers(), () -> pipeline)) {
      BatchTracker tracker = Pipeline.await(trackerReady);
      out.printf("start-up (broker, topics, workers): %.1f s%n", (System.nanoTime() - t0) / 1e9);
      Published published;
      try {
        published = Pipeline.await(publishing);
      } catch (java.io.UncheckedIOException e) {
        throw e.getCause();
      }
      // the batch's wall time counts from the first job's publication or the router's first read
      // of its topic, whichever came later: start-up is reported on its own line, and a fresh
      // state's jobs are published before the workers are up (issue 19, scenario (a))
      long firstPublished = published.startedNanos();
      java.util.function.LongSupplier wallStart =
          () -> later(firstPublished, pipeline.firstAssignedNanos(Stage.ROUTER));
      JobProducer.Report report = published.report();
      ResumePlan plan = published.plan();
      List<String> ids = new ArrayList<>();
      for (Job j : report.jobs()) {
        ids.add(j.id());
        validIds.add(j.id());
      }
      for (var e : report.errors()) {
        out.println("refused " + e.describe());
        ids.add(JobProducer.failedJobId(jobFile, e));
      }
      describePlan(out, jobFile, report, plan);
      // the job lines are on the topic now: a 100,000-job batch kept ~50 MB of them to the end
      report =
          new JobProducer.Report(report.lines(), List.of(), report.errors(), report.published());
      tracker.expect(ids, plan.replays());
      Loop loop = new Loop(pipeline, tracker, cfg, runcomfy, publisher, out, state, opts);
      boolean finished = loop.waitForAll(System.nanoTime() + timeout.toNanos(), wallStart);
      Map<String, BatchTracker.JobState> batchJobs = tracker.expectedJobs();
      Summary summary =
          new Summary(batchJobs, Duration.ofNanos(System.nanoTime() - wallStart.getAsLong()));
      summary.print(out, registry);
      if (loop.interrupted()) {
        out.println("interrupted: jobs still in flight or queued resume with the same command");
      } else if (!finished) {
        out.println(
            "timed out after "
                + timeout.toSeconds()
                + " s with jobs still in flight; the same command resumes them");
      }
      Result result =
          new Result(summary, report.errors().size(), finished, registry, loop.interrupted(), plan);
      try {
        BatchFiles.write(cfg.outDir(), result, jobFile, report.errors());
        out.println(
            "results: "
                + cfg.outDir().resolve("manifest.jsonl")
                + ", errors: "
                + cfg.outDir().resolve("errors.jsonl")
                + ", summary: "
                + cfg.outDir().resolve("summary.json"));
      } catch (IOException e) {
        out.println(
            "could not write errors.jsonl / summary.json in "
                + cfg.outDir()
                + ": "
                + e.getMessage());
      }
      return result;
    }
  }

  /**
   * Says what the run does with the file's jobs: published, ended before, in flight, changed lines.
   */
  static void describePlan(
      PrintStream out, Path jobFile, JobProducer.Report report, ResumePlan plan) {
    out.printf(
        "%s: %d jobs, %d lines refused; %d published to run%s%n",
        jobFile,
        report.jobs().size(),
        report.errors().size(),
        report.published(),
        plan.count(List.of(ResumePlan.Action.RERUN)) > 0
            ? " (" + plan.count(List.of(ResumePlan.Action.RERUN)) + " re-runs)"
            : "");
    int done = plan.count(List.of(ResumePlan.Action.DONE));
    int failed = plan.count(List.of(ResumePlan.Action.FAILED));
    int follow = plan.count(List.of(ResumePlan.Action.FOLLOW, ResumePlan.Action.IN_FLIGHT_RERUN));
    if (done + failed + follow > 0) {
      out.printf(
          "from earlier runs: %d done, %d failed (not run again; --rerun-failed or --rerun ID), %d in flight (followed, never "
              + "submitted twice)%n",
          done, failed, follow);
    }
    list(
        out,
        plan.ids(ResumePlan.Action.CHANGED),
        "ended before and their line changed since; not run again (--rerun ID runs one again)");
    list(
        out,
        plan.ids(ResumePlan.Action.UNCERTAIN),
        "may have been paid for already (may_have_been_submitted); not re-run without "
            + "--resubmit-uncertain");
    list(
        out,
        plan.ids(ResumePlan.Action.IN_FLIGHT_RERUN),
        "are still in flight: --rerun ignored for them");
  }

  private static void list(PrintStream out, List<String> ids, String what) {
    if (ids.isEmpty()) {
      return;
    }
    String shown =
        String.join(", ", ids.subList(0, Math.min(10, ids.size())))
            + (ids.size() > 10 ? ", ..." : "");
    out.println(ids.size() + " jobs " + what + ": " + shown);
  }

  /** The wait for the batch's end: progress, Ctrl-C, progress.json. */
  private static final class Loop {
    private final Pipeline pipeline;
    private final BatchTracker tracker;
    private final PipelineConfig cfg;
    private final RunComfyConfig runcomfy;
    private final EventPublisher publisher;
    private final @Nullable BatchState state;
    private final Options opts;
    private final ConsoleProgress console;
    private boolean interrupted;
    private java.util.@Nullable Set<String> waitingFor;

    Loop(
        Pipeline pipeline,
        BatchTracker tracker,
        PipelineConfig cfg,
        RunComfyConfig runcomfy,
        EventPublisher publisher,
        PrintStream out,
        @Nullable BatchState state,
        Options opts) {
      this.pipeline = pipeline;
      this.tracker = tracker;
      this.cfg = cfg;
      this.runcomfy = runcomfy;
      this.publisher = publisher;
      this.state = state;
      this.opts = opts;
      BatchTracker.Counts c = tracker.counts();
      this.console =
          out == System.out || out == System.err
              ? ConsoleProgress.detect(out, c.done() + c.failed())
              : new ConsoleProgress(out, false);
    }

    boolean interrupted() {
      return interrupted;
    }

    /** Waits until every job ended (true), the deadline passed or a Ctrl-C said stop (false). */
    @SuppressWarnings("SystemConsoleNull") // Java 17: no console when not interactive
    boolean waitForAll(long deadline, java.util.function.LongSupplier wallStart) {
      java.io.Reader ask = System.console() == null ? null : System.console().reader();
      try (CtrlC ctrlC =
          opts.signals() ? CtrlC.install(ask, opts.onInterrupt(), console::message) : null) {
        CtrlC.Choice handled = CtrlC.Choice.NONE;
        while (System.nanoTime() < deadline) {
          CtrlC.Choice choice = ctrlC == null ? CtrlC.Choice.NONE : ctrlC.choice();
          if (choice != handled && choice != CtrlC.Choice.NONE) {
            interrupted = true;
            handled = choice;
            if (choice == CtrlC.Choice.STOP) {
              break;
            }
            act(choice);
          }
          if (done()) {
            break;
          }
          Duration elapsed = Duration.ofNanos(System.nanoTime() - wallStart.getAsLong());
          BatchTracker.Counts c = tracker.counts();
          console.update(counts(c), elapsed);
          if (state != null) {
            state.writeProgress(progressJson(c, elapsed));
          }
          try {
            Thread.sleep(250);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            interrupted = true;
            break;
          }
        }
        console.finish(
            counts(tracker.counts()), Duration.ofNanos(System.nanoTime() - wallStart.getAsLong()));
        return tracker.allTerminal();
      }
    }

    private boolean done() {
      if (waitingFor == null) {
        return tracker.allTerminal();
      }
      for (String id : waitingFor) {
        JobFold f = tracker.fold(id);
        if (f == null || !f.terminal()) {
          return false;
        }
      }
      return true;
    }

    /**
     * Stops submitting; for CANCEL also cancels what is queued; then waits only for the submitted
     * jobs.
     */
    private void act(CtrlC.Choice choice) {
      pipeline.stopStage(Stage.ROUTER);
      Map<String, JobFold> open = new java.util.HashMap<>();
      java.util.Set<String> submitted = new java.util.HashSet<>();
      for (var e : tracker.expectedJobs().entrySet()) {
        JobFold f = e.getValue().fold();
        if (f == null || !f.terminal()) {
          open.put(e.getKey(), f);
          if (!BatchCanceller.queued(f)) {
            submitted.add(e.getKey());
          }
        }
      }
      if (choice == CtrlC.Choice.CANCEL) {
        try (RunComfyClient client = new RunComfyClient(runcomfy)) {
          BatchCanceller.Report r =
              BatchCanceller.cancel(open, publisher, cfg.topics(), client, Clock.systemUTC());
          console.message(
              String.format(
                  "cancelled: %d queued here, %d queued at RunComfy; %d already running at RunComfy (they finish, "
                      + "are billed and downloaded)%s",
                  r.withdrawn().size(),
                  r.cancelled().size(),
                  r.running().size(),
                  r.errors().isEmpty()
                      ? ""
                      : "; " + r.errors().size() + " cancel calls failed: " + r.errors()));
        }
      } else {
        console.message(
            (open.size() - submitted.size())
                + " queued jobs wait for the same command; waiting for the "
                + submitted.size()
                + " submitted");
      }
      waitingFor = submitted;
    }

    private ProgressLine.Counts counts(BatchTracker.Counts c) {
      AccountGateView paused = new AccountGateView(pipeline);
      return new ProgressLine.Counts(
          c.total(),
          c.done(),
          c.failed(),
          c.submitted(),
          c.queued(),
          c.costUsd(),
          true,
          paused.reason());
    }

    private com.fasterxml.jackson.databind.node.ObjectNode progressJson(
        BatchTracker.Counts c, Duration elapsed) {
      var o = dev.editstream.core.Json.mapper().createObjectNode();
      o.put("at", java.time.Instant.now().toString());
      o.put("elapsed_s", elapsed.toMillis() / 1000.0);
      o.put("jobs", c.total());
      o.put("done", c.done());
      o.put("failed", c.failed());
      o.put("in_flight", c.submitted());
      o.put("queued", c.queued());
      o.put("cost_usd", Math.round(c.costUsd() * 1_000_000d) / 1_000_000d);
      Rate rate = console.rate();
      o.put("jobs_per_s", rate.known() ? rate.jobsPerSecond() : 0);
      String paused = new AccountGateView(pipeline).reason();
      if (paused != null) {
        o.put("paused", paused);
      }
      return o;
    }
  }

  /** Why submission is paused (the account gate of the router), or null. */
  private record AccountGateView(Pipeline pipeline) {
    @Nullable String reason() {
      return pipeline.gate() == null || !pipeline.gate().isClosed()
          ? null
          : pipeline.gate().reason();
    }
  }

  /**
   * The producer's report, the resume plan its admission recorded, and when it began publishing
   * ({@link System#nanoTime()}).
   */
  private record Published(JobProducer.Report report, ResumePlan plan, long startedNanos) {}

  /**
   * Waits, on a start-up that failed, for the producer thread to stop using the publisher before
   * the publisher closes (at most {@link #PRODUCER_CLOSE_WAIT}); its outcome is the caller's.
   */
  private record ProducerCloser(java.util.concurrent.CompletableFuture<Published> publishing)
      implements AutoCloseable {
    @Override
    public void close() {
      try {
        publishing.get(PRODUCER_CLOSE_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (java.util.concurrent.ExecutionException
          | java.util.concurrent.TimeoutException
          | java.util.concurrent.CancellationException e) {
        // the main thread reports the producer's own failure; a close only waits
      }
    }
  }

  /**
   * The later of two {@link System#nanoTime()} readings, {@code b} ignored when it is {@link
   * StageRunner#NOT_ASSIGNED} (compared by difference, as nanoTime values must be).
   */
  static long later(long a, long b) {
    return b == dev.editstream.pipeline.stage.StageRunner.NOT_ASSIGNED || b - a < 0 ? a : b;
  }

  /** How long a failed start-up waits for the producer thread before closing its publisher. */
  static final Duration PRODUCER_CLOSE_WAIT = Duration.ofSeconds(30);

  /** Closes the tracker a start-up step opened, once it is open (also when the start failed). */
  private record TrackerCloser(java.util.concurrent.CompletableFuture<BatchTracker> ready)
      implements AutoCloseable {
    @Override
    public void close() {
      var unused =
          ready.whenComplete(
              (t, e) -> {
                if (t != null) {
                  t.close();
                }
              });
    }
  }
}
