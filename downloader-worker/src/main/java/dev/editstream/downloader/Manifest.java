package dev.editstream.downloader;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.OutputFile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * {@code <out>/manifest.jsonl}: one JSON line per finished job, {@code {"job_id", "model",
 * "request_id", "batch", "done_at", "files":[{"path","bytes","sha256","content_type","source_url"}]}},
 * paths relative to the output folder. Appends are serialised, forced to disk, and a job already
 * in the manifest is not appended twice (a redelivered record after a crash). Blocking file I/O:
 * call off the event loop.
 */
public final class Manifest {
  /** The manifest's file name inside the output folder. */
  public static final String FILE_NAME = "manifest.jsonl";

  private final Path file;
  private final Set<String> recorded = new HashSet<>();

  /**
   * Opens (or creates) the manifest of {@code outDir} and loads the ids already in it.
   *
   * @throws UncheckedIOException if the file cannot be read or created
   */
  public Manifest(Path outDir) {
    this.file = outDir.resolve(FILE_NAME);
    try {
      Files.createDirectories(outDir);
      if (Files.exists(file)) {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
          for (String line; (line = r.readLine()) != null; ) {
            if (!line.isBlank()) {
              recorded.add(Json.mapper().readTree(line).path("job_id").asText());
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open manifest " + file, e);
    }
  }

  /** The manifest file. */
  public Path file() {
    return file;
  }

  /**
   * Appends the job's line unless the job is already recorded.
   *
   * @return true when a line was appended
   * @throws UncheckedIOException if the write fails
   */
  public synchronized boolean append(JobEvent done) {
    if (recorded.contains(done.jobId())) {
      return false;
    }
    byte[] line = (line(done) + "\n").getBytes(StandardCharsets.UTF_8);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ByteBuffer buf = ByteBuffer.wrap(line);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to manifest " + file, e);
    }
    recorded.add(done.jobId());
    return true;
  }

  static String line(JobEvent done) {
    ObjectNode o = Json.mapper().createObjectNode();
    o.put("job_id", done.jobId());
    o.put("model", done.route() == null ? null : done.route().modelId());
    o.put("request_id", done.submission() == null ? null : done.submission().requestId());
    o.put("batch", done.job().batch());
    o.put("done_at", done.at().toString());
    ArrayNode files = o.putArray("files");
    for (OutputFile f : done.files()) {
      JsonNode n = Json.mapper().valueToTree(f);
      files.add(n);
    }
    try {
      return Json.mapper().writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
