package dev.editstream.downloader;

import dev.editstream.core.Redact;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.OutputFile;
import dev.editstream.core.event.Topics;
import dev.editstream.pipeline.metrics.PipelineMetrics;
import dev.editstream.pipeline.stage.Outcome;
import dev.editstream.pipeline.stage.StageHandler;
import dev.editstream.runcomfy.DownloadPolicy;
import dev.editstream.runcomfy.DownloadedFile;
import dev.editstream.runcomfy.FileIo;
import dev.editstream.runcomfy.OutputDownloader;
import dev.editstream.runcomfy.OutputUrls;
import dev.editstream.runcomfy.RunComfyClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The downloader-worker's logic for one {@code completed} job: take its output URLs from the event
 * when they are whole ({@link #whole}: unsigned, as RunComfy's documented results are), else read
 * the result again ({@code GET .../result}: events keep output URLs without their query strings,
 * since signed ones expire and must never be published; nothing passes from the poller in memory,
 * so the downloader behaves the same in the poller's process or another), fetch every allowed
 * output URL into a staging folder ({@code <out>/.staging/<job id>-<uuid>/}, each file streamed to
 * a temp name, checked and renamed by {@link OutputDownloader}), then move the folder atomically to
 * {@code <out>/<job id>/}, append the job to {@code manifest.jsonl} and publish {@code done}. Only
 * a folder editstream made for the same job is ever replaced ({@link OutputFolder}): a job whose id
 * names editstream's own files, or whose folder exists without editstream's marker of that job,
 * fails with class 65 {@code output_conflict} before anything is downloaded (a dangling link at the
 * job's name: when the folder is moved, after the download), and nothing is deleted. Partial
 * downloads are never visible under the final folder. URLs the {@link DownloadPolicy} refuses are
 * logged and skipped, as RunComfy's CLI does; a job with no allowed output fails with class 65.
 * Each committed file is recorded in the {@link PipelineMetrics} (bytes, streaming and commit
 * time).
 */
public final class DownloaderHandler implements StageHandler {
  private static final Logger log = LoggerFactory.getLogger(DownloaderHandler.class);

  private final @Nullable RunComfyClient client;
  private final OutputDownloader downloader;
  private final DownloadPolicy policy;
  private final Path outDir;
  private final Manifest manifest;
  private final Topics topics;
  private final Clock clock;
  private final int parallelPerJob;
  private final PipelineMetrics metrics;

  private DownloaderHandler(Builder b) {
    this.metrics = java.util.Objects.requireNonNull(b.metrics, "metrics");
    this.client = b.client;
    this.downloader = java.util.Objects.requireNonNull(b.downloader, "downloader");
    this.policy = java.util.Objects.requireNonNull(b.policy, "policy");
    this.outDir = java.util.Objects.requireNonNull(b.outDir, "outDir").toAbsolutePath().normalize();
    this.manifest = b.manifest == null ? new Manifest(this.outDir) : b.manifest;
    this.topics = java.util.Objects.requireNonNull(b.topics, "topics");
    this.clock = b.clock;
    this.parallelPerJob = Math.max(1, b.parallelPerJob);
    this.results = b.results;
    this.jobDeadline = b.jobDeadline;
  }

  /** A builder naming every part of the handler. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The parts of a {@link DownloaderHandler}. Required: {@link #downloader}, {@link #policy},
   * {@link #outDir}, {@link #topics}, {@link #metrics}, and the client to handle jobs. Defaults: a
   * manifest in {@code outDir}, UTC system time, one download per job at once, no results store, no
   * job deadline.
   */
  public static final class Builder {
    private @Nullable RunComfyClient client;
    private @Nullable OutputDownloader downloader;
    private @Nullable DownloadPolicy policy;
    private @Nullable Path outDir;
    private @Nullable Manifest manifest;
    private @Nullable Topics topics;
    private Clock clock = Clock.systemUTC();
    private int parallelPerJob = 1;
    private @Nullable PipelineMetrics metrics;
    private @Nullable ResultsStore results;
    private java.time.@Nullable Duration jobDeadline;

    private Builder() {}

    /** Fetches the result again for the full output URLs ({@code GET .../result}). */
    public Builder client(RunComfyClient c) {
      this.client = c;
      return this;
    }

    /** Downloads the outputs. */
    public Builder downloader(OutputDownloader d) {
      this.downloader = d;
      return this;
    }

    /** Which output URLs may be downloaded. */
    public Builder policy(DownloadPolicy p) {
      this.policy = p;
      return this;
    }

    /** The output folder ({@code --out}). */
    public Builder outDir(Path dir) {
      this.outDir = dir;
      return this;
    }

    /** The manifest of finished jobs (default: the one in {@code outDir}). */
    public Builder manifest(Manifest m) {
      this.manifest = m;
      return this;
    }

    /** The topic names. */
    public Builder topics(Topics t) {
      this.topics = t;
      return this;
    }

    /** The time source of event times. */
    public Builder clock(Clock c) {
      this.clock = java.util.Objects.requireNonNull(c, "clock");
      return this;
    }

    /** Downloads of one job at once, &gt;= 1 (smaller values count as 1). */
    public Builder parallelPerJob(int n) {
      this.parallelPerJob = n;
      return this;
    }

    /** Where each committed file's size and timings go. */
    public Builder metrics(PipelineMetrics m) {
      this.metrics = m;
      return this;
    }

    /**
     * Also stores every finished output in {@code store} ({@code --results-to}); the {@code done}
     * event and the manifest then carry each file's object URI. {@code null} for none.
     */
    public Builder results(@Nullable ResultsStore store) {
      this.results = store;
      return this;
    }

    /**
     * Bounds each download by the job's deadline as well, measured as the poller does: from the
     * submission ({@code submission.submitted_at}, else the job's {@code created_at}) plus {@code
     * deadline}. A download the job's deadline stops fails with class 1 {@code download_deadline},
     * not retried. Without this only the downloader's own whole-download limit applies.
     *
     * @param deadline the job deadline ({@code --job-deadline-s}), positive, or {@code null} for
     *     none
     */
    public Builder jobDeadline(java.time.@Nullable Duration deadline) {
      this.jobDeadline = deadline;
      return this;
    }

    /**
     * The handler.
     *
     * @throws NullPointerException naming a required part that was not set
     */
    public DownloaderHandler build() {
      return new DownloaderHandler(this);
    }
  }

  @Override
  public Mono<Outcome> handle(JobEvent event) {
    if (event.submission() == null || event.submission().requestId() == null) {
      return Mono.just(
          new Outcome.Fail(
              ExitClass.DATA,
              FailureReason.NO_REQUEST_ID,
              "completed event carries no request_id"));
    }
    List<String> known = event.outputs();
    if (known != null && whole(known)) {
      // RunComfy's own URLs, unsigned (its documented results are public storage URLs): the
      // event holds them exactly as the result gave them, so reading the result again would
      // only repeat them (one API call per job less)
      return download(event, known);
    }
    // a split batch has several requests: their outputs, in request order
    return Flux.fromIterable(event.requests())
        .concatMap(sub -> outputUrls(sub.requestId()))
        .concatMapIterable(urls -> urls)
        .collectList()
        .flatMap(urls -> download(event, urls));
  }

  /**
   * Whether a {@code completed} event's output URLs are RunComfy's exactly: at least one, and none
   * has a query string or fragment. The poller keeps each URL without its query string and fragment
   * ({@link dev.editstream.core.Redact#url}: signed URLs lose their signatures), so an event URL
   * with neither had none to lose, and one with {@code ?<redacted>} lost them. Pure.
   *
   * @param outputs the event's {@code outputs}, or {@code null}
   */
  static boolean whole(@Nullable List<String> outputs) {
    if (outputs == null || outputs.isEmpty()) {
      return false;
    }
    for (String u : outputs) {
      if (u == null || u.indexOf('?') >= 0 || u.indexOf('#') >= 0) {
        return false;
      }
    }
    return true;
  }

  /** The request's full (possibly signed) output URLs, read from its result. */
  private Mono<List<String>> outputUrls(String requestId) {
    if (client == null) {
      return Mono.error(
          new IllegalStateException(
              "request " + requestId + ": no RunComfy client to read its result from"));
    }
    return client.result(requestId).map(r -> OutputUrls.collect(r.output()));
  }

  /** Downloads {@code urls} (the full, possibly signed output URLs of the job's result). */
  private Mono<Outcome> download(JobEvent event, List<String> urls) {
    // one parser for check and use: the downloader is handed the very URI the policy checked
    List<URI> allowed = new ArrayList<>();
    for (String u : urls) {
      var checked = policy.check(u);
      if (checked.refusal() != null) {
        log.warn("job {}: output {} skipped: {}", event.jobId(), Redact.url(u), checked.refusal());
      } else {
        allowed.add(checked.uri());
      }
    }
    if (allowed.isEmpty()) {
      return Mono.just(
          new Outcome.Fail(
              ExitClass.DATA,
              FailureReason.NO_ALLOWED_OUTPUTS,
              "none of the " + urls.size() + " output URLs is on an allowed host"));
    }
    Path finalDir;
    try {
      finalDir = OutputFolder.jobFolder(outDir, event.jobId());
      OutputFolder.precheck(finalDir, event.jobId());
    } catch (StageException e) {
      return Mono.error(e);
    }
    Path staging =
        outDir.resolve(OutputFolder.STAGING).resolve(event.jobId() + "-" + UUID.randomUUID());
    // the staging folder is created by the first download into it; the move follows the last
    // commit on its file-work thread (no further hop); the manifest's group commit holds no thread
    // while this job's line waits for its batch. appendAsync is subscribed on that same file-work
    // thread, so when this job's append leads a batch, its blocking write stays off the event
    // loops.
    return Flux.fromIterable(allowed)
        .flatMapSequential(
            u -> downloader.download(u, staging, null, jobDeadlineOf(event)), parallelPerJob)
        .collectList()
        .flatMap(
            files ->
                FileIo.call(
                    () -> {
                      List<OutputFile> out = new ArrayList<>();
                      for (DownloadedFile f : files) {
                        metrics.downloaded(
                            f.bytes(), f.streaming(), f.commit(), f.backgroundSyncs());
                        out.add(
                            new OutputFile(
                                event.jobId() + "/" + f.path().getFileName(),
                                f.bytes(),
                                f.sha256(),
                                f.contentType(),
                                f.sourceUrl()));
                      }
                      OutputFolder.promote(
                          staging,
                          finalDir,
                          event.jobId(),
                          dir -> deleteQuietly(event.jobId(), dir));
                      return out;
                    }))
        .flatMap(
            out ->
                store(out)
                    .onErrorMap(
                        StageException.class,
                        e ->
                            e.withMessage(
                                e.getMessage()
                                    + "; the job's outputs stay on disk in "
                                    + event.jobId()
                                    + "/ under --out")))
        .map(
            out -> {
              if (event.remote() != null && event.remote().costUsd() != null) {
                metrics.cost(
                    event.route() == null ? null : event.route().modelId(),
                    event.remote().costUsd());
              }
              return event.done(out, clock.instant());
            })
        .flatMap(
            done ->
                Mono.fromFuture(() -> manifest.appendAsync(done), true)
                    .thenReturn(Outcome.publish(topics.done(), done)))
        .onErrorMap(
            UncheckedIOException.class,
            e ->
                new StageException(
                    ExitClass.TEMPFAIL,
                    FailureReason.DISK,
                    "job "
                        + event.jobId()
                        + ": cannot store outputs: "
                        // an UncheckedIOException always has its cause
                        + Objects.requireNonNull(e.getCause(), "cause").getMessage()))
        // the clean-up is file work too: never on the event loop a failed download ends on
        .onErrorResume(
            e -> FileIo.run(() -> deleteQuietly(event.jobId(), staging)).then(Mono.error(e)));
  }

  /**
   * Copies the committed outputs to the results store, if one is set, one after the other; each
   * file then carries its object URI. Without {@link ResultsStore#keepLocal()} the local copies are
   * deleted once every file of the job is stored (the job's folder stays, with editstream's
   * marker).
   */
  private Mono<List<OutputFile>> store(List<OutputFile> out) {
    if (results == null) {
      return Mono.just(out);
    }
    return Flux.fromIterable(out)
        .concatMap(
            f ->
                results
                    .put(outDir.resolve(f.path()), f.path(), f.sha256(), f.contentType())
                    .map(f::withObjectUri))
        .collectList()
        .flatMap(
            stored ->
                results.keepLocal()
                    ? Mono.just(stored)
                    : FileIo.call(
                        () -> {
                          for (OutputFile f : stored) {
                            Files.deleteIfExists(outDir.resolve(f.path()));
                          }
                          return stored;
                        }));
  }

  private final @Nullable ResultsStore results;

  /**
   * Deletes a job's staging folder; a folder that cannot be deleted is logged at warn with the job
   * id (partial downloads left on disk take space until an operator removes them), never thrown.
   */
  private static void deleteQuietly(String jobId, Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    long left;
    try (Stream<Path> s = Files.walk(dir)) {
      left = s.sorted(Comparator.reverseOrder()).filter(p -> !p.toFile().delete()).count();
    } catch (IOException | UncheckedIOException e) {
      log.warn("job {}: could not delete its staging folder {}: {}", jobId, dir, e.toString());
      return;
    }
    if (left > 0) {
      log.warn(
          "job {}: {} entries of its staging folder {} could not be deleted", jobId, left, dir);
    }
  }

  private final java.time.@Nullable Duration jobDeadline;

  /** When {@code event}'s job must be over, or {@code null} when no job deadline is set. */
  private java.time.@Nullable Instant jobDeadlineOf(JobEvent event) {
    java.time.Duration d = jobDeadline;
    if (d == null) {
      return null;
    }
    java.time.Instant from =
        event.submission() != null && event.submission().submittedAt() != null
            ? event.submission().submittedAt()
            : event.createdAt();
    return from == null ? null : from.plus(d);
  }
}
