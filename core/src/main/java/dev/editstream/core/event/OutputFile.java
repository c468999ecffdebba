package dev.editstream.core.event;

/**
 * One downloaded output file.
 *
 * @param path path of the file, relative to the output folder ({@code <job id>/<name>})
 * @param bytes size, bytes
 * @param sha256 lower-case hex SHA-256 of the content
 * @param contentType the Content-Type the server sent (or guessed from the name)
 * @param sourceUrl the URL it came from, query string removed
 */
public record OutputFile(String path, long bytes, String sha256, String contentType, String sourceUrl) {}
