package dev.editstream.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.app.BatchRun;
import dev.editstream.app.BatchTracker;
import dev.editstream.app.PipelineConfig;
import dev.editstream.app.ProviderSettings;
import dev.editstream.core.Backoff;
import dev.editstream.core.Json;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Submission;
import dev.editstream.core.event.Topics;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.core.model.ModelSpec;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.EmulatorStats;
import dev.editstream.emulator.Endpoint;
import dev.editstream.emulator.LatencyModel;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.pipeline.flow.FlowControl;
import dev.editstream.poller.PollSchedule;
import dev.editstream.runcomfy.OutputUrls;
import dev.editstream.runcomfy.RequestResult;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.RunComfyConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The bench scenarios. Each starts its own emulator (a load model, see {@link EmulatorConfig}) and
 * measures one run. Pipeline scenarios go through {@link BatchRun} (embedded Kafka broker, every
 * stage, the producer) exactly as {@code editstream run} does.
 */
final class Scenarios {
  static final String TOKEN = "bench-token";
  private static final String PROMPT =
      "Replace the background with a quiet beach at dusk; keep the product unchanged.";

  private Scenarios() {}

  /**
   * The poller's status-call budget of the pipeline scenarios, calls/s (0 = none); {@code bench
   * --status-calls-per-second}, the product's default unless set.
   */
  static volatile double statusCallsPerSecond =
      dev.editstream.poller.StatusCallBudget.Settings.DEFAULT_CALLS_PER_SECOND;

  /**
   * Whether the emulators sign their output file URLs ({@code bench --signed-outputs}); by default
   * they are public, as in RunComfy's documented results ({@code result-completed-images.json}),
   * and the pipeline's downloader then takes them from the {@code completed} event instead of
   * reading the result again.
   */
  static volatile boolean signedOutputs = false;

  /**
   * The confidence of speculative submits in scenarios (a) and (c) ({@code bench
   * --speculative-submits}; 0 = none), the product's default with the adaptive limit unless set.
   */
  static volatile double speculativeSubmits =
      dev.editstream.app.PipelineOptions.SUGGESTED_SPECULATIVE_SUBMITS;

  /** {@code config} with the output URLs {@link #signedOutputs} asks for. */
  static EmulatorConfig outputs(EmulatorConfig config) {
    return config.withPublicOutputs(!signedOutputs);
  }

  /** Scenario (a)'s bar on wall time over ideal (issue 5, kept by issue 19). */
  static final double A_MAX_RATIO = 1.10;

  /** Scenario (a)'s bar on status calls per job (issue 19: polite to the provider). */
  static final double A_MAX_STATUS_CALLS = 4.0;

  /**
   * Scenario (a)'s row with its bar judged at the end of its note: "ratio R (bar <= 1.10) at S
   * status calls per job (bar <= 4): bar holds|bar missed".
   */
  static BenchResult judgedA(BenchResult a) {
    return a.as(a.scenario(), a.note() + "; " + verdictA(a));
  }

  /** "ratio R (bar <= 1.10) at S status calls per job (bar <= 4): bar holds|bar missed". */
  static String verdictA(BenchResult a) {
    boolean holds = a.ratioToIdeal() <= A_MAX_RATIO && a.statusCallsPerJob() <= A_MAX_STATUS_CALLS;
    return String.format(
        "ratio %.3f (bar <= %.2f) at %.2f status calls per job (bar <= %.0f): bar %s",
        a.ratioToIdeal(),
        A_MAX_RATIO,
        a.statusCallsPerJob(),
        A_MAX_STATUS_CALLS,
        holds ? "holds" : "missed");
  }

  /** Scenario (a) or (c): {@code jobs} jobs through the pipeline against a provider cap. */
  static BenchResult pipeline(
      String name,
      int jobs,
      int cap,
      LatencyModel latency,
      double meanLatencyS,
      Path work,
      String note)
      throws IOException {
    // a cap told to the client is a fixed limit, with the product's speculative submits
    FlowControl.Settings flow =
        cap > 0
            ? FlowControl.Settings.fixed(cap, cap).withSpeculation(speculativeSubmits)
            : FlowControl.Settings.adaptive(1000);
    return pipeline(
        name, jobs, cap, latency, meanLatencyS, work, note, true, PollSchedule.defaults(), flow);
  }

