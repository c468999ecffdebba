package dev.editstream.router;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.job.JobLineParser;
import dev.editstream.runcomfy.LocalAssetServer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns a job's input reference into a URL the model can fetch. https URLs pass unchanged. A
 * local path is served by the {@link LocalAssetServer} when one runs (the emulator set-up); real
 * RunComfy needs publicly fetchable URLs (RunComfy docs: "Model inputs are publicly fetchable
 * HTTPS URLs"), so without an asset server a local path is refused with class 65.
 */
public final class InputStager {
  private final LocalAssetServer assets;

  /** @param assets the asset server for local files, or {@code null} when there is none */
  public InputStager(LocalAssetServer assets) {
    this.assets = assets;
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
    if (assets == null) {
      throw new StageException(ExitClass.DATA, "local_input",
          "job " + jobId + ": local file " + p.getFileName() + " needs a public https URL for RunComfy (local files are served only in emulator mode)");
    }
    return assets.publish(p).toString();
  }
}
