package dev.editstream.bench;

import dev.editstream.app.Storage;
import dev.editstream.locals3.LocalS3;
import dev.editstream.router.InputStager;
import dev.editstream.storage.ObjectStoreUri;
import dev.editstream.storage.S3Settings;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Scenario (s), issue 16: {@code --stage-to} for a 200-image batch in which 20 images repeat
 * earlier ones, through the router's own stager ({@link Storage#stager}: the local-input gate,
 * content hashing, a HEAD per input, the upload, the pre-signed URL) against S3Proxy on loopback,
 * 16 jobs at a time on bounded-elastic threads as the router prepares jobs with local files. Each
 * image is a real PNG of the samples plus 2 MiB of distinct trailing bytes (its content, and so its
 * key, is its own). Reports the objects uploaded (must be 180), wall time and the used-heap growth
 * over a GC'd baseline (sampled every 20 ms: an upper bound that counts garbage).
 */
public final class StagingScenario {
  static final int IMAGES = 200;
  static final int DUPLICATES = 20;
  static final int TAIL_BYTES = 2 << 20;

  private StagingScenario() {}

  /**
   * Runs the scenario.
   *
   * @param work a scratch folder
   * @return the row: jobs = images, note = uploads, skips and heap growth
   */
  public static BenchResult run(Path work) throws Exception {
    Path dir =
        Files.createDirectories(
            work.toAbsolutePath().normalize().resolve("staging-" + System.nanoTime()));
    Path sample = findSample();
    List<Path> files = new ArrayList<>();
    SplittableRandom rnd = new SplittableRandom(16);
    byte[] base = Files.readAllBytes(sample);
    for (int i = 0; i < IMAGES - DUPLICATES; i++) {
      Path f = dir.resolve("in").resolve(String.format("img-%03d.png", i));
      Files.createDirectories(f.getParent());
      try (OutputStream o = Files.newOutputStream(f)) {
        o.write(base);
        byte[] tail = new byte[64 * 1024];
        for (int w = 0; w < TAIL_BYTES; w += tail.length) {
          rnd.nextBytes(tail);
          o.write(tail);
        }
      }
      files.add(f);
    }
    for (int i = 0; i < DUPLICATES; i++) {
      files.add(files.get(i * 7 % (IMAGES - DUPLICATES)));
    }
    try (LocalS3 s3 = LocalS3.start(dir.resolve("s3"), "bench-staging");
        Storage storage =
            Storage.open(
                S3Settings.of(
                        ObjectStoreUri.parse("--stage-to", "s3://bench-staging/inputs"),
                        "--stage-to")
                    .withEndpoint(s3.endpoint(), true)
                    .withStaticCredentials(s3.accessKey(), s3.secret()),
                null,
                Duration.ofMinutes(30),
                true)) {
      InputStager stager = storage.stager(List.of(dir.resolve("in")));
      MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
      System.gc();
      long baseline = memory.getHeapMemoryUsage().getUsed();
      AtomicLong peak = new AtomicLong(baseline);
      Thread sampler =
          new Thread(
              () -> {
                while (!Thread.currentThread().isInterrupted()) {
                  peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                  try {
                    Thread.sleep(20);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "staging-heap-sampler");
      sampler.setDaemon(true);
      sampler.start();
      ResourceMeter meter = new ResourceMeter();
      meter.start();
      long t0 = System.nanoTime();
      List<String> urls =
          Flux.range(0, files.size())
              .flatMapSequential(
                  i ->
                      Mono.fromCallable(
                              () -> stager.url("job-" + i, "images[0]", files.get(i).toString()))
                          .subscribeOn(Schedulers.boundedElastic()),
                  16)
              .collectList()
              .block(Duration.ofMinutes(20));
      double wall = (System.nanoTime() - t0) / 1e9;
      double cpu = meter.cpuSeconds();
      sampler.interrupt();
      sampler.join();
      if (urls == null || urls.size() != IMAGES) {
        throw new IllegalStateException(
            "staging ended with " + (urls == null ? 0 : urls.size()) + " of " + IMAGES + " URLs");
      }
      double growthMb = (peak.get() - baseline) / 1048576.0;
      String note =
          String.format(
              "%d images (%d repeated, %.1f MiB each): %d uploaded; %s; used-heap growth %.0f MB of a %d MB heap (-Xmx)",
              IMAGES,
              DUPLICATES,
              (base.length + TAIL_BYTES) / 1048576.0,
              storage.uploaded(),
              storage.describe(),
              growthMb,
              Runtime.getRuntime().maxMemory() >> 20);
      return new BenchResult("s", IMAGES, wall, 0, 0, 0, 0, 0, 0, growthMb, cpu, note);
    } finally {
      Trees.delete(dir);
    }
  }

  private static Path findSample() throws IOException {
    Path d = Path.of("").toAbsolutePath();
    while (d != null && !Files.isDirectory(d.resolve("examples").resolve("a_products"))) {
      d = d.getParent();
    }
    if (d == null) {
      throw new IOException("examples/a_products not found (run from the project folder)");
    }
    return d.resolve("examples").resolve("a_products").resolve("a01_water_bottle_cutout.png");
  }
}
