package dev.editstream.runcomfy;

import java.nio.file.Path;
import java.time.Duration;

/**
 * One file {@link OutputDownloader} wrote.
 *
 * @param path the final file (fsynced, renamed atomically into place)
 * @param bytes its size, bytes
 * @param sha256 lower-case hex SHA-256 of the content
 * @param contentType the Content-Type the server sent, else guessed from the name
 * @param sourceUrl the URL asked for (before redirects), query string removed
 * @param streaming from the part file's creation (response headers received) to the last byte
 *     written into it: network, hashing and page-cache writes, with background syncs overlapping
 * @param commit the final step: waiting for a running background sync, the final fsync, close,
 *     atomic rename and folder fsync
 * @param backgroundSyncs background fdatasyncs started while streaming ({@link
 *     DownloadConfig#syncEveryBytes()}), 0 or more
 */
public record DownloadedFile(
    Path path,
    long bytes,
    String sha256,
    String contentType,
    String sourceUrl,
    Duration streaming,
    Duration commit,
    int backgroundSyncs) {}
