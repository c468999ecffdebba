package dev.editstream.bench;

import dev.editstream.app.BatchRun;
import dev.editstream.app.BatchTracker;
import dev.editstream.core.Json;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.emulator.EmulatorConfig;
import dev.editstream.emulator.LatencyModel;
import dev.editstream.emulator.RunComfyEmulator;
import dev.editstream.pipeline.flow.FlowControl;
import dev.editstream.poller.PollSchedule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Scenario (d), one large output: the emulator answers every job with one signed blob URL of
 * {@code bytes} bytes ({@link EmulatorConfig#withBlobOutputBytes(long)}); one job goes through the
 * pipeline, then {@code curl -s -o <file> <url>} fetches a blob of the same size from the same
 * emulator in the same process. The pipeline's download time runs from the emulator seeing the
 * download start to the job's done event (so it includes the downloader's fsync and rename; curl
 * does not fsync). Heap growth is measured over that window ({@link HeapWindow}, 10 ms samples).
 * Both files are deleted afterwards.
 */
final class LargeOutputScenario {
  /** 1 GiB, bytes. */
  static final long GIB = 1L << 30;

  private LargeOutputScenario() {}

  /**
   * Runs the scenario once.
   *
   * @param name row name, e.g. {@code d-1GiB}
   * @param bytes output size, bytes (the downloader's cap is 2 GiB = 2,147,483,648 inclusive)
   * @param work scratch folder; {@code work/<name>} is used and emptied afterwards
   * @param curlTarget where curl writes (deleted afterwards)
   * @return the row: wall = the pipeline batch (broker start-up excluded), s; the note holds both
   *     MiB/s, their ratio and the heap growth
   * @throws IOException if the scratch folder cannot be written
   * @throws InterruptedException if interrupted while curl runs
   */
  static BenchResult run(String name, long bytes, Path work, Path curlTarget) throws IOException, InterruptedException {
    Path dir = Files.createDirectories(work.resolve(name));
    EmulatorConfig ec = EmulatorConfig.defaults(dir.resolve("emulator"), Scenarios.TOKEN).withLatency(new LatencyModel.Fixed(0))
        .withRenderOutputs(false).withFetchInputs(false).withBlobOutputBytes(bytes);
    System.gc();
    try (RunComfyEmulator emu = RunComfyEmulator.start(ec, ModelCatalog.builtIn())) {
      ResourceMeter meter = new ResourceMeter();
      meter.start();
      BatchRun.Result r;
      HeapWindow heap = new HeapWindow(() -> emu.stats().downloads() > 0, 10);
      try (heap) {
        r = Scenarios.runBatch(emu, name, 1, dir, true, PollSchedule.defaults(), FlowControl.Settings.fixed(10, 10));
      }
      double wall = r.summary().wall().toNanos() / 1e9;
      Instant done = doneAt(r);
      double pipeS = heap.openedAt() == null || done == null ? 0 : Duration.between(heap.openedAt(), done).toNanos() / 1e9;
      double pipeMibS = pipeS <= 0 ? 0 : bytes / (1024.0 * 1024.0) / pipeS;
      deleteTree(dir.resolve("out"));
      String curl = curl(emu.port(), bytes, curlTarget, pipeMibS);
      return new BenchResult(name, 1, wall, 0, (double) emu.stats().statusCalls(), 0, 0, 0, 0, meter.peakHeapMb(), meter.cpuSeconds(),
          String.format("one %,d-byte output; %s; pipeline download %.2f s = %.0f MiB/s (download start to done event, fsync included); %s; "
              + "peak heap growth during the pipeline download %.1f MB", bytes, Scenarios.fate(r), pipeS, pipeMibS, curl, heap.growthMb()));
    }
  }

  /** Fetches a same-size blob with curl, timed; returns the note part ("curl ... MiB/s, ratio ..."). */
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
    Files.deleteIfExists(target);
    if (code != 0 || got != bytes) {
      return "curl failed (exit " + code + ", " + got + " bytes)";
    }
    double mibS = bytes / (1024.0 * 1024.0) / s;
    return String.format("curl %.2f s = %.0f MiB/s; pipeline ÷ curl = %.2f", s, mibS, pipeMibS / mibS);
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
