package dev.editstream.producer;

import dev.editstream.core.job.Job;
import dev.editstream.core.job.JobLineParser;
import dev.editstream.core.job.LineError;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.ObjIntConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Reads a JSON Lines job file line by line (streaming, any size), checks each line with {@link
 * JobLineParser}, and hands each valid job (local paths made absolute) or line error to the
 * callers. A line that is not valid UTF-8 or longer than {@link #MAX_LINE_BYTES} is an error of its
 * own; the other lines still go through. No byte sequence in the file makes it throw: only an
 * {@link IOException} of the file itself (or an exception of a callback) escapes.
 *
 * <p>Local inputs must lie inside the job file's folder or one of the extra allowed folders given.
 */
public final class JobFileReader {
  /** The longest line accepted, bytes (2 MiB). */
  public static final int MAX_LINE_BYTES = 2 * 1024 * 1024;

  private JobFileReader() {}

  /**
   * What reading a file gave.
   *
   * @param lines non-blank lines read
   * @param jobs the valid jobs, in file order
   * @param errors the refused lines, in file order
   */
  public record Result(int lines, List<Job> jobs, List<LineError> errors) {}

  /**
   * Reads the file; local inputs must lie inside its folder.
   *
   * @see #read(Path, List, Consumer, Consumer)
   */
  public static int read(Path file, Consumer<Job> onJob, Consumer<LineError> onError)
      throws IOException {
    return read(file, List.of(), onJob, onError);
  }

  /**
   * Reads the whole file into memory-light callbacks.
   *
   * @param file the job file; relative local paths inside are resolved against its folder
   * @param extraAllowedRoots folders besides the job file's own that local inputs may lie in
   *     (checked after resolving symbolic links); empty for none
   * @param onJob called for each valid job, in file order
   * @param onError called for each refused line, in file order
   * @return the number of non-blank lines read
   * @throws IOException if the file cannot be read
   */
  public static int read(
      Path file, List<Path> extraAllowedRoots, Consumer<Job> onJob, Consumer<LineError> onError)
      throws IOException {
    return readNumbered(file, extraAllowedRoots, (job, line) -> onJob.accept(job), onError);
  }

  /**
   * As {@link #read(Path, List, Consumer, Consumer)}, handing each valid job with its 1-based line
   * number.
   *
   * @param onJob called for each valid job and its line number, in file order
   * @throws IOException if the file cannot be read
   */
  public static int readNumbered(
      Path file,
      List<Path> extraAllowedRoots,
      ObjIntConsumer<Job> onJob,
      Consumer<LineError> onError)
      throws IOException {
    // an absolute file path has a parent folder
    Path base = Objects.requireNonNull(file.toAbsolutePath().normalize().getParent(), "folder");
    List<Path> roots = new ArrayList<>();
    roots.add(base);
    roots.addAll(extraAllowedRoots);
    JobLineParser parser = new JobLineParser(base, roots);
    LineSink sink = new LineSink(parser, base, onJob, onError);
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        int start = 0;
        for (int i = 0; i < n; i++) {
          if (buf[i] == '\n') {
            sink.append(buf, start, i - start);
            sink.endLine();
            start = i + 1;
          }
        }
        sink.append(buf, start, n - start);
      }
      sink.endFile();
    }
    return sink.count;
  }

  /** Reads the whole file and collects the results (for small files, dry runs and tests). */
  public static Result readAll(Path file) throws IOException {
    return readAll(file, List.of());
  }

  /**
   * Reads the whole file and collects the results.
   *
   * @param extraAllowedRoots folders besides the job file's own that local inputs may lie in
   * @throws IOException if the file cannot be read
   */
  public static Result readAll(Path file, List<Path> extraAllowedRoots) throws IOException {
    List<Job> jobs = new ArrayList<>();
    List<LineError> errors = new ArrayList<>();
    int n = read(file, extraAllowedRoots, jobs::add, errors::add);
    return new Result(n, jobs, errors);
  }

  /** Collects the bytes of the current line (up to the cap) and judges each finished line. */
  private static final class LineSink {
    private final JobLineParser parser;
    private final Path base;
    private final ObjIntConsumer<Job> onJob;
    private final Consumer<LineError> onError;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(512);
    private boolean tooLong;
    private long bytesSeen;
    private int lineNo;
    int count;

    LineSink(
        JobLineParser parser, Path base, ObjIntConsumer<Job> onJob, Consumer<LineError> onError) {
      this.parser = parser;
      this.base = base;
      this.onJob = onJob;
      this.onError = onError;
    }

    void append(byte[] b, int off, int len) {
      bytesSeen += len;
      int room = MAX_LINE_BYTES - line.size();
      if (len > room) {
        tooLong = true;
      }
      line.write(b, off, Math.min(len, Math.max(room, 0)));
    }

    void endFile() {
      if (bytesSeen > 0) {
        endLine();
      }
    }

    void endLine() {
      lineNo++;
      if (tooLong) {
        count++;
        String id = parser.claimReadableId(lenient(line.toByteArray()));
        onError.accept(
            new LineError(
                lineNo,
                id,
                "$",
                "line must be at most " + MAX_LINE_BYTES + " bytes, was " + bytesSeen,
                65));
      } else {
        judge(line.toByteArray());
      }
      line.reset();
      tooLong = false;
      bytesSeen = 0;
    }

    private void judge(byte[] bytes) {
      String text = decode(bytes);
      if (text == null) {
        count++;
        String id = parser.claimReadableId(lenient(bytes));
        onError.accept(
            new LineError(lineNo, id, "$", "line must be valid UTF-8" + firstBadByte(bytes), 65));
        return;
      }
      JobLineParser.Parsed p = parser.parse(lineNo, stripCr(text));
      if (p != null) {
        count++;
        if (p.ok()) {
          onJob.accept(absolute(Objects.requireNonNull(p.job(), "job"), base), lineNo);
        } else {
          onError.accept(p.error());
        }
      }
    }
  }

  private static String stripCr(String s) {
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }

  private static @Nullable String decode(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /**
   * The bytes decoded with U+FFFD for each malformed sequence (to read the id of a refused line).
   */
  private static String lenient(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** Where decoding stopped, e.g. " (bad byte 0xC3 at byte 17)"; empty if it did not. */
  private static String firstBadByte(byte[] bytes) {
    CharsetDecoder dec =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CoderResult r = dec.decode(in, CharBuffer.allocate(bytes.length + 1), true);
    if (r.isError()) {
      int at = in.position();
      return String.format(" (bad byte 0x%02X at byte %d)", bytes[at] & 0xff, at + 1);
    }
    return "";
  }

  private static Job absolute(Job job, Path base) {
    List<String> images = job.images().stream().map(r -> abs(r, base)).toList();
    return job.withInputs(
        images,
        job.mask() == null ? null : abs(job.mask(), base),
        job.video() == null ? null : abs(job.video(), base));
  }

  private static String abs(String ref, Path base) {
    return JobLineParser.isUrl(ref) ? ref : base.resolve(ref).normalize().toString();
  }
}
