package dev.editstream.app;

import dev.editstream.core.Redact;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import dev.editstream.downloader.ResultsStore;
import dev.editstream.router.InputStager;
import dev.editstream.router.MediaSniffer;
import dev.editstream.storage.S3Settings;
import dev.editstream.storage.S3Store;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The object stores of a process ({@link StorageOptions}): local inputs staged for RunComfy ({@code
 * --stage-to}) and outputs stored for other machines ({@code --results-to}). Inputs are uploaded
 * once per content (key {@code <prefix>inputs/<sha256>.<ext>}); the job's events keep the local
 * path, and the pre-signed GET URL is made when the job is prepared for its POST, so a signature
 * never reaches an event, a log line or the manifest (events drop query strings after the router
 * anyway).
 */
public final class Storage implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Storage.class);

  /** Longest wait for one input's upload, from the thread preparing the job (it may block). */
  static final Duration STAGE_TIMEOUT = Duration.ofMinutes(10);

  private final @Nullable S3Store inputs;
  private final @Nullable S3Store results;
  private final Duration presignLifetime;
  private final boolean keepLocal;

  private Storage(
      @Nullable S3Store inputs,
      @Nullable S3Store results,
      Duration presignLifetime,
      boolean keepLocal) {
    this.inputs = inputs;
    this.results = results;
    this.presignLifetime = presignLifetime;
    this.keepLocal = keepLocal;
  }

  /**
   * Opens and checks the stores (either may be absent).
   *
   * @throws StageException as {@link S3Store#check()}: 77 refused credentials or missing bucket,
   *     69/75
   */
  public static Storage open(
      @Nullable S3Settings stageTo,
      @Nullable S3Settings resultsTo,
      Duration jobDeadline,
      boolean keepLocal) {
    S3Store in = stageTo == null ? null : S3Store.open(stageTo);
    S3Store out = null;
    try {
      out = resultsTo == null ? null : S3Store.open(resultsTo);
      // one after the other: a refusal names the same option on every run (--stage-to first)
      (in == null ? Mono.<Void>empty() : in.check())
          .then(out == null ? Mono.<Void>empty() : out.check())
          .block(Duration.ofMinutes(2));
    } catch (RuntimeException e) {
      if (in != null) {
        in.close();
      }
      if (out != null) {
        out.close();
      }
      throw e;
    }
    return new Storage(in, out, presignLifetime(jobDeadline), keepLocal);
  }

  /**
   * How long a pre-signed input URL lives: twice the job's deadline plus 15 min, at most 7 days
   * (SigV4).
   */
  static Duration presignLifetime(Duration jobDeadline) {
    Duration d = jobDeadline.multipliedBy(2).plusMinutes(15);
    return d.compareTo(S3Store.MAX_PRESIGN_LIFETIME) > 0 ? S3Store.MAX_PRESIGN_LIFETIME : d;
  }

  /** Whether local inputs go to object storage ({@code --stage-to}). */
  boolean stagesInputs() {
    return inputs != null;
  }

  /**
   * The router's stager: each checked local input uploaded (unless the store has its content) and
   * given to RunComfy as a pre-signed GET URL.
   *
   * @param allowedFolders the folders local inputs must lie in
   */
  public InputStager stager(List<Path> allowedFolders) {
    return InputStager.publishingWith(this::stage, allowedFolders);
  }

  private String stage(Path file) {
    S3Store.Staged s;
    try {
      // the stager of a store with inputs (stagesInputs())
      s =
          Objects.requireNonNull(inputs, "inputs")
              .stage(file, contentType(file))
              .block(STAGE_TIMEOUT);
    } catch (StageException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new StageException(
          ExitClass.TEMPFAIL,
          FailureReason.STORAGE_TIMEOUT,
          "--stage-to: " + file.getFileName() + ": " + Redact.text(e.toString()));
    }
    if (s == null) {
      throw new StageException(
          ExitClass.TEMPFAIL,
          FailureReason.STORAGE_TIMEOUT,
          "--stage-to: " + file.getFileName() + ": no answer");
    }
    log.info(
        "input {} {} as {} ({} bytes)",
        file.getFileName(),
        s.uploaded() ? "uploaded" : "already stored",
        s.key(),
        s.bytes());
    return inputs.presignGet(s.key(), presignLifetime).toString();
  }

  /**
   * The content type stored with an input: from the file's first bytes ({@link MediaSniffer}), as
   * the router's gate checked them, never from its name (a {@code .png} holding a JPEG is stored as
   * {@code image/jpeg}, which is what a model server that trusts the header needs).
   */
  static String contentType(Path file) {
    byte[] head = new byte[MediaSniffer.HEAD_BYTES];
    int n = 0;
    try (InputStream in = Files.newInputStream(file)) {
      for (int r; n < head.length && (r = in.read(head, n, head.length - n)) > 0; ) {
        n += r;
      }
    } catch (IOException e) {
      throw new StageException(
          ExitClass.NO_INPUT,
          FailureReason.INPUT_MISSING,
          "--stage-to: cannot read " + file.getFileName() + ": " + e.getMessage());
    }
    return MediaSniffer.detect(Arrays.copyOf(head, n)).mimeType();
  }

  /** The downloader's results store, or {@code null} without {@code --results-to}. */
  @Nullable ResultsStore results() {
    if (results == null) {
      return null;
    }
    return new ResultsStore() {
      @Override
      public Mono<String> put(Path file, String relativePath, String sha256, String contentType) {
        return results.putResult(file, relativePath, sha256, contentType).map(S3Store.Stored::uri);
      }

      @Override
      public boolean keepLocal() {
        return keepLocal;
      }
    };
  }

  /** Inputs uploaded by {@code --stage-to} so far. */
  public long uploaded() {
    return inputs == null ? 0 : inputs.uploaded();
  }

  /** Objects uploaded and skipped (already stored) by {@code --stage-to}, for the summary. */
  public String describe() {
    return inputs == null
        ? ""
        : "inputs staged: "
            + inputs.uploaded()
            + " uploaded, "
            + (inputs.skipped() + inputs.joined())
            + " already stored";
  }

  @Override
  public void close() {
    if (inputs != null) {
      inputs.close();
    }
    if (results != null) {
      results.close();
    }
  }
}
