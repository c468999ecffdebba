package dev.editstream.downloader;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The rules of a job's folder in the output folder, so a job id can never delete or replace a
 * user's file: the output folder is shared with whatever the user keeps there, and job ids come
 * from job files and Kafka records that anyone with access may write.
 *
 * <ul>
 *   <li>an id is a folder name only when it matches {@code [A-Za-z0-9_-][A-Za-z0-9._-]{0,127}} (the
 *       producer's rule, re-checked here since records may not come from the producer) and does not
 *       name editstream's own files: {@value Manifest#FILE_NAME}, {@code errors.jsonl}, {@code
 *       summary.json}, {@value #STAGING}, the state folder {@code .editstream} or anything starting
 *       with a dot, compared ignoring case (case-insensitive file systems);
 *   <li>every job folder editstream makes carries a marker file, {@value #MARKER}, holding the job
 *       id; a folder is replaced only when it is a real folder (not a link) whose marker is a
 *       regular file naming the same job (a re-run of the job). Anything else at that name (a
 *       user's folder or file, a link, another job's folder) is an {@code output_conflict}, class
 *       65, and is left untouched.
 * </ul>
 *
 * <p>Blocking file I/O: call off the event loop. Thread-safe (no state).
 */
public final class OutputFolder {
  /** The marker file in every job folder editstream makes; holds the job id and a newline. */
  public static final String MARKER = ".editstream-job";

  /** The staging folder inside the output folder. */
  public static final String STAGING = ".staging";

  /** Largest marker read, bytes (an id is at most 128 chars). */
  private static final int MAX_MARKER_BYTES = 256;

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
  private static final Set<String> RESERVED =
      Set.of(Manifest.FILE_NAME, STAGING, MARKER, "errors.jsonl", "summary.json", ".editstream");

  private OutputFolder() {}

  /**
   * Why {@code jobId} may not name a folder in the output folder, or {@code null} when it may.
   * Pure.
   */
  public static @Nullable String refusal(String jobId) {
    if (jobId == null || !ID.matcher(jobId).matches()) {
      return "is not a valid output folder name ([A-Za-z0-9._-]{1,128}, not starting with '.')";
    }
    String lower = jobId.toLowerCase(Locale.ROOT);
    if (RESERVED.contains(lower) || lower.startsWith(".")) {
      return "names editstream's own "
          + (lower.equals(Manifest.FILE_NAME) ? "manifest" : "files")
          + " in the output folder";
    }
    return null;
  }

  /**
   * The job's folder, {@code <outDir>/<jobId>}.
   *
   * @throws StageException class 65 {@code output_conflict} when {@link #refusal} refuses the id
   */
  public static Path jobFolder(Path outDir, String jobId) {
    String why = refusal(jobId);
    if (why != null) {
      throw conflict("job id " + show(jobId) + " " + why + "; nothing was downloaded");
    }
    return outDir.resolve(jobId);
  }

  /**
   * The check before a download: as {@link #requireReplaceable}, but a dangling link passes (it is
   * refused by {@link #promote}, after the download). In the usual case, no folder yet, this is one
   * {@code stat} with no exception (a {@code NoSuchFileException} per job cost more CPU than the
   * call itself), so it may run on the thread the download starts from.
   *
   * @throws StageException class 65 {@code output_conflict}, naming the path, for anything there
   *     but editstream's folder of {@code jobId}
   * @throws UncheckedIOException when the folder cannot be inspected
   */
  public static void precheck(Path finalDir, String jobId) {
    if (!finalDir.toFile().exists()) {
      return;
    }
    requireReplaceable(finalDir, jobId);
  }

  /**
   * Checks that {@code finalDir} is absent, or a folder editstream made for {@code jobId}.
   *
   * @throws StageException class 65 {@code output_conflict}, naming the path, otherwise
   * @throws UncheckedIOException when the folder cannot be inspected
   */
  public static void requireReplaceable(Path finalDir, String jobId) {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(finalDir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!a.isDirectory()) {
      throw conflict(
          finalDir
              + " exists and is "
              + (a.isSymbolicLink() ? "a link" : "a file")
              + " editstream did not create; "
              + "it is left as it is (rename it, or give the job another id)");
    }
    String marker = marker(finalDir);
    if (marker == null) {
      throw conflict(
          finalDir
              + " exists and was not made by editstream (no "
              + MARKER
              + " marker); "
              + "it is left as it is (rename it, or give the job another id)");
    }
    if (!marker.equals(jobId)) {
      throw conflict(
          finalDir
              + " holds the outputs of another job ("
              + show(marker)
              + "); it is left as it is");
    }
  }

  /**
   * Writes the marker into {@code staging}, then replaces {@code finalDir} with it: an existing
   * folder of the same job is moved aside and deleted, anything else is refused untouched.
   *
   * @param delete deletes a moved-aside folder (quietly)
   * @throws StageException class 65 {@code output_conflict} as {@link #requireReplaceable}
   * @throws UncheckedIOException when a move or the marker write fails
   */
  public static void promote(Path staging, Path finalDir, String jobId, Consumer<Path> delete) {
    try {
      if (!staging.toFile().isDirectory()) { // made by the first download into it, as a rule
        Files.createDirectories(staging);
      }
      Files.write(
          staging.resolve(MARKER),
          (jobId + "\n").getBytes(StandardCharsets.UTF_8),
          StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE);
      if (!finalDir.toFile().exists()) {
        // the usual case, without the exceptions of a NoSuchFileException per check: nothing is
        // there but maybe a dangling link, and rename(2) never replaces a link, a file or a
        // non-empty folder with a folder (ENOTDIR, ENOTEMPTY); an empty folder made since the
        // check would be replaced, as it would be after the full check below
        try {
          Files.move(staging, finalDir, StandardCopyOption.ATOMIC_MOVE);
          return;
        } catch (IOException refused) {
          // something is there after all: the full rules below decide
        }
      }
      requireReplaceable(finalDir, jobId);
      if (Files.exists(finalDir, LinkOption.NOFOLLOW_LINKS)) {
        Path trash =
            Objects.requireNonNull(finalDir.getParent(), "outDir") // outDir/jobId
                .resolve(STAGING)
                .resolve(finalDir.getFileName() + "-old-" + UUID.randomUUID());
        Files.move(finalDir, trash, StandardCopyOption.ATOMIC_MOVE);
        delete.accept(trash);
      }
      Files.move(staging, finalDir, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The job id in a folder's marker, or {@code null} when it has no regular marker file. */
  private static @Nullable String marker(Path dir) {
    Path m = dir.resolve(MARKER);
    try (FileChannel ch =
        FileChannel.open(m, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
      if (!Files.readAttributes(m, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
              .isRegularFile()
          || ch.size() > MAX_MARKER_BYTES) {
        return null;
      }
      ByteBuffer buf = ByteBuffer.allocate((int) ch.size());
      while (buf.hasRemaining() && ch.read(buf) >= 0) {
        // read it all
      }
      return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return null;
    }
  }

  private static StageException conflict(String message) {
    return new StageException(ExitClass.DATA, FailureReason.OUTPUT_CONFLICT, message);
  }

  /** An id for a message: at most 64 chars, control characters escaped. */
  private static String show(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length() && i < 64; i++) {
      char c = s.charAt(i);
      if (c < 0x20
          || c == 0x7F
          || (c >= 0x80 && c < 0xA0)
          || (c >= 0x202A && c <= 0x202E)
          || (c >= 0x2066 && c <= 0x2069)) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append(s.length() > 64 ? "...\"" : "\"").toString();
  }
}
