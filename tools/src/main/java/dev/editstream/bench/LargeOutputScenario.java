package dev.editstream.bench;

import dev.editstream.app.BatchRun;
import dev.editstream.app.BatchTracker;
import dev.editstream.core.Json;
import dev.editstream.core.event.JobEvent;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.EmulatorStats;
import dev.editstream.emulator.LatencyModel;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.pipeline.flow.FlowControl;
import dev.editstream.pipeline.metrics.Meters;
import dev.editstream.poller.PollSchedule;
import dev.editstream.runcomfy.DownloadConfig;
import dev.editstream.runcomfy.DownloadPolicy;
import dev.editstream.runcomfy.OutputDownloader;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Scenario (d), one large output: the emulator answers every job with one signed blob URL of {@code
 * bytes} bytes ({@link EmulatorConfig#withBlobOutputBytes(long)}); one job goes through the
 * pipeline, between two runs of {@code curl -s -o <file> <url>} fetching a blob of the same size
 * from the same emulator in the same process (one just before, one just after; see {@link
 * #curlNote}); after the second, {@code sync <file>} (coreutils: fsync of that file) makes it
 * durable.
 *
 * <p>The pipeline's download time runs from the emulator answering the download request ({@link
 * EmulatorStats#lastDownloadAt()}) to the job's done event, so it includes the downloader's final
 * fsync and rename. It is split with the downloader's meters: streaming (headers to last byte
 * written, background syncs overlapping), final commit (fsync, close, rename) and the rest (request
 * to headers, promotion of the job folder, manifest line). Curl is reported twice: plain {@code
 * curl -o} (page cache only, not durable; the faster of the two runs) and {@code curl -o} + {@code
 * sync FILE} (the same durability as the downloader), with both ratios.
 *
 * <p>Before the timed run, one untimed download of 256 MiB (or {@code bytes} if smaller) through a
 * standalone {@link OutputDownloader} ({@link #warmUp}), then the same job through a pipeline of
 * its own, warm the JIT, as in a long-running worker: with only the first, the JIT compiler took
 * 40–80% of a core during the timed download.
 *
 * <p>Heap during the pipeline download ({@link HeapWindow}, 10 ms samples, window from the first
 * download request to the job's folder being moved into place, just before its done event):
 * used-heap growth (garbage included) and live-set growth (heap used right after the GCs in the
 * window, over a baseline {@code System.gc()} taken when the job is submitted). Both files are
 * deleted afterwards.
 */
final class LargeOutputScenario {
  /** 1 GiB, bytes. */
  static final long GIB = 1L << 30;

  /**
   * The job's remote latency, ms: the pipeline (broker, consumers) starts just before the job, and
   * on 2 cores the JIT compiling its start-up took 40–80% of a core during an immediate download; a
   * worker that has been running a while has no such cost. The timed span starts at the download
   * request, so this wait is not in it.
   */
  static final long QUIET_MS = 15000;

  /** Size of the untimed warm-up download before each timed run, bytes (256 MiB). */
  static final long WARM_UP_BYTES = 256L << 20;

  private LargeOutputScenario() {}

  /**
   * Runs the scenario once.
   *
   * @param name row name, e.g. {@code d-1GiB}
   * @param bytes output size, bytes (the downloader's cap is 2 GiB = 2,147,483,648 inclusive)
   * @param work scratch folder; {@code work/<name>} is used and emptied afterwards
   * @param curlTarget where curl writes (deleted afterwards)
   * @return the row: wall = the pipeline batch (broker start-up excluded), s; the note holds the
   *     pipeline's time and its split, both curl figures and ratios, and both heap figures
   * @throws IOException if the scratch folder cannot be written
   * @throws InterruptedException if interrupted while curl runs
   */
  static BenchResult run(String name, long bytes, Path work, Path curlTarget)
      throws IOException, InterruptedException {
    Path dir = Files.createDirectories(work.resolve(name));
    EmulatorConfig ec =
        EmulatorConfig.defaults(dir.resolve("emulator"), Scenarios.TOKEN)
            .withLatency(new LatencyModel.Fixed(QUIET_MS))
            .withRenderOutputs(false)
            .withFetchInputs(false)
            .withBlobOutputBytes(bytes);
    try (RunComfyEmulator emu = RunComfyEmulator.start(ec)) {
      warmUp(emu, Math.min(bytes, WARM_UP_BYTES), dir.resolve("warm-up"));
      // the same job once through a whole pipeline of its own, untimed: the JIT then has compiled
      // (and recompiled after the pipeline's classes loaded) what the timed run executes
      Scenarios.runBatch(
          emu,
          name + "-warm-up",
          1,
          Files.createDirectories(dir.resolve("warm-up-pipeline")),
          true,
          PollSchedule.defaults(),
          FlowControl.Settings.fixed(10, 10));
      Trees.delete(dir.resolve("warm-up-pipeline"));
      long submitsBefore = emu.stats().submits();
      Scenarios
          .quiesce(); // the scenarios before leave writeback that would slow the timed O_DIRECT
      // writes, not curl's page-cache ones
      CurlRun curlBefore = curlOnce(emu.port(), bytes, curlTarget);
      Files.deleteIfExists(curlTarget);
      Scenarios.quiesce();
      ResourceMeter meter = new ResourceMeter();
      meter.start();
      BatchRun.Result r;
      Path out = dir.resolve("out");
      long warmUps = emu.stats().downloads();
      HeapWindow heap =
          new HeapWindow(
              () -> emu.stats().submits() > submitsBefore,
              () -> emu.stats().downloads() > warmUps,
              () -> jobFolderIn(out),
              10);
      try (heap) {
        r =
            Scenarios.runBatch(
                emu,
                name,
                1,
                dir,
                true,
                PollSchedule.defaults(),
                FlowControl.Settings.fixed(10, 10));
      }
      double wall = r.summary().wall().toNanos() / 1e9;
      Instant done = doneAt(r);
      Instant start = emu.stats().lastDownloadAt();
      double pipeS =
          start == null || done == null ? 0 : Duration.between(start, done).toNanos() / 1e9;
      double pipeMibS = pipeS <= 0 ? 0 : bytes / (1024.0 * 1024.0) / pipeS;
      double streamS = seconds(r.meters(), Meters.DOWNLOAD_STREAMING);
      double commitS = seconds(r.meters(), Meters.DOWNLOAD_COMMIT);
      long syncs = (long) count(r.meters(), Meters.DOWNLOAD_BACKGROUND_SYNCS);
      Trees.delete(dir.resolve("out"));
      String curl =
          curlNote(
              curlBefore, curlOnce(emu.port(), bytes, curlTarget), bytes, curlTarget, pipeMibS);
      return new BenchResult(
          name,
          1,
          wall,
          0,
          (double) emu.stats().statusCalls(),
          0,
          0,
          0,
          0,
          meter.peakHeapMb(),
          meter.cpuSeconds(),
          String.format(
              "one %,d-byte output, after an untimed %d MiB warm-up download and the same job once through a pipeline of its own; %s; pipeline download %.2f s = %.0f MiB/s (download request to done event, fsync included: "
                  + "streaming %.2f s with %d background syncs, final fsync+rename %.2f s, rest %.2f s); %s; %s",
              bytes,
              Math.min(bytes, WARM_UP_BYTES) >> 20,
              Scenarios.fate(r),
              pipeS,
              pipeMibS,
              streamS,
              syncs,
              commitS,
              Math.max(0, pipeS - streamS - commitS),
              curl,
              heapNote(heap)));
    }
  }

  /**
   * Downloads one blob of {@code bytes} with a standalone {@link OutputDownloader} (the class the
   * pipeline's downloader uses) and deletes it: the JIT compiles the download path (SHA-256
   * intrinsic, Netty, Reactor) before the timed run, as in a long-running worker. Not timed.
   *
   * @throws IOException if the folder cannot be written or deleted
   */
  static void warmUp(RunComfyEmulator emu, long bytes, Path dir) throws IOException {
    DownloadPolicy policy =
        DownloadPolicy.runComfyDefault().withLocalHosts(Set.of("127.0.0.1:" + emu.port()));
    try (OutputDownloader d =
        new OutputDownloader(policy, DownloadConfig.defaults(), Clock.systemUTC())) {
      d.download(URI.create(emu.blobUrl(bytes)), dir, "warm-up.bin").block(Duration.ofMinutes(5));
    } finally {
      Trees.delete(dir);
    }
  }

  /** Whether a job folder (the downloader's last step before its done event) is in {@code out}. */
  static boolean jobFolderIn(Path out) {
    try (Stream<Path> s = Files.list(out)) {
      return s.anyMatch(p -> !p.getFileName().toString().startsWith(".") && Files.isDirectory(p));
    } catch (IOException | UncheckedIOException e) {
      return false;
    }
  }

  /** The heap part of the note: used-heap growth, then live-set growth (or why there is none). */
  static String heapNote(HeapWindow heap) {
    String live =
        Double.isNaN(heap.liveGrowthMb())
            ? "live-set growth: no GC during the download, so at most the used-heap growth"
            : String.format(
                "live-set growth %.1f MB (heap after GC, max over %d GCs in the window, vs a System.gc() baseline at submission)",
                heap.liveGrowthMb(), heap.gcsInWindow());
    return String.format(
        "peak heap growth during the pipeline download %.1f MB (used heap, 10 ms samples, garbage included; "
            + "the whole JVM allocated %.1f MB in the window, Kafka clients included); %s",
        heap.growthMb(), heap.allocatedMb(), live);
  }

  private static double seconds(MeterRegistry meters, Meters m) {
    Timer t = meters.find(m.meterName()).timer();
    return t == null ? 0 : t.totalTime(TimeUnit.NANOSECONDS) / 1e9;
  }

  private static double count(MeterRegistry meters, Meters m) {
    Counter c = meters.find(m.meterName()).counter();
    return c == null ? 0 : c.count();
  }

  /** One timed {@code curl -s -o}: seconds, or why there is no figure. */
  private record CurlRun(double seconds, @Nullable String failure) {}

  /** Fetches a same-size blob with curl into {@code target}, timed; the file is left in place. */
  private static CurlRun curlOnce(int port, long bytes, Path target)
      throws IOException, InterruptedException {
    String url = blobUrl(port, bytes);
    Files.deleteIfExists(target);
    long t0 = System.nanoTime();
    Process p;
    try {
      p =
          new ProcessBuilder("curl", "-s", "-o", target.toString(), url)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
    } catch (IOException e) {
      return new CurlRun(0, "curl not found on this machine, no comparison");
    }
    int code = p.waitFor();
    double s = (System.nanoTime() - t0) / 1e9;
    long got = Files.exists(target) ? Files.size(target) : -1;
    if (code != 0 || got != bytes) {
      Files.deleteIfExists(target);
      return new CurlRun(0, "curl failed (exit " + code + ", " + got + " bytes)");
    }
    return new CurlRun(s, null);
  }

  /**
   * The curl part of the note. {@code before} ran just before the pipeline's download, {@code
   * after} just after it, followed by {@code sync FILE} (timed) on its file: each side once runs
   * right after the other deleted a file of the same size, so neither alone gets the pages the
   * kernel just freed (on this virtual machine, writing into never-touched memory cost a 2 GiB
   * write 2.3 CPU-s against 0.5 CPU-s into recycled pages). The plain ratio uses the faster curl.
   */
  private static String curlNote(
      CurlRun before, CurlRun after, long bytes, Path target, double pipeMibS)
      throws IOException, InterruptedException {
    String failure = before.failure() != null ? before.failure() : after.failure();
    if (failure != null) {
      Files.deleteIfExists(target);
      return failure;
    }
    double best = Math.min(before.seconds(), after.seconds());
    double mibS = bytes / (1024.0 * 1024.0) / best;
    String plain =
        String.format(
            "curl -o %.2f s before and %.2f s after the pipeline's download, the faster = %.0f MiB/s (page cache only, no fsync); "
                + "pipeline ÷ curl = %.2f",
            before.seconds(), after.seconds(), mibS, pipeMibS / mibS);
    String synced;
    long t1 = System.nanoTime();
    try {
      Process sync =
          new ProcessBuilder("sync", target.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      int syncCode = sync.waitFor();
      double syncS = (System.nanoTime() - t1) / 1e9;
      if (syncCode != 0) {
        synced = "sync FILE failed (exit " + syncCode + "), no durable comparison";
      } else {
        double both = after.seconds() + syncS;
        double bothMibS = bytes / (1024.0 * 1024.0) / both;
        synced =
            String.format(
                "curl -o + sync FILE %.2f s = %.0f MiB/s (the curl after, %.2f s, + fsync %.2f s); pipeline ÷ (curl + sync) = %.2f",
                both, bothMibS, after.seconds(), syncS, pipeMibS / bothMibS);
      }
    } catch (IOException e) {
      synced = "sync not found on this machine, no durable comparison";
    } finally {
      Files.deleteIfExists(target);
    }
    return plain + "; " + synced;
  }

  /** {@code GET /_emulator/blob-url?bytes=N} on the emulator: a signed blob URL. */
  static String blobUrl(int port, long bytes) throws IOException, InterruptedException {
    HttpResponse<String> res =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + port + "/_emulator/blob-url?bytes=" + bytes))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    if (res.statusCode() != 200) {
      throw new IOException("blob-url answered " + res.statusCode());
    }
    return Json.mapper().readTree(res.body()).get("url").asText();
  }

  private static @Nullable Instant doneAt(BatchRun.Result r) {
    for (BatchTracker.JobState s : r.summary().jobs().values()) {
      if (s != null && !s.doneEvents().isEmpty()) {
        JobEvent e = s.doneEvents().get(0);
        return e.at();
      }
    }
    return null;
  }
}
