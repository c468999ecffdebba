package dev.editstream.producer;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.event.Failure;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.RecordLimits;
import dev.editstream.core.event.Stage;
import dev.editstream.core.event.Topics;
import dev.editstream.core.job.Job;
import dev.editstream.core.job.LineError;
import dev.editstream.pipeline.kafka.EventPublisher;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a job file: each valid job as a {@code requested} event on the requests topic (keyed by
 * id); each refused line as a {@code failed} event (stage producer) on the failure topic, so every
 * line of the file has a recorded fate. A refused line is keyed by its id; lines whose id could not
 * be read are keyed {@code <file>.line-<n>}, and a duplicate id {@code <id>.line-<n>}, so no two
 * lines ever share a fate.
 *
 * <p>Size: a job whose {@code requested} event would break the {@link RecordLimits} of the
 * publisher (over {@link RecordLimits#maxRecordBytes()}) is refused here, before anything is paid
 * for: its line gets a {@link LineError} of class 65 naming the size and the limit ({@code
 * record_too_large}), published as a {@code failed} event whose job is clipped to fit; the other
 * lines go on.
 */
public final class JobProducer {
  private static final Logger log = LoggerFactory.getLogger(JobProducer.class);

  private final EventPublisher publisher;
  private final Topics topics;
  private final Clock clock;

  /**
   * @param publisher the Kafka publisher (idempotent, acks=all)
   * @param topics topic names; valid jobs go to {@code requested}, refused lines to {@code failed}
   * @param clock the time stamped on the events
   */
  public JobProducer(EventPublisher publisher, Topics topics, Clock clock) {
    this.publisher = publisher;
    this.topics = topics;
    this.clock = clock;
  }

  /**
   * What was published.
   *
   * @param lines non-blank lines read
   * @param jobs the valid jobs of the file, in file order (published or, when the {@link Admission}
   *     said so, left as they are)
   * @param errors the refused lines, each published to the failure topic under {@link
   *     #failedJobId(Path, LineError)}
   * @param published how many of {@code jobs} were published to the requests topic
   */
  public record Report(int lines, List<Job> jobs, List<LineError> errors, int published) {
    /** A report where every valid job was published. */
    public Report(int lines, List<Job> jobs, List<LineError> errors) {
      this(lines, jobs, errors, jobs.size());
    }
  }

  /**
   * Decides, per valid job of the file, whether it is published and for which run: a resumed batch
   * publishes only the jobs its earlier runs never published, and an explicit re-run with the
   * previous run's count + 1.
   */
  @FunctionalInterface
  public interface Admission {
    /** Every job is published for its first run (replays 0). */
    Admission ALL = job -> java.util.OptionalInt.of(0);

    /**
     * @return the {@code replays} count to publish the job with, or empty to leave it unpublished
     */
    java.util.OptionalInt replaysFor(Job job);
  }

  /**
   * Reads, validates and publishes the file; returns when every record is acknowledged by the
   * broker (acks=all).
   *
   * @throws IOException if the file cannot be read
   * @throws IllegalStateException if the broker does not acknowledge within 2 minutes
   */
  public Report publish(Path file) throws IOException {
    return publish(file, List.of());
  }

  /**
   * Reads, validates and publishes the file, accepting local inputs inside its folder or one of
   * {@code extraAllowedRoots}; returns when every record is acknowledged by the broker (acks=all).
   *
   * @param file the job file
   * @param extraAllowedRoots folders besides the job file's own that local inputs may lie in
   * @throws IOException if the file cannot be read
   * @throws IllegalStateException if the broker does not acknowledge within 2 minutes
   */
  public Report publish(Path file, List<Path> extraAllowedRoots) throws IOException {
    return publish(file, extraAllowedRoots, Admission.ALL);
  }

  /**
   * As {@link #publish(Path, List)}, publishing a valid job only when {@code admission} gives it a
   * run count (refused lines are always published to the failure topic).
   *
   * @throws IOException if the file cannot be read
   * @throws IllegalStateException if the broker does not acknowledge within 2 minutes
   */
  public Report publish(Path file, List<Path> extraAllowedRoots, Admission admission)
      throws IOException {
    int[] published = new int[1];
    List<Job> jobs = new ArrayList<>();
    List<LineError> errors = new ArrayList<>();
    List<CompletableFuture<?>> pending = new ArrayList<>();
    RecordLimits limits = publisher.limits();
    int lines =
        JobFileReader.readNumbered(
            file,
            extraAllowedRoots,
            (job, line) -> {
              java.util.OptionalInt run = admission.replaysFor(job);
              if (run.isEmpty()) {
                jobs.add(job);
                return;
              }
              JobEvent requested = JobEvent.requested(job, clock.instant(), run.getAsInt());
              int size = RecordLimits.encode(requested).length;
              java.util.Optional<String> tooLarge = limits.violation(requested, size);
              if (tooLarge.isPresent()) {
                LineError err =
                    new LineError(
                        line,
                        job.id(),
                        "$",
                        "the job's requested event "
                            + tooLarge.get()
                            + " ("
                            + RecordLimits.REASON
                            + ")",
                        65);
                errors.add(err);
                log.warn("{}: {}", file.getFileName(), err.describe());
                Failure f =
                    new Failure(
                        ExitClass.DATA,
                        RecordLimits.REASON,
                        file.getFileName() + " " + err.describe(),
                        Stage.PRODUCER,
                        1);
                pending.add(
                    publisher
                        .publish(
                            topics.failed(), limits.shrink(requested.failed(f, clock.instant())))
                        .toFuture());
                drainIfFull(pending);
                return;
              }
              jobs.add(job);
              published[0]++;
              pending.add(publisher.publish(topics.requested(), requested).toFuture());
              drainIfFull(pending);
            },
            err -> {
              errors.add(err);
              log.info("{}: {}", file.getFileName(), err.describe());
              pending.add(
                  publisher
                      .publish(topics.failed(), limits.shrink(failedLine(file, err)))
                      .toFuture());
              drainIfFull(pending);
            });
    await(pending);
    log.info(
        "{}: {} lines, {} jobs published to {}, {} refused",
        file.getFileName(),
        lines,
        published[0],
        topics.requested(),
        errors.size());
    return new Report(lines, jobs, errors, published[0]);
  }

  /** The job id a refused line is recorded under. */
  public static String failedJobId(Path file, LineError err) {
    if (err.jobId() != null && err.field().equals("id")) {
      return err.jobId() + ".line-" + err.line();
    }
    if (err.jobId() != null) {
      return err.jobId();
    }
    String stem = file.getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "_");
    return stem + ".line-" + err.line();
  }

  private JobEvent failedLine(Path file, LineError err) {
    Job placeholder =
        new Job(failedJobId(file, err), "", List.of(), null, null, null, Map.of(), null);
    Failure f =
        new Failure(
            ExitClass.ofCode(err.exitClass()),
            FailureReason.INVALID_LINE,
            dev.editstream.core.Redact.text(file.getFileName() + " " + err.describe()),
            Stage.PRODUCER,
            1);
    return JobEvent.requested(placeholder, clock.instant()).failed(f, clock.instant());
  }

  private static void drainIfFull(List<CompletableFuture<?>> pending) {
    if (pending.size() >= 1024) {
      await(pending);
    }
  }

  private static void await(List<CompletableFuture<?>> pending) {
    try {
      CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
          .get(Duration.ofMinutes(2).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("the broker did not acknowledge the published jobs: " + e, e);
    }
    pending.clear();
  }
}
