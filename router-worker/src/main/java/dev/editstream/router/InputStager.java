package dev.editstream.router;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.job.JobLineParser;
import dev.editstream.runcomfy.LocalAssetServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Turns a job's input reference into a URL the model can fetch. https URLs pass unchanged. A
 * local path is served by the {@link LocalAssetServer} when one runs (the emulator set-up); real
 * RunComfy needs publicly fetchable URLs (RunComfy docs: "Model inputs are publicly fetchable
 * HTTPS URLs"), so without an asset server a local path is refused with class 65. A dry run
 * ({@link #dryRun()}) keeps local paths as {@code file:} URIs and never touches the network.
 * Thread-safe.
 */
public final class InputStager {
  private final Function<Path, String> local;

  private InputStager(Function<Path, String> local) {
    this.local = local;
  }

  /** @param assets the asset server for local files, or {@code null} when there is none */
  public InputStager(LocalAssetServer assets) {
    this(assets == null ? null : p -> assets.publish(p).toString());
  }

  /**
   * A stager for dry runs: a local file becomes its {@code file:} URI ({@code
   * file:///data/a.png}), nothing is published.
   */
  /**
   * A stager whose URLs point at an asset server in another process ({@code editstream assets})
   * sharing the same key, so a router restart never breaks URLs already handed to the model.
   *
   * @param hostPort the asset server's {@code host:port}
   * @param key the shared HMAC key ({@code EDITSTREAM_ASSET_KEY})
   */
  public static InputStager signedBy(String hostPort, byte[] key) {
    return new InputStager(p -> LocalAssetServer.urlFor(hostPort, key, p).toString());
  }

  /**
   * A stager for dry runs: local paths stay {@code file:} URIs and nothing is served.
   */
  public static InputStager dryRun() {
    return new InputStager(p -> p.toUri().toString());
  }

  /**
   * @param jobId for the error message
   * @param ref an https URL or an absolute local path
   * @return the URL to put in the request body
   * @throws StageException class 66 when the file is gone, 65 when local files cannot be served
   */
  public String url(String jobId, String ref) {
    if (JobLineParser.isUrl(ref)) {
      return ref;
    }
    Path p = Path.of(ref);
    if (!Files.isRegularFile(p)) {
      throw new StageException(ExitClass.NO_INPUT, "input_missing", "job " + jobId + ": local input file not found: " + p.getFileName());
    }
    if (local == null) {
      throw new StageException(ExitClass.DATA, "local_input",
          "job " + jobId + ": local file " + p.getFileName() + " needs a public https URL for RunComfy (local files are served only in emulator mode)");
    }
    return local.apply(p);
  }

  /**
   * Writes bytes made for a job (a feathered mask) to a temporary file, to be staged like any local
   * input by {@link #url}. The file is {@code editstream-<jobId>-<suffix>} in the system temporary
   * folder and is deleted when the JVM exits (the model fetches it after submit, so it must outlive
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
      Path f = Files.createTempFile("editstream-" + jobId + "-", "-" + suffix);
      f.toFile().deleteOnExit();
      Files.write(f, bytes);
      return f.toAbsolutePath();
    } catch (IOException e) {
      throw new UncheckedIOException("job " + jobId + ": cannot write a temporary " + suffix, e);
    }
  }
}
