package dev.editstream.runcomfy;

import java.nio.file.Path;

/**
 * One file {@link OutputDownloader} wrote.
 *
 * @param path the final file (fsynced, renamed atomically into place)
 * @param bytes its size, bytes
 * @param sha256 lower-case hex SHA-256 of the content
 * @param contentType the Content-Type the server sent, else guessed from the name
 * @param sourceUrl the URL asked for (before redirects), query string removed
 */
public record DownloadedFile(
    Path path, long bytes, String sha256, String contentType, String sourceUrl) {}
