package dev.editstream.producer;

import dev.editstream.core.job.Job;
import dev.editstream.core.job.JobLineParser;
import dev.editstream.core.job.LineError;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads a JSON Lines job file line by line (streaming, any size), checks each line with {@link
 * JobLineParser}, and hands each valid job (local paths made absolute) or line error to the
 * callers. A line that is not valid UTF-8 or longer than {@link #MAX_LINE_BYTES} is an error of its
 * own; the other lines still go through.
 */
public final class JobFileReader {
  /** The longest line accepted, bytes (2 MiB). */
  public static final int MAX_LINE_BYTES = 2 * 1024 * 1024;

  private JobFileReader() {}

  /** What reading a file gave. */
  public record Result(int lines, List<Job> jobs, List<LineError> errors) {}

  /**
   * Reads the whole file into memory-light callbacks.
   *
   * @param file the job file; relative local paths inside are resolved against its folder
   * @param onJob called for each valid job, in file order
   * @param onError called for each refused line, in file order
   * @return the number of non-blank lines read
   * @throws IOException if the file cannot be read
   */
  public static int read(Path file, Consumer<Job> onJob, Consumer<LineError> onError) throws IOException {
    Path base = file.toAbsolutePath().normalize().getParent();
    JobLineParser parser = new JobLineParser(base);
    int count = 0;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      ByteArrayOutputStream line = new ByteArrayOutputStream(512);
      int lineNo = 0;
      boolean tooLong = false;
      boolean eof = false;
      while (!eof) {
        int b = in.read();
        eof = b < 0;
        if (!eof && b != '\n') {
          if (line.size() < MAX_LINE_BYTES) {
            line.write(b);
          } else {
            tooLong = true;
          }
          continue;
        }
        lineNo++;
        if (eof && line.size() == 0 && !tooLong) {
          break;
        }
        if (tooLong) {
          count++;
          onError.accept(new LineError(lineNo, null, "$", "line must be at most " + MAX_LINE_BYTES + " bytes", 65));
        } else {
          String text = decode(line.toByteArray());
          if (text == null) {
            count++;
            onError.accept(new LineError(lineNo, null, "$", "line must be valid UTF-8", 65));
          } else {
            JobLineParser.Parsed p = parser.parse(lineNo, stripCr(text));
            if (p != null) {
              count++;
              if (p.ok()) {
                onJob.accept(absolute(p.job(), base));
              } else {
                onError.accept(p.error());
              }
            }
          }
        }
        line.reset();
        tooLong = false;
      }
    }
    return count;
  }

  /** Reads the whole file and collects the results (for small files, dry runs and tests). */
  public static Result readAll(Path file) throws IOException {
    List<Job> jobs = new ArrayList<>();
    List<LineError> errors = new ArrayList<>();
    int n = read(file, jobs::add, errors::add);
    return new Result(n, jobs, errors);
  }

  private static String stripCr(String s) {
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }

  private static String decode(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static Job absolute(Job job, Path base) {
    List<String> images = job.images().stream().map(r -> abs(r, base)).toList();
    return job.withInputs(images, job.mask() == null ? null : abs(job.mask(), base), job.video() == null ? null : abs(job.video(), base));
  }

  private static String abs(String ref, Path base) {
    return JobLineParser.isUrl(ref) ? ref : base.resolve(ref).normalize().toString();
  }
}