  /**
   * One pipeline scenario with explicit client settings.
   *
   * @param smartPolling whether the poller uses the latency-aware schedule
   * @param schedule the fallback (or only) poll schedule
   * @param flow the client's in-flight and rate limits
   */
  static BenchResult pipeline(
      String name,
      int jobs,
      int cap,
      LatencyModel latency,
      double meanLatencyS,
      Path work,
      String note,
      boolean smartPolling,
      PollSchedule schedule,
      FlowControl.Settings flow)
      throws IOException {
    return pipeline(
        name, jobs, cap, latency, meanLatencyS, work, note, smartPolling, schedule, flow, 0);
  }

  /**
   * As above, with every stage's concurrency (records in flight per stage) set to {@code
   * stageConcurrency}; 0 keeps {@code editstream run}'s defaults (router 64, poller 1,000,
   * downloader 32).
   */
  static BenchResult pipeline(
      String name,
      int jobs,
      int cap,
      LatencyModel latency,
      double meanLatencyS,
      Path work,
      String note,
      boolean smartPolling,
      PollSchedule schedule,
      FlowControl.Settings flow,
      int stageConcurrency)
      throws IOException {
    Path dir = Files.createDirectories(work.resolve(name));
    EmulatorConfig ec =
        outputs(EmulatorConfig.defaults(dir.resolve("emulator"), TOKEN))
            .withLatency(latency)
            .withProviderCap(cap)
            .withConcurrency(Math.max(1, cap > 0 ? cap : jobs))
            .withRenderOutputs(false)
            .withFetchInputs(false);
    try (RunComfyEmulator emu = RunComfyEmulator.start(ec)) {
      ResourceMeter meter = new ResourceMeter();
      meter.start();
      BatchRun.Result r =
          runBatch(emu, name, jobs, dir, smartPolling, schedule, flow, stageConcurrency);
      double wall = r.summary().wall().toNanos() / 1e9;
      EmulatorStats st = emu.stats();
      long[] delays =
          doneMinusRemoteEndMs(doneEvents(r.summary().jobs().values()), emu::finishedAt);
      return new BenchResult(
          name,
          jobs,
          wall,
          BenchResult.ideal(jobs, cap, meanLatencyS),
          (double) st.statusCalls() / jobs,
          BenchResult.quantile(delays.clone(), 0.5),
          BenchResult.quantile(delays.clone(), 0.95),
          BenchResult.quantile(delays.clone(), 0.99),
          share429(st),
          meter.peakHeapMb(),
          meter.cpuSeconds(),
          note
              + "; "
              + fate(r)
              + "; "
              + callsPerJob(st, jobs)
              + capRefusals(st)
              + flowDecisions(r.meters())
              + "; peak provider in-flight "
              + st.peakInFlight()
              + sustained(st, r.summary().jobs().values(), cap));
    }
  }

  /**
   * Runs {@code jobs} jobs through the whole pipeline ({@link BatchRun}, embedded broker) against
   * the running emulator {@code emu}; outputs go to {@code dir/out}.
   *
   * @throws IOException if the job file cannot be written
   */
  static BatchRun.Result runBatch(
      RunComfyEmulator emu,
      String name,
      int jobs,
      Path dir,
      boolean smartPolling,
      PollSchedule schedule,
      FlowControl.Settings flow)
      throws IOException {
    return runBatch(emu, name, jobs, dir, smartPolling, schedule, flow, 0);
  }

  /**
   * As above, every stage's concurrency {@code stageConcurrency} (0: router 64, poller 1,000,
   * downloader 32).
   */
  static BatchRun.Result runBatch(
      RunComfyEmulator emu,
      String name,
      int jobs,
      Path dir,
      boolean smartPolling,
      PollSchedule schedule,
      FlowControl.Settings flow,
      int stageConcurrency)
      throws IOException {
    Path jobFile = writeJobs(dir, jobs);
    String hostPort = "127.0.0.1:" + emu.port();
    PipelineConfig cfg =
        PipelineConfig.builder()
            .topics(new Topics("bench-" + name + "-" + System.nanoTime()))
            .partitions(4)
            .outDir(dir.resolve("out"))
            // the views' local stores where the product keeps them by default (--state-dir)
            .stateDir(dir.resolve("out").resolve(".editstream").resolve("views"))
            .routerConcurrency(stageConcurrency > 0 ? stageConcurrency : 64)
            .pollerConcurrency(stageConcurrency > 0 ? stageConcurrency : 1000)
            .downloaderConcurrency(stageConcurrency > 0 ? stageConcurrency : 32)
            .maxAttempts(6)
            .backoff(new Backoff(500, 60_000, 2.0, 100))
            .jobDeadline(Duration.ofSeconds(1800))
            .pollSchedule(schedule)
            .allowDownloadHosts(Set.of(hostPort))
            .shutdownGrace(Duration.ofSeconds(10))
            .accountRecheck(Duration.ofSeconds(30))
            .smartPolling(smartPolling)
            .statusCallsPerSecond(statusCallsPerSecond)
            .flow(flow)
            .provider(
                new ProviderSettings(dir.resolve("catalog-cache.json"), Duration.ZERO, null, false))
            .build();
    List<String> valid = new ArrayList<>();
    try (PrintStream quiet = new PrintStream(OutputStream.nullOutputStream())) {
      return BatchRun.run(
          cfg,
          RunComfyConfig.of(emu.baseUrl(), TOKEN),
          false,
          jobFile,
          Duration.ofHours(2),
          quiet,
          valid);
    }
  }

