package dev.editstream.bench;

import dev.editstream.app.BatchRun;
import dev.editstream.app.BatchTracker;
import dev.editstream.core.Json;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.model.ModelCatalog;
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
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Scenario (d), one large output: the emulator answers every job with one signed blob URL of
 * {@code bytes} bytes ({@link EmulatorConfig#withBlobOutputBytes(long)}); one job goes through the
 * pipeline, then {@code curl -s -o <file> <url>} fetches a blob of the same size from the same
 * emulator in the same process, and {@code sync <file>} (coreutils: fsync of that file) makes it
 * durable.
 *
 * <p>The pipeline's download time runs from the emulator answering the download request ({@link
 * EmulatorStats#lastDownloadAt()}) to the job's done event, so it includes the downloader's final
 * fsync and rename. It is split with the downloader's meters: streaming (headers to last byte
 * written, background syncs overlapping), final commit (fsync, close, rename) and the rest
 * (request to headers, promotion of the job folder, manifest line). Curl is reported twice: plain
 * {@code curl -o} (page cache only, not durable) and {@code curl -o} + {@code sync FILE} (the same
 * durability as the downloader), with both ratios.
 *
 * <p>Before the timed run, one untimed download of 256 MiB (or {@code bytes} if smaller) through a
 * standalone {@link OutputDownloader} warms the JIT ({@link #warmUp}), as in a long-running worker.
 *
 * <p>Heap during the pipeline download ({@link HeapWindow}, 10 ms samples, window from the first
 * download request to the job's folder being moved into place, just before its done event): used-heap growth (garbage included) and live-set
 * growth (heap used right after the GCs in the window, over a baseline {@code System.gc()} taken
 * when the job is submitted). Both files are deleted afterwards.
 */
final class LargeOutputScenario {
  /** 1 GiB, bytes. */
  static final long GIB = 1L << 30;

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
  static BenchResult run(String name, long bytes, Path work, Path curlTarget) throws IOException, InterruptedException {
    Path dir = Files.createDirectories(work.resolve(name));
    EmulatorConfig ec = EmulatorConfig.defaults(dir.resolve("emulator"), Scenarios.TOKEN).withLatency(new LatencyModel.Fixed(0))
        .withRenderOutputs(false).withFetchInputs(false).withBlobOutputBytes(bytes);
    try (RunComfyEmulator emu = RunComfyEmulator.start(ec, ModelCatalog.builtIn())) {
      warmUp(emu, Math.min(bytes, WARM_UP_BYTES), dir.resolve("warm-up"));
      System.gc();
      ResourceMeter meter = new ResourceMeter();
      meter.start();
      BatchRun.Result r;
      Path out = dir.resolve("out");
      long warmUps = emu.stats().downloads();
      HeapWindow heap = new HeapWindow(() -> emu.stats().submits() > 0, () -> emu.stats().downloads() > warmUps, () -> jobFolderIn(out), 10);
      try (heap) {
        r = Scenarios.runBatch(emu, name, 1, dir, true, PollSchedule.defaults(), FlowControl.Settings.fixed(10, 10));
      }
      double wall = r.summary().wall().toNanos() / 1e9;
      Instant done = doneAt(r);
      Instant start = emu.stats().lastDownloadAt();
      double pipeS = start == null || done == null ? 0 : Duration.between(start, done).toNanos() / 1e9;
      double pipeMibS = pipeS <= 0 ? 0 : bytes / (1024.0 * 1024.0) / pipeS;
      double streamS = seconds(r.meters(), Meters.DOWNLOAD_STREAMING);
      double commitS = seconds(r.meters(), Meters.DOWNLOAD_COMMIT);
      long syncs = (long) count(r.meters(), Meters.DOWNLOAD_BACKGROUND_SYNCS);
      deleteTree(dir.resolve("out"));
      String curl = curl(emu.port(), bytes, curlTarget, pipeMibS);
      return new BenchResult(name, 1, wall, 0, (double) emu.stats().statusCalls(), 0, 0, 0, 0, meter.peakHeapMb(), meter.cpuSeconds(),
          String.format("one %,d-byte output, after an untimed %d MiB warm-up download; %s; pipeline download %.2f s = %.0f MiB/s (download request to done event, fsync included: "
              + "streaming %.2f s with %d background syncs, final fsync+rename %.2f s, rest %.2f s); %s; %s",
              bytes, Math.min(bytes, WARM_UP_BYTES) >> 20, Scenarios.fate(r), pipeS, pipeMibS, streamS, syncs, commitS, Math.max(0, pipeS - streamS - commitS), curl, heapNote(heap)));
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
    DownloadPolicy policy = DownloadPolicy.runComfyDefault().withLocalHosts(Set.of("127.0.0.1:" + emu.port()));
    try (OutputDownloader d = new OutputDownloader(policy, DownloadConfig.defaults(), Clock.systemUTC())) {
      d.download(URI.create(emu.blobUrl(bytes)), dir, "warm-up.bin").block(Duration.ofMinutes(5));
    } finally {
      deleteTree(dir);
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
    String live = Double.isNaN(heap.liveGrowthMb())
        ? "live-set growth: no GC during the download, so at most the used-heap growth"
        : String.format("live-set growth %.1f MB (heap after GC, max over %d GCs in the window, vs a System.gc() baseline at submission)",
            heap.liveGrowthMb(), heap.gcsInWindow());
    return String.format("peak heap growth during the pipeline download %.1f MB (used heap, 10 ms samples, garbage included; "
        + "the whole JVM allocated %.1f MB in the window, Kafka clients included); %s", heap.growthMb(), heap.allocatedMb(), live);
  }

  private static double seconds(MeterRegistry meters, Meters m) {
    Timer t = meters.find(m.meterName()).timer();
    return t == null ? 0 : t.totalTime(TimeUnit.NANOSECONDS) / 1e9;
  }

  private static double count(MeterRegistry meters, Meters m) {
    Counter c = meters.find(m.meterName()).counter();
    return c == null ? 0 : c.count();
  }

  /**
   * Fetches a same-size blob with curl, timed, then fsyncs it with {@code sync FILE}, timed;
   * returns the note part: plain curl and its ratio, then curl + sync and its ratio.
   */
  private static String curl(int port, long bytes, Path target, double pipeMibS) throws IOException, InterruptedException {
    String url = blobUrl(port, bytes);
    Files.deleteIfExists(target);
    long t0 = System.nanoTime();
    Process p;
    try {
      p = new ProcessBuilder("curl", "-s", "-o", target.toString(), url).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      return "curl not found on this machine, no comparison";
    }
    int code = p.waitFor();
    double s = (System.nanoTime() - t0) / 1e9;
    long got = Files.exists(target) ? Files.size(target) : -1;
    if (code != 0 || got != bytes) {
      Files.deleteIfExists(target);
      return "curl failed (exit " + code + ", " + got + " bytes)";
    }
    double mibS = bytes / (1024.0 * 1024.0) / s;
    String plain = String.format("curl -o %.2f s = %.0f MiB/s (page cache only, no fsync); pipeline ÷ curl = %.2f", s, mibS, pipeMibS / mibS);
    String synced;
    long t1 = System.nanoTime();
    try {
      Process sync = new ProcessBuilder("sync", target.toString()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      int syncCode = sync.waitFor();
      double syncS = (System.nanoTime() - t1) / 1e9;
      if (syncCode != 0) {
        synced = "sync FILE failed (exit " + syncCode + "), no durable comparison";
      } else {
        double both = s + syncS;
        double bothMibS = bytes / (1024.0 * 1024.0) / both;
        synced = String.format("curl -o + sync FILE %.2f s = %.0f MiB/s (curl %.2f s + fsync %.2f s); pipeline ÷ (curl + sync) = %.2f",
            both, bothMibS, s, syncS, pipeMibS / bothMibS);
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
    HttpResponse<String> res = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/_emulator/blob-url?bytes=" + bytes)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (res.statusCode() != 200) {
      throw new IOException("blob-url answered " + res.statusCode());
    }
    return Json.mapper().readTree(res.body()).get("url").asText();
  }

  private static Instant doneAt(BatchRun.Result r) {
    for (BatchTracker.JobState s : r.summary().jobs().values()) {
      if (s != null && !s.doneEvents().isEmpty()) {
        JobEvent e = s.doneEvents().get(0);
        return e.at();
      }
    }
    return null;
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
