package dev.editstream.core.event;

import org.jspecify.annotations.Nullable;

/**
 * One downloaded output file.
 *
 * @param path path of the file, relative to the output folder ({@code <job id>/<name>})
 * @param bytes size, bytes
 * @param sha256 lower-case hex SHA-256 of the content
 * @param contentType the Content-Type the server sent (or guessed from the name)
 * @param sourceUrl the URL it came from, query string removed
 * @param objectUri where a copy was stored with {@code --results-to} ({@code s3://bucket/key},
 *     never a pre-signed URL), or {@code null}
 */
public record OutputFile(
    String path,
    long bytes,
    String sha256,
    String contentType,
    String sourceUrl,
    @Nullable String objectUri) {
  /** A file kept in the output folder only. */
  public OutputFile(String path, long bytes, String sha256, String contentType, String sourceUrl) {
    this(path, bytes, sha256, contentType, sourceUrl, null);
  }

  /** The same file, also stored at {@code uri}. */
  public OutputFile withObjectUri(String uri) {
    return new OutputFile(path, bytes, sha256, contentType, sourceUrl, uri);
  }
}