  /** Every API call the emulator received. */
  static long calls(EmulatorStats st) {
    return st.calls().values().stream().mapToLong(Long::longValue).sum();
  }

  /** The share of the emulator's API calls it answered 429 (0 when it received none). */
  static double share429(EmulatorStats st) {
    long calls = calls(st);
    return calls == 0 ? 0 : (double) st.rateLimited() / calls;
  }

  /**
   * "calls/job: submit S, status T, result R, files F" (the emulator's count of each, ÷ {@code
   * jobs}): shows, for one, a result read again by a downloader the poller's handover missed.
   */
  static String callsPerJob(EmulatorStats st, int jobs) {
    Map<Endpoint, Long> c = st.calls();
    double n = Math.max(1, jobs);
    return String.format(
        "calls/job: submit %.2f, status %.2f, result %.2f, files %.2f",
        c.getOrDefault(Endpoint.SUBMIT, 0L) / n,
        c.getOrDefault(Endpoint.STATUS, 0L) / n,
        c.getOrDefault(Endpoint.RESULT, 0L) / n,
        c.getOrDefault(Endpoint.FILES, 0L) / n);
  }

  /**
   * "; 429 for the cap: N (x% of all calls)" when the provider refused POSTs at its cap (guessed
   * slots, {@code --speculative-submits}), else "".
   */
  static String capRefusals(EmulatorStats st) {
    long n = st.capRejections();
    return n == 0
        ? ""
        : String.format(
            "; 429 for the cap: %d (%.1f%% of all calls)", n, 100.0 * n / Math.max(1, calls(st)));
  }

  /**
   * "; limit lowered N times, G slots guessed (R refused)" from the router's flow-control counters
   * (the {@code editstream.provider.*} meters of {@link dev.editstream.app.Pipeline}), leaving out
   * what did not happen; "" when neither did.
   */
  static String flowDecisions(io.micrometer.core.instrument.MeterRegistry meters) {
    long decreases = count(meters, "editstream.provider.limit.decreases");
    long guesses = count(meters, "editstream.provider.speculative.grants");
    long refused = count(meters, "editstream.provider.speculative.refused");
    String s = decreases > 0 ? "; limit lowered " + decreases + " times" : "";
    return guesses > 0 ? s + "; " + guesses + " slots guessed (" + refused + " refused)" : s;
  }

  private static long count(io.micrometer.core.instrument.MeterRegistry meters, String name) {
    var c = meters.find(name).functionCounter();
    return c == null ? 0 : Math.round(c.count());
  }

  /** "N done, M failed[, TIMED OUT]" of one batch run. */
  static String fate(BatchRun.Result r) {
    return r.summary().done()
        + " done, "
        + r.summary().failed()
        + " failed"
        + (r.finished() ? "" : ", TIMED OUT");
  }

  /**
   * The image-editing model the bench's jobs use outside the pipeline (first built-in image model
   * taking images).
   */
  static ModelSpec imageModel() {
    return ModelCatalog.builtIn().all().stream()
        .filter(m -> !m.producesVideo() && m.fields().images() != null)
        .findFirst()
        .orElseThrow();
  }

  /** A submit body for {@code spec}: the bench prompt and one input image URL. */
  static ObjectNode body(ModelSpec spec, String imageUrl) {
    ObjectNode body = Json.mapper().createObjectNode();
    body.put(spec.fields().prompt(), PROMPT);
    if (spec.fields().imagesArray()) {
      body.putArray(spec.fields().images()).add(imageUrl);
    } else {
      body.put(spec.fields().images(), imageUrl);
    }
    return body;
  }

