package dev.editstream.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import javax.imageio.ImageIO;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Produces a completed job's output files and its {@code output} object: fetches the inputs named
 * by the model's schema ({@link EmulatorModel#imageFields()}, {@link EmulatorModel#maskField()},
 * {@link EmulatorModel#videoField()}: the fields whose {@code format} is {@code image_uri(s)} or
 * {@code video_uri(s)}), derives real PNGs ({@link ImageEffects}) or an MP4 ({@link VideoRenderer})
 * into {@code outputDir/<request_id>/}, and answers {@code {"images": [url, ...]}} or, for a model
 * with a video category ({@link EmulatorModel#producesVideo()}), {@code {"video": url}} (the shapes
 * RunComfy's own clients read). Fetching is non-blocking; decoding, pixel work and file writes run
 * on {@link Schedulers#boundedElastic()}.
 *
 * <p>Two load-test modes skip the work: with a blob size ({@link EmulatorConfig#blobOutputBytes()})
 * the output is one signed blob URL; without rendering ({@link EmulatorConfig#renderOutputs()}
 * false) the output names as many files as rendering would, served from {@link SharedOutputs}. Both
 * answer at once, without fetching inputs. Every URL is signed ({@link Links}).
 */
final class OutputRenderer implements AutoCloseable {
  /** How long {@link #close()} waits for file writes in progress, ms. */
  static final long CLOSE_WAIT_MS = 10_000;

  /** Size of synthetic inputs used when inputs are not fetched, px. */
  static final int SYNTHETIC_WIDTH = 512;

  static final int SYNTHETIC_HEIGHT = 384;

  private final EmulatorCatalog catalog;
  private final InputFetcher fetcher;
  private final Path outputDir;
  private final Links links;
  private final boolean fetchInputs;
  private final boolean render;
  private final long blobBytes;

  /**
   * Writers hold the read lock; {@link #close()} takes the write lock, so no file is written after
   * it.
   */
  private final ReentrantReadWriteLock writes = new ReentrantReadWriteLock();

  private boolean closed;

  /**
   * @param links makes the signed download URLs
   * @param config {@code fetchInputs}, {@code renderOutputs} and {@code blobOutputBytes} are read
   */
  OutputRenderer(
      EmulatorCatalog catalog,
      InputFetcher fetcher,
      Path outputDir,
      Links links,
      EmulatorConfig config) {
    this.catalog = catalog;
    this.fetcher = fetcher;
    this.outputDir = outputDir;
    this.links = links;
    this.fetchInputs = config.fetchInputs();
    this.render = config.renderOutputs();
    this.blobBytes = config.blobOutputBytes();
  }

  /**
   * Renders a job's outputs.
   *
   * @return the {@code output} object; errors with {@link JobFailedException} when an input cannot
   *     be fetched or decoded, {@link UncheckedIOException} when a file cannot be written
   */
  Mono<JsonNode> render(JobBook.Entry job) {
    EmulatorModel spec =
        catalog
            .find(job.modelId())
            .orElseThrow(
                () ->
                    new IllegalStateException("model vanished from the catalog: " + job.modelId()));
    if (blobBytes > 0) {
      return Mono.just(output(spec, List.of(links.blob(blobBytes, "output.bin"))));
    }
    if (!render) {
      return Mono.just(shared(job, spec));
    }
    return spec.producesVideo() ? video(job, spec) : images(job, spec);
  }

  /** The output naming shared files: one video, or as many images as rendering would make. */
  private JsonNode shared(JobBook.Entry job, EmulatorModel spec) {
    if (spec.producesVideo()) {
      return output(spec, List.of(links.file(job.requestId(), "output.mp4")));
    }
    ImageEffects.Effect effect = ImageEffects.Effect.forModel(job.modelId());
    int count =
        effect == ImageEffects.Effect.SEPIA
            ? Math.max(1, imageUrls(job, spec).size())
            : effect == ImageEffects.Effect.WARM_BORDER
                ? Math.max(1, body(job).path("number_of_images").asInt(1))
                : 1;
    List<String> urls = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      urls.add(links.file(job.requestId(), "output-" + i + ".png"));
    }
    return output(spec, urls);
  }

  private static JsonNode output(EmulatorModel spec, List<String> urls) {
    ObjectNode output = JsonNodeFactory.instance.objectNode();
    if (spec.producesVideo()) {
      output.put("video", urls.get(0));
    } else {
      ArrayNode images = output.putArray("images");
      urls.forEach(images::add);
    }
    return output;
  }

  private Mono<JsonNode> images(JobBook.Entry job, EmulatorModel spec) {
    ImageEffects.Effect effect = ImageEffects.Effect.forModel(job.modelId());
    List<String> urls = imageUrls(job, spec);
    List<String> wanted =
        effect == ImageEffects.Effect.SEPIA ? urls : urls.subList(0, Math.min(1, urls.size()));
    String maskUrl =
        spec.maskField() == null ? null : body(job).path(spec.maskField()).asText(null);
    Mono<List<byte[]>> inputs =
        fetchInputs
            ? Flux.fromIterable(wanted).concatMap(fetcher::fetch).collectList()
            : Mono.just(List.of());
    Mono<Optional<byte[]>> mask =
        fetchInputs && maskUrl != null
            ? fetcher.fetch(maskUrl).map(Optional::of)
            : Mono.just(Optional.empty());
    return Mono.zip(inputs, mask)
        .publishOn(Schedulers.boundedElastic())
        .map(t -> writing(() -> writeImages(job, spec, effect, t.getT1(), t.getT2().orElse(null))));
  }

  private JsonNode writeImages(
      JobBook.Entry job,
      EmulatorModel spec,
      ImageEffects.Effect effect,
      List<byte[]> inputs,
      byte @Nullable [] maskBytes) {
    List<BufferedImage> pictures = new ArrayList<>();
    for (byte[] b : inputs) {
      pictures.add(decode(b, "input image could not be decoded"));
    }
    if (pictures.isEmpty()) {
      pictures.add(synthetic());
    }
    BufferedImage mask =
        maskBytes == null ? null : decode(maskBytes, "mask image could not be decoded");
    String prompt =
        spec.promptField() == null ? null : body(job).path(spec.promptField()).asText(null);
    int variants =
        effect == ImageEffects.Effect.WARM_BORDER
            ? Math.max(1, body(job).path("number_of_images").asInt(1))
            : 1;
    ArrayNode urls = JsonNodeFactory.instance.arrayNode();
    Path dir = jobDir(job.requestId());
    int n = 0;
    for (BufferedImage picture :
        effect == ImageEffects.Effect.SEPIA ? pictures : pictures.subList(0, 1)) {
      for (int v = 0; v < variants; v++) {
        BufferedImage out = ImageEffects.apply(effect, picture, mask, prompt, job.modelId(), v);
        String name = "output-" + ++n + ".png";
        try {
          if (!ImageIO.write(out, "png", dir.resolve(name).toFile())) {
            throw new IOException("no PNG writer in this JVM");
          }
        } catch (IOException e) {
          throw new UncheckedIOException("cannot write " + name, e);
        }
        urls.add(links.file(job.requestId(), name));
      }
    }
    ObjectNode output = JsonNodeFactory.instance.objectNode();
    output.set("images", urls);
    return output;
  }

  private Mono<JsonNode> video(JobBook.Entry job, EmulatorModel spec) {
    String url = spec.videoField() == null ? null : body(job).path(spec.videoField()).asText(null);
    Mono<Optional<byte[]>> input =
        fetchInputs && url != null
            ? fetcher.fetch(url).map(Optional::of)
            : Mono.just(Optional.empty());
    return input
        .publishOn(Schedulers.boundedElastic())
        .map(
            bytes ->
                writing(
                    () -> {
                      String name = "output.mp4";
                      try {
                        VideoRenderer.render(
                            bytes.orElse(null),
                            job.modelId(),
                            jobDir(job.requestId()).resolve(name));
                      } catch (IOException e) {
                        throw new UncheckedIOException("cannot write " + name, e);
                      }
                      ObjectNode output = JsonNodeFactory.instance.objectNode();
                      output.put("video", links.file(job.requestId(), name));
                      return output;
                    }));
  }

  private Path jobDir(String requestId) {
    try {
      return Files.createDirectories(outputDir.resolve(requestId));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the output directory of " + requestId, e);
    }
  }

  private static BufferedImage decode(byte[] bytes, String failure) {
    try {
      BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes));
      if (img == null || img.getWidth() < 1 || img.getHeight() < 1) {
        throw new JobFailedException(failure);
      }
      return img;
    } catch (IOException | RuntimeException e) {
      if (e instanceof JobFailedException failed) {
        throw failed;
      }
      throw new JobFailedException(failure);
    }
  }

  /** A gradient picture standing in for an input that is not fetched. */
  static BufferedImage synthetic() {
    BufferedImage img =
        new BufferedImage(SYNTHETIC_WIDTH, SYNTHETIC_HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setPaint(
          new GradientPaint(
              0,
              0,
              new Color(70, 130, 180),
              SYNTHETIC_WIDTH,
              SYNTHETIC_HEIGHT,
              new Color(240, 240, 200)));
      g.fillRect(0, 0, SYNTHETIC_WIDTH, SYNTHETIC_HEIGHT);
    } finally {
      g.dispose();
    }
    return img;
  }

  /** The submitted body of a job being rendered (it is dropped only once the job is terminal). */
  private static JsonNode body(JobBook.Entry job) {
    return Objects.requireNonNull(job.body(), "body");
  }

  /** The URLs of every input image field of the body (masks excluded), in schema order. */
  private static List<String> imageUrls(JobBook.Entry job, EmulatorModel spec) {
    List<String> out = new ArrayList<>();
    for (String field : spec.imageFields()) {
      out.addAll(strings(body(job).get(field)));
    }
    return out;
  }

  private static List<String> strings(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node == null || node.isNull()) {
      return out;
    }
    if (node.isArray()) {
      node.forEach(n -> out.add(n.asText()));
    } else {
      out.add(node.asText());
    }
    return out;
  }

  /**
   * Runs one job's file writes, unless the renderer is closed.
   *
   * @throws JobFailedException "emulator stopped" after {@link #close()}
   */
  private <T> T writing(Supplier<T> work) {
    writes.readLock().lock();
    try {
      if (closed) {
        throw new JobFailedException("emulator stopped");
      }
      return work.get();
    } finally {
      writes.readLock().unlock();
    }
  }

  /**
   * Waits up to {@link #CLOSE_WAIT_MS} for writes in progress, then refuses new ones: once this
   * returns, nothing more is written under the output folder (a caller may delete it).
   */
  @Override
  public void close() {
    boolean locked = false;
    try {
      locked = writes.writeLock().tryLock(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closed = true;
    if (locked) {
      writes.writeLock().unlock();
    }
  }
}
