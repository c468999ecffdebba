package dev.editstream.downloader;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.OutputFile;
import java.io.BufferedReader;
import java.io.EOFException;
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
   * Opens (or creates) the manifest of {@code outDir} and loads the ids already in it. A last line
   * without its newline (an append cut short by a crash) is cut off the file, so the job it names is
   * recorded again when it is handled again and later lines start cleanly.
   *
   * @throws UncheckedIOException if the file cannot be read, created or repaired, or a complete line
   *     is not a JSON object (the message names the file and the line number)
   */
  public Manifest(Path outDir) {
    this.file = outDir.resolve(FILE_NAME);
    try {
      Files.createDirectories(outDir);
      if (Files.exists(file)) {
        load();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open manifest " + file + ": " + e.getMessage(), e);
    }
  }

  /** Reads every complete line, streaming; cuts off a torn last one (no newline after it) first. */
  private void load() throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long complete = endOfLastLine(ch);
      if (complete < ch.size()) {
        ch.truncate(complete);
        ch.force(false);
      }
    }
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      int lineNo = 0;
      for (String line; (line = r.readLine()) != null; ) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode node;
        try {
          node = Json.mapper().readTree(line);
        } catch (JsonProcessingException e) {
          throw new IOException("line " + lineNo + " is not JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (node == null || !node.path("job_id").isTextual()) {
          throw new IOException("line " + lineNo + " has no job_id");
        }
        recorded.add(node.path("job_id").asText());
      }
    }
  }

  /** The offset just after the file's last newline (0 when there is none), read backwards in 8 KiB blocks. */
  private static long endOfLastLine(FileChannel ch) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(8192);
    long pos = ch.size();
    while (pos > 0) {
      int n = (int) Math.min(buf.capacity(), pos);
      long start = pos - n;
      buf.clear().limit(n);
      while (buf.hasRemaining()) {
        if (ch.read(buf, start + buf.position()) < 0) {
          throw new EOFException("manifest shrank while being read");
        }
      }
      for (int i = n - 1; i >= 0; i--) {
        if (buf.get(i) == '\n') {
          return start + i + 1;
        }
      }
      pos = start;
    }
    return 0;
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