  /**
   * The provider's time-weighted mean of jobs in flight (as the emulator counted them) while the
   * batch still had jobs to submit, i.e. from the first to the last submission (the tail, where
   * in-flight can only drain, is left out), and over the whole batch (first submission to last
   * download done); with their share of {@code cap} when a cap is set; and the batch's edges (first
   * job produced to first POST, last POST to last download done). Empty when nothing was submitted.
   */
  static String sustained(EmulatorStats st, Collection<BatchTracker.JobState> states, int cap) {
    Instant first = null;
    Instant last = null;
    Instant end = null;
    Instant produced = null;
    for (BatchTracker.JobState s : states) {
      if (s == null || s.doneEvents().isEmpty()) {
        continue;
      }
      JobEvent done = s.doneEvents().get(0);
      if (done.submission() == null || done.submission().submittedAt() == null) {
        continue;
      }
      Instant at = done.submission().submittedAt();
      first = first == null || at.isBefore(first) ? at : first;
      last = last == null || at.isAfter(last) ? at : last;
      end = end == null || done.at().isAfter(end) ? done.at() : end;
      produced =
          produced == null || done.createdAt().isBefore(produced) ? done.createdAt() : produced;
    }
    if (first == null || last == null || end == null || !last.isAfter(first)) { // set together
      return "";
    }
    double steady = st.averageInFlight(first, last);
    double whole = st.averageInFlight(first, end);
    String edges =
        String.format(
            "; first POST %.1f s after the first job was produced, last download done %.1f s after the last POST",
            Duration.between(produced, first).toMillis() / 1000.0,
            Duration.between(last, end).toMillis() / 1000.0);
    return edges
        + (cap > 0
            ? String.format(
                    "; sustained provider in-flight %.1f = %.0f%% of cap while jobs waited (%.1f = %.0f%% over the whole batch)",
                    steady, 100 * steady / cap, whole, 100 * whole / cap)
                + slotTurnover(st)
            : String.format(
                "; sustained provider in-flight %.1f while jobs waited (%.1f over the whole batch)",
                steady, whole));
  }

  /**
   * Where a slot's time goes at the cap, as the emulator saw it: the mean and median delay from a
   * job's end to the first status answer that told of it, and the mean and median time from that
   * answer to the next accepted POST (each POST paired with the oldest unpaired end; see {@link
   * EmulatorStats#endToNextSubmit()}), ms. Empty when no end was seen.
   */
  static String slotTurnover(EmulatorStats st) {
    long[] seen = st.detectionDelays();
    long[] hop = st.endToNextSubmit();
    if (seen.length == 0 || hop.length == 0) {
      return "";
    }
    return String.format(
        "; end to the status answer that told of it: mean %.0f ms, median %.0f ms; that answer to the next accepted POST: mean %.0f ms, median %.0f ms",
        meanMs(seen), medianMs(seen), meanMs(hop), medianMs(hop));
  }

  private static double meanMs(long[] nanos) {
    return Arrays.stream(nanos).average().orElse(0) / 1e6;
  }

