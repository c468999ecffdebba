package dev.editstream.downloader;

import java.nio.file.Path;
import reactor.core.publisher.Mono;

/**
 * Where finished outputs are copied after their checksum is verified ({@code --results-to}, e.g.
 * S3-compatible object storage), so that other machines and other systems reach them.
 */
public interface ResultsStore {
  /**
   * Stores one committed output file.
   *
   * @param file the file in the output folder
   * @param relativePath its path relative to the output folder ({@code <job id>/<name>}), the
   *     object's name
   * @param sha256 its lower-case hex SHA-256, stored with it as metadata
   * @param contentType its content type
   * @return the object's URI ({@code s3://bucket/key}); errors with a {@code StageException}
   *     classed 77 (credentials or bucket refused), 69/75 (unavailable, timeout: retried) or 65
   */
  Mono<String> put(Path file, String relativePath, String sha256, String contentType);

  /** Whether the local copy stays in the output folder once stored ({@code --keep-local}). */
  boolean keepLocal();
}
