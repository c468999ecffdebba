package dev.editstream.downloader;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.OutputFile;
import dev.editstream.core.event.RemoteRun;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code <out>/manifest.jsonl}: one JSON line per finished job, {@code {"job_id", "model",
 * "request_id", "batch", "done_at", "cost_usd"?, "past_deadline"?,
 * "files":[{"path","bytes","sha256","content_type","source_url"}]}}, paths relative to the output
 * folder. {@code cost_usd} is RunComfy's actual cost of the job's request(s) in USD ({@code GET
 * .../result?include_cost=true}, {@code runcomfy-live-contract.md} §3; summed over a split batch),
 * present only when known; {@code past_deadline: true} is present only for a job whose request ran
 * past its deadline and could not be cancelled (RunComfy finished and billed it, so it was followed
 * to its end and downloaded). Appends are group-committed ({@link #appendAsync}): on disk when the
 * future completes, together with the job folders already moved into the output folder; a job
 * already in the manifest for the same run is not appended twice (a redelivered record after a
 * crash); a new run of the job ({@code replays}, present when above 0) is appended, and {@link
 * #compact} keeps only each job's latest line. Thread-safe. Blocking file I/O (one appender at a
 * time writes): call off the event loop.
 */
public final class Manifest {
  /** The manifest's file name inside the output folder. */
  public static final String FILE_NAME = "manifest.jsonl";

  private final Path file;
  private final Set<String> recorded = new HashSet<>();
  private final List<Pending> queue = new ArrayList<>();

  /** A caller is writing queued lines (guarded by the monitor). */
  private boolean writing;

  private final AtomicLong groupCommits = new AtomicLong();
  private final FolderSync folderSync;

  /** Makes the renames into a folder durable ({@code fsync} of the folder). */
  @FunctionalInterface
  interface FolderSync {
    void sync(Path dir) throws IOException;
  }

  /**
   * Opens (or creates) the manifest of {@code outDir} and loads the ids already in it. A last line
   * without its newline (an append cut short by a crash) is cut off the file, so the job it names
   * is recorded again when it is handled again and later lines start cleanly.
   *
   * @throws UncheckedIOException if the file cannot be read, created or repaired, or a complete
   *     line is not a JSON object (the message names the file and the line number)
   */
  public Manifest(Path outDir) {
    this(outDir, Manifest::syncFolder);
  }

  /**
   * As {@link #Manifest(Path)}, the output folder synced by {@code folderSync} before each batch
   * (tests hold a batch there).
   */
  Manifest(Path outDir, FolderSync folderSync) {
    this.folderSync = folderSync;
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
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
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
          throw new IOException(
              "line " + lineNo + " is not JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (node == null || !node.path("job_id").isTextual()) {
          throw new IOException("line " + lineNo + " has no job_id");
        }
        recorded.add(key(node.path("job_id").asText(), node.path("replays").asInt(0)));
      }
    }
  }

  /**
   * The offset just after the file's last newline (0 when there is none), read backwards in 8 KiB
   * blocks.
   */
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
   * Appends the job's line unless the job is already recorded; the future completes once the line
   * is on disk. Group commit without waiting threads: the caller that finds no write under way
   * writes every queued line with one write and one {@code fsync}, after one {@code fsync} of the
   * output folder that makes every job folder moved into it before the call durable too, and goes
   * on while more lines queued up meanwhile; every other caller returns at once. So N concurrent
   * downloads cost about two syncs, not 2N, and hold one thread, not N. A batch whose write fails
   * is cut back off the file (truncated to its length before the batch), so no torn line stays
   * behind.
   *
   * @return completes with true when the line was appended, false when the job was already
   *     recorded; exceptionally with {@link UncheckedIOException} if the write or a sync failed
   *     (the line is then not in the manifest). Its dependants may run on the writing thread.
   */
  public CompletableFuture<Boolean> appendAsync(JobEvent done) {
    Pending p =
        new Pending(
            key(done.jobId(), done.replays()),
            (line(done) + "\n").getBytes(StandardCharsets.UTF_8));
    boolean lead;
    synchronized (this) {
      if (recorded.contains(p.jobId)) {
        return CompletableFuture.completedFuture(false);
      }
      queue.add(p);
      lead = !writing;
      writing = true;
    }
    if (lead) {
      writeWhileQueued();
    }
    return p.result;
  }

  /**
   * {@link #appendAsync} and waits: returns once the line is on disk.
   *
   * @return true when a line was appended, false when the job was already recorded
   * @throws UncheckedIOException if the write or a sync fails (the line is then not in the
   *     manifest)
   */
  public boolean append(JobEvent done) {
    try {
      return appendAsync(done).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof UncheckedIOException u) {
        throw u;
      }
      throw e;
    }
  }

  /**
   * Lines written by {@link #appendAsync} in one write and one sync, at most; a measure of
   * grouping.
   */
  public long groupCommits() {
    return groupCommits.get();
  }

  /**
   * Writes batches until the queue is empty, then gives up the writer's role (under the monitor, so
   * no line is left behind).
   */
  private void writeWhileQueued() {
    while (true) {
      List<Pending> batch;
      List<Pending> lines = new ArrayList<>();
      synchronized (this) {
        if (queue.isEmpty()) {
          writing = false;
          return;
        }
        batch = new ArrayList<>(queue);
        queue.clear();
        Set<String> inBatch = new HashSet<>();
        for (Pending q : batch) {
          if (!recorded.contains(q.jobId) && inBatch.add(q.jobId)) {
            lines.add(q);
            q.written = true;
          }
        }
      }
      Exception error = null;
      if (!lines.isEmpty()) {
        try {
          folderSync.sync(Objects.requireNonNull(file.getParent(), "outDir")); // outDir/FILE_NAME
          write(lines);
          groupCommits.incrementAndGet();
        } catch (IOException | RuntimeException e) {
          error = e; // never leaves the loop: the queue would wait for a writer forever
        }
      }
      if (error == null) {
        synchronized (this) {
          for (Pending q : lines) {
            recorded.add(q.jobId);
          }
        }
      }
      // outside the monitor: dependants may run here
      for (Pending q : batch) {
        if (!q.written) {
          q.result.complete(false);
        } else if (error == null) {
          q.result.complete(true);
        } else {
          q.result.completeExceptionally(
              new UncheckedIOException(
                  "cannot append to manifest " + file + ": " + error.getMessage(),
                  error instanceof IOException io ? io : new IOException(error)));
        }
      }
    }
  }

  private void write(List<Pending> lines) throws IOException {
    ByteBuffer[] bufs = new ByteBuffer[lines.size()];
    for (int i = 0; i < bufs.length; i++) {
      bufs[i] = ByteBuffer.wrap(lines.get(i).line);
    }
    try (FileChannel ch =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      long before = ch.size();
      try {
        long left = 0;
        for (ByteBuffer b : bufs) {
          left += b.remaining();
        }
        while (left > 0) {
          left -= ch.write(bufs);
        }
        ch.force(false);
      } catch (IOException e) {
        try {
          ch.truncate(before);
          ch.force(false);
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
    }
  }

  /**
   * fsync of a folder, so renames into it are durable; platforms that cannot open a folder skip it.
   */
  private static void syncFolder(Path dir) throws IOException {
    if (dir == null) {
      return;
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (UnsupportedOperationException | java.nio.file.AccessDeniedException ignored) {
      // some platforms cannot open or sync a folder; the manifest itself is still synced
    }
  }

  /** One queued append; {@code written} is set and read by the writing thread only. */
  private static final class Pending {
    final String jobId;
    final byte[] line;
    final CompletableFuture<Boolean> result = new CompletableFuture<>();
    boolean written;

    Pending(String jobId, byte[] line) {
      this.jobId = jobId;
      this.line = line;
    }
  }

  /** The key a line is recorded under: the job and its run. */
  private static String key(String jobId, int replays) {
    return replays == 0 ? jobId : jobId + "\u0000" + replays;
  }

  /**
   * Rewrites {@code <outDir>/manifest.jsonl} with one line per job, its latest (the last appended:
   * a re-run's line comes after the run it replaces), in the order of those lines; written to a
   * temporary file and renamed, so a reader never sees half of it. Call when no {@link Manifest} of
   * the folder is appending (after the run). Nothing happens when there is no manifest.
   *
   * @return the number of lines dropped
   * @throws IOException if the file cannot be read or replaced, or a line is not a JSON object with
   *     a {@code job_id}
   */
  public static int compact(Path outDir) throws IOException {
    Path file = outDir.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      return 0;
    }
    java.util.LinkedHashMap<String, String> latest = new java.util.LinkedHashMap<>();
    int lines = 0;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line; (line = r.readLine()) != null; ) {
        if (line.isBlank()) {
          continue;
        }
        lines++;
        JsonNode node = Json.mapper().readTree(line);
        if (node == null || !node.path("job_id").isTextual()) {
          throw new IOException(file + " line " + lines + " has no job_id");
        }
        String id = node.path("job_id").asText();
        latest.remove(id);
        latest.put(id, line);
      }
    }
    if (latest.size() == lines) {
      return 0;
    }
    Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
    StringBuilder b = new StringBuilder();
    latest.values().forEach(l -> b.append(l).append('\n'));
    Files.writeString(tmp, b.toString(), StandardCharsets.UTF_8);
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(
        tmp,
        file,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    syncFolder(outDir);
    return lines - latest.size();
  }

  static String line(JobEvent done) {
    ObjectNode o = Json.mapper().createObjectNode();
    o.put("job_id", done.jobId());
    if (done.replays() > 0) {
      o.put("replays", done.replays());
    }
    o.put("model", done.route() == null ? null : done.route().modelId());
    o.put("request_id", done.submission() == null ? null : done.submission().requestId());
    o.put("batch", Objects.requireNonNull(done.job(), "job").batch());
    o.put("done_at", done.at().toString());
    RemoteRun remote = done.remote();
    if (remote != null && remote.costUsd() != null) {
      o.put("cost_usd", remote.costUsd());
    }
    if (remote != null && remote.pastDeadline()) {
      o.put("past_deadline", true);
    }
    ArrayNode files = o.putArray("files");
    for (OutputFile f : Objects.requireNonNull(done.files(), "files")) { // a done event has them
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