  private static double medianMs(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2] / 1e6;
  }

  /** The first {@code done} event of every job that has one. */
  static List<JobEvent> doneEvents(Collection<BatchTracker.JobState> states) {
    List<JobEvent> out = new ArrayList<>();
    for (BatchTracker.JobState s : states) {
      if (s != null && !s.doneEvents().isEmpty()) {
        out.add(s.doneEvents().get(0));
      }
    }
    return out;
  }

  /**
   * Per job: its {@code done} event's time minus the moment its remote work ended, ms: the issue's
   * "delay between remote completion and download done". For a job split into several requests the
   * remote end is the latest of its parts' ends. A job with a request whose end is unknown is left
   * out.
   *
   * @param done one {@code done} event per job
   * @param finishedAt when a request turned terminal on the provider (the emulator's {@link
   *     RunComfyEmulator#finishedAt(String)}), empty if unknown; on the same clock as the events
   * @return the delays, ms, in the order of {@code done}
   */
  static long[] doneMinusRemoteEndMs(
      Collection<JobEvent> done, Function<String, Optional<Instant>> finishedAt) {
    List<Long> out = new ArrayList<>();
    for (JobEvent e : done) {
      Instant end = null;
      boolean known = !e.requests().isEmpty();
      for (Submission part : e.requests()) {
        Optional<Instant> f = finishedAt.apply(part.requestId());
        if (f.isEmpty()) {
          known = false;
          break;
        }
        end = end == null || f.get().isAfter(end) ? f.get() : end;
      }
      if (known) {
        out.add(Duration.between(end, e.at()).toMillis());
      }
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  /**
   * Scenario (e): RunComfy's CLI one job at a time (submit, status at once then every 2 s, result,
   * download), on {@code sample} jobs; projected to {@code projectJobs} jobs. The delay columns are
   * remote completion to download done, ms, as for the pipeline scenarios.
   */
  static BenchResult cliLoop(int sample, int projectJobs, LatencyModel latency, Path work)
      throws Exception {
    Path dir = Files.createDirectories(work.resolve("e"));
    EmulatorConfig ec =
        outputs(EmulatorConfig.defaults(dir.resolve("emulator"), TOKEN))
            .withLatency(latency)
            .withRenderOutputs(false)
            .withFetchInputs(false);
    ModelSpec spec = imageModel();
    PollSchedule fixed = PollSchedule.fixed(Duration.ofSeconds(2));
    HttpClient http = HttpClient.newHttpClient();
    try (RunComfyEmulator emu = RunComfyEmulator.start(ec);
        RunComfyClient client = new RunComfyClient(RunComfyConfig.of(emu.baseUrl(), TOKEN))) {
      ResourceMeter meter = new ResourceMeter();
      meter.start();
      long t0 = System.nanoTime();
      long[] perJob = new long[sample];
      for (int i = 0; i < sample; i++) {
        ObjectNode body = body(spec, emu.blobUrl(64));
        String id =
            Objects.requireNonNull(client.submit(spec.modelId(), body).block(), "submit")
                .requestId();
        int checks = 0;
        while (true) {
          Thread.sleep(fixed.next(checks).toMillis());
          checks++;
          if (Objects.requireNonNull(client.status(id).block(), "status").terminal()) {
            break;
          }
        }
        RequestResult res = Objects.requireNonNull(client.result(id).block(), "result");
        for (String url : OutputUrls.collect(res.output())) {
          http.send(
              HttpRequest.newBuilder(URI.create(url)).build(),
              HttpResponse.BodyHandlers.ofFile(dir.resolve(id + "-" + checks)));
        }
        perJob[i] = Duration.between(emu.finishedAt(id).orElseThrow(), Instant.now()).toMillis();
      }
      double wall = (System.nanoTime() - t0) / 1e9;
      double projected = wall / sample * projectJobs;
      EmulatorStats st = emu.stats();
      return new BenchResult(
          "e-cli",
          sample,
          wall,
          0,
          (double) st.statusCalls() / sample,
          BenchResult.quantile(perJob.clone(), 0.5),
          BenchResult.quantile(perJob.clone(), 0.95),
          BenchResult.quantile(perJob.clone(), 0.99),
          0,
          meter.peakHeapMb(),
          meter.cpuSeconds(),
          String.format(
              "one at a time on %d jobs; projected to %d jobs: %.0f s",
              sample, projectJobs, projected));
    }
  }

  static Path writeJobs(Path dir, int jobs) throws IOException {
    Path f = dir.resolve("jobs.jsonl");
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < jobs; i++) {
      ObjectNode o = Json.mapper().createObjectNode();
      o.put("id", "bench-" + i);
      o.put("prompt", PROMPT);
      o.putArray("images")
          .add(
              "https://example.com/inputs/product-"
                  + i
                  + ".png"); // never fetched: fetchInputs=false
      sb.append(Json.mapper().writeValueAsString(o)).append('\n');
    }
    Files.writeString(f, sb);
    return f;
  }

  /**
   * Before a measured run ((b), (d)): the disk's pending writeback flushed ({@code sync}; the runs
   * before leave tens of thousands of small files dirty: in eight warm-up rounds without it, the
   * rounds slowed one after the other with the disk 40-50% in I/O wait) and the heap collected, so
   * no run pays for the one before. Where {@code sync} is missing or fails, only the heap is
   * collected.
   */
  static void quiesce() {
    try {
      Process sync =
          new ProcessBuilder("sync")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!sync.waitFor(120, TimeUnit.SECONDS)) {
        sync.destroyForcibly();
      }
    } catch (IOException e) {
      // no sync command: the heap is still collected
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    System.gc();
  }
}
