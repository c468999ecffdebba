package dev.editstream.router;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.job.JobLineParser;
import dev.editstream.runcomfy.LocalAssetServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Turns a job's input reference into a URL the model can fetch. https URLs pass unchanged. A local
 * path is first checked by the stager's {@link LocalInputs} gate (allowed folders after resolving
 * links, secret-looking names: the router re-checks every path a {@code requested} record carries,
 * whoever wrote it), then served by the {@link LocalAssetServer} when one runs (the emulator
 * set-up) under its real path; real RunComfy needs publicly fetchable URLs (RunComfy docs: "Model
 * inputs are publicly fetchable HTTPS URLs"), so without an asset server a local path is refused
 * with class 65. A dry run ({@link #dryRun(List)}) keeps local paths as {@code file:} URIs and
 * never touches the network. Files editstream writes itself (a feathered mask) go to a private
 * temporary folder of this stager, which its gate allows. Thread-safe.
 */
public final class InputStager {
  private final @Nullable Function<Path, String> local;
  private final LocalInputs gate;
  private final boolean uploads;
  private volatile @Nullable Path tempDir;
  private volatile @Nullable LocalInputs gateWithTemp;

  /**
   * @param local a checked local file's real path → its URL; {@code null}: local files are refused
   * @param gate the checks every local input passes first
   * @param uploads whether {@code local} may wait on the network ({@link #uploads()})
   */
  InputStager(@Nullable Function<Path, String> local, LocalInputs gate, boolean uploads) {
    this.local = local;
    this.gate = gate;
    this.uploads = uploads;
  }

  private static LocalInputs gate(List<Path> allowedFolders) {
    return LocalInputs.confinedTo(allowedFolders, LocalInputs.Limits.DEFAULTS);
  }

  /**
   * @param assets the asset server for local files, or {@code null} when there is none
   * @param allowedFolders the folders local inputs must lie inside (the job file's folder and every
   *     {@code --allow-input}); empty: no local input is allowed
   * @throws IllegalArgumentException when {@code allowedFolders} is null or holds the root folder
   */
  public InputStager(@Nullable LocalAssetServer assets, List<Path> allowedFolders) {
    this(assets == null ? null : p -> assets.publish(p).toString(), gate(allowedFolders), false);
  }

  /**
   * Local inputs served by the asset server at {@code hostPort}, their URLs signed with {@code
   * key}, and confined to {@code allowedFolders}.
   *
   * @param allowedFolders as in {@link #InputStager(LocalAssetServer, List)}
   */
  public static InputStager signedBy(String hostPort, byte[] key, List<Path> allowedFolders) {
    return new InputStager(
        p -> LocalAssetServer.urlFor(hostPort, key, p).toString(), gate(allowedFolders), false);
  }

  /**
   * A stager that publishes each checked local file with {@code publish} (e.g. uploads it to object
   * storage and answers a pre-signed GET URL: {@code --stage-to}); called on a thread that may
   * block (the router prepares jobs with local inputs off the event loops).
   *
   * @param publish the checked, real path of a local input → the URL to put in the request body;
   *     may throw a {@code StageException}
   * @param allowedFolders as in {@link #InputStager(LocalAssetServer, List)}
   */
  public static InputStager publishingWith(
      Function<Path, String> publish, List<Path> allowedFolders) {
    return new InputStager(
        java.util.Objects.requireNonNull(publish, "publish"), gate(allowedFolders), true);
  }

  /**
   * A stager for dry runs: a local file becomes its {@code file:} URI ({@code file:///data/a.png}),
   * nothing is published.
   *
   * @param allowedFolders as in {@link #InputStager(LocalAssetServer, List)}
   */
  public static InputStager dryRun(List<Path> allowedFolders) {
    return new InputStager(p -> p.toUri().toString(), gate(allowedFolders), false);
  }

  /**
   * Whether {@link #url} may wait on the network: a stager made by {@link #publishingWith} (an
   * upload to object storage). Otherwise staging a local input is CPU and local-disk work (a signed
   * URL of the asset server, a {@code file:} URI).
   */
  public boolean uploads() {
    return uploads;
  }

  /**
   * The same stager with other limits on local inputs.
   *
   * @param limits byte and pixel limits
   */
  public InputStager withLimits(LocalInputs.Limits limits) {
    return new InputStager(local, gate.withLimits(limits), uploads);
  }

  /**
   * The gate local inputs pass before anything reads them: the stager's allowed folders plus its
   * own temporary folder, once it has one.
   */
  public LocalInputs inputs() {
    LocalInputs g = gateWithTemp;
    return g != null ? g : gate;
  }

  /**
   * @param jobId for the error message
   * @param ref an https URL or an absolute local path
   * @return the URL to put in the request body (a local file's URL names its real path)
   * @throws StageException class 65 {@code input_not_allowed} for a path the gate refuses ({@link
   *     LocalInputs#confine}), 66 when the file is gone, 65 when local files cannot be served
   */
  public String url(String jobId, String ref) {
    return url(jobId, "input", ref);
  }

  /**
   * As {@link #url(String, String)}, naming the job field in messages.
   *
   * @param field the job field ({@code images[0]}, {@code mask}, {@code video})
   */
  public String url(String jobId, String field, String ref) {
    if (JobLineParser.isUrl(ref)) {
      return ref;
    }
    Path p = inputs().confine(jobId, field, ref);
    if (!Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new StageException(
          ExitClass.NO_INPUT,
          FailureReason.INPUT_MISSING,
          "job " + jobId + ": local input file not found: " + p.getFileName());
    }
    if (local == null) {
      throw new StageException(
          ExitClass.DATA,
          FailureReason.LOCAL_INPUT,
          "job "
              + jobId
              + ": "
              + field
              + ": local file "
              + p.getFileName()
              + " needs a public https URL for RunComfy: upload it and put its "
              + "URL in the job line, or, against the local emulator only, run with --serve-local-files");
    }
    return local.apply(p);
  }

  /**
   * Writes bytes made for a job (a feathered mask) to a temporary file, to be staged like any local
   * input by {@link #url}. The file is {@code editstream-<jobId>-<suffix>} in this stager's private
   * temporary folder (created on first use, owner-only where the file system allows, allowed by its
   * gate) and is deleted when the JVM exits (the model fetches it after submit, so it must outlive
   * this call).
   *
   * @param jobId the job's id (safe as a file name: {@code [A-Za-z0-9._-]})
   * @param suffix the file name's end, e.g. {@code mask-feathered.png}
   * @param bytes the content
   * @return the absolute path of the new file
   * @throws UncheckedIOException if the file cannot be written
   */
  public Path writeTemp(String jobId, String suffix, byte[] bytes) {
    try {
      Path f = Files.createTempFile(tempDir(), "editstream-" + jobId + "-", "-" + suffix);
      f.toFile().deleteOnExit();
      Files.write(f, bytes);
      return f.toAbsolutePath();
    } catch (IOException e) {
      throw new UncheckedIOException("job " + jobId + ": cannot write a temporary " + suffix, e);
    }
  }

  private synchronized Path tempDir() throws IOException {
    if (tempDir == null) {
      Path d = Files.createTempDirectory("editstream-staged-");
      d.toFile().deleteOnExit();
      gateWithTemp = gate.allowing(d);
      tempDir = d;
    }
    return tempDir;
  }
}
