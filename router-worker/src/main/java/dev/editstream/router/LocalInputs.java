package dev.editstream.router;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.jspecify.annotations.Nullable;

/**
 * The router's own gate for local input files, whatever a {@code requested} record says: the
 * producer checks folders too, but a record written straight to the topic by anyone with access to
 * it must not make the router read or serve {@code /etc/passwd} or RunComfy's {@code token.json}.
 * Every local path is checked here before anything reads it:
 *
 * <ol>
 *   <li><b>where</b>: an absolute path whose normalised form (no {@code ..}) and whose real path
 *       ({@link Path#toRealPath()}, every link resolved, so a link pointing out is refused) lie
 *       strictly inside one of the allowed folders; else class 65 {@code input_not_allowed}, naming
 *       the field, never the path outside. A missing file inside is class 66 {@code input_missing};
 *   <li><b>which</b>: names that look like secrets are refused wherever they are (class 65 {@code
 *       input_not_allowed}): {@code token.json} (RunComfy's token file), {@code *.pem}, {@code
 *       *.key}, {@code *.p12}, {@code *.pfx}, {@code *.jks}, {@code *.keystore}, {@code id_rsa},
 *       {@code id_dsa}, {@code id_ecdsa}, {@code id_ed25519} (and their {@code .pub}), {@code
 *       .netrc}, {@code .env}, {@code .pgpass}, {@code .git-credentials}, {@code credentials*},
 *       anything under a {@code .ssh}, {@code .gnupg}, {@code .aws}, {@code .kube}, {@code .docker}
 *       or {@code .config/runcomfy} folder, and anything under {@code /proc}, {@code /sys} or
 *       {@code /dev}. No image or video has such a name; content sniffing would refuse most of them
 *       too, this rule keeps them from being opened at all;
 *   <li><b>opened without following links</b> ({@link LinkOption#NOFOLLOW_LINKS} on the real path,
 *       so a file swapped for a link after the check is refused), then every further check reads
 *       the open channel, never the path again: size ({@link FileChannel#size()}, an fstat), first
 *       bytes ({@link MediaSniffer}), the image header's width and height (PNG, GIF, BMP and WebP
 *       from the head; JPEG through ImageIO's header reader over the channel, no decoding);
 *   <li><b>how big</b>: bytes over the role's limit, or more pixels than {@link Limits#maxPixels()}
 *       declared by the header, are class 65 {@code input_too_large} naming size and limit;
 *   <li><b>what</b>: images and masks must be PNG, JPEG, WebP or GIF, videos MP4, MOV or WebM
 *       (RunComfy's documented inputs: png/jpeg/webp images, mp4/mov videos; GIF and WebM are taken
 *       by the hosted models as well); anything else is class 65 {@code input_type} with the
 *       detected type.
 * </ol>
 *
 * <p>Every instance confines inputs to its allowed folders (none: nothing is allowed). Thread-safe
 * and immutable.
 */
public final class LocalInputs {
  /** The role an input plays in the request body: decides the accepted types and the byte limit. */
  public enum Role {
    /** An input image ({@code images[i]}). */
    IMAGE,
    /** An inpainting mask: an image editstream decodes (mask check, feathering). */
    MASK,
    /** An input video. */
    VIDEO
  }

  /**
   * editstream's own limits on local inputs, guarding its memory (tighter catalog rules are checked
   * afterwards by {@link Preflight}).
   *
   * @param maxImageBytes largest image file, bytes (default 50 MiB)
   * @param maxMaskBytes largest mask file, bytes (default 50 MiB; masks are read whole and decoded)
   * @param maxVideoBytes largest video file, bytes (default 100 MiB)
   * @param maxPixels most pixels an image or mask header may declare (default 50,000,000)
   * @param maxFeatherPixels most pixels of a mask editstream feathers (default 16,000,000: the blur
   *     holds 5 bytes a pixel)
   */
  public record Limits(
      long maxImageBytes,
      long maxMaskBytes,
      long maxVideoBytes,
      long maxPixels,
      long maxFeatherPixels) {
    /** The defaults named above. */
    public static final Limits DEFAULTS =
        new Limits(50L << 20, 50L << 20, 100L << 20, 50_000_000L, 16_000_000L);

    /**
     * @throws IllegalArgumentException when a limit is not positive
     */
    public Limits {
      if (maxImageBytes <= 0
          || maxMaskBytes <= 0
          || maxVideoBytes <= 0
          || maxPixels <= 0
          || maxFeatherPixels <= 0) {
        throw new IllegalArgumentException("every local input limit must be positive");
      }
    }

    /** The byte limit of a role. */
    public long maxBytes(Role role) {
      return switch (role) {
        case IMAGE -> maxImageBytes;
        case MASK -> maxMaskBytes;
        case VIDEO -> maxVideoBytes;
      };
    }
  }

  private static final Set<String> SECRET_NAMES =
      Set.of(
          "token.json",
          ".netrc",
          "_netrc",
          ".env",
          ".pgpass",
          ".git-credentials",
          "id_rsa",
          "id_dsa",
          "id_ecdsa",
          "id_ed25519",
          "id_rsa.pub",
          "id_dsa.pub",
          "id_ecdsa.pub",
          "id_ed25519.pub",
          "authorized_keys",
          "known_hosts",
          "shadow",
          "passwd");
  private static final Set<String> SECRET_EXTENSIONS =
      Set.of("pem", "key", "p12", "pfx", "jks", "keystore", "kdbx", "gpg", "asc");
  private static final Set<String> SECRET_FOLDERS =
      Set.of(".ssh", ".gnupg", ".aws", ".kube", ".docker", ".azure", ".gcloud");
  private static final Set<String> SYSTEM_ROOTS = Set.of("proc", "sys", "dev");

  private final List<Path> lexical;
  private final List<Path> real;
  private final Limits limits;

  private LocalInputs(List<Path> lexical, List<Path> real, Limits limits) {
    this.lexical = lexical;
    this.real = real;
    this.limits = limits;
  }

  /**
   * A gate confining local inputs to {@code allowedFolders}.
   *
   * @param allowedFolders folders local inputs must lie inside (the job file's folder and every
   *     {@code --allow-input}); folders that do not exist are ignored; empty: no local input is
   *     allowed anywhere (a router-worker given no {@code --allow-input})
   * @param limits the byte and pixel limits
   * @throws IllegalArgumentException when {@code allowedFolders} is null or names the root folder
   */
  public static LocalInputs confinedTo(List<Path> allowedFolders, Limits limits) {
    if (allowedFolders == null) {
      throw new IllegalArgumentException("allowedFolders: must not be null (empty allows nothing)");
    }
    List<Path> lex = new ArrayList<>();
    List<Path> rl = new ArrayList<>();
    for (Path f : allowedFolders) {
      Path abs = f.toAbsolutePath().normalize();
      if (abs.getParent() == null) {
        throw new IllegalArgumentException(
            "allowedFolders: the root folder " + abs + " would allow every file");
      }
      lex.add(abs);
      try {
        rl.add(abs.toRealPath());
      } catch (IOException e) {
        // a folder that does not exist allows nothing
      }
    }
    return new LocalInputs(List.copyOf(lex), List.copyOf(rl), limits);
  }

  /** The same gate with one more allowed folder (editstream's own temporary folder). */
  LocalInputs allowing(Path ownFolder) {
    List<Path> lex = new ArrayList<>(lexical);
    List<Path> rl = new ArrayList<>(real);
    lex.add(ownFolder.toAbsolutePath().normalize());
    try {
      rl.add(ownFolder.toRealPath());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new LocalInputs(List.copyOf(lex), List.copyOf(rl), limits);
  }

  /** The same gate with other limits. */
  public LocalInputs withLimits(Limits next) {
    return new LocalInputs(lexical, real, java.util.Objects.requireNonNull(next, "limits"));
  }

  /** The limits. */
  public Limits limits() {
    return limits;
  }

  /**
   * Checks where a local input is and returns its real path; reads nothing.
   *
   * @param jobId for messages
   * @param field the job field ({@code images[0]}, {@code mask}, {@code video}), named in messages
   * @param ref the path as the record gives it
   * @return the real path (every link resolved), inside an allowed folder
   * @throws StageException class 65 {@code input_not_allowed} (not absolute, outside the folders, a
   *     link pointing out, a secret-looking name), 66 {@code input_missing} / {@code
   *     input_unreadable} for a missing or unreadable file inside them
   */
  public Path confine(String jobId, String field, String ref) {
    Path p;
    try {
      p = Path.of(ref);
    } catch (InvalidPathException e) {
      throw notAllowed(jobId, field, "is not a valid local path");
    }
    if (!p.isAbsolute()) {
      throw notAllowed(
          jobId,
          field,
          "a local path must be absolute (the producer resolves it against the job file's folder)");
    }
    Path n = p.normalize();
    if (!inside(n, lexical) && !inside(n, real)) {
      throw outside(jobId, field);
    }
    refuseSecret(jobId, field, n);
    Path r;
    try {
      r = n.toRealPath();
    } catch (NoSuchFileException e) {
      throw new StageException(
          ExitClass.NO_INPUT,
          FailureReason.INPUT_MISSING,
          "job " + jobId + ": " + field + ": local input file not found: " + name(n));
    } catch (IOException e) {
      throw new StageException(
          ExitClass.NO_INPUT,
          FailureReason.INPUT_UNREADABLE,
          "job "
              + jobId
              + ": "
              + field
              + ": cannot read local input "
              + name(n)
              + " ("
              + e.getClass().getSimpleName()
              + ")");
    }
    if (!inside(r, real)) {
      throw outside(jobId, field);
    }
    refuseSecret(jobId, field, r);
    return r;
  }

  /**
   * Confines, opens without following links and checks a local input through the open channel.
   *
   * @param maxBytes the byte limit for this input (the role's, or a tighter one)
   * @return the open, checked file; close it
   * @throws StageException as {@link #confine}; class 65 {@code input_type} for a file that is not
   *     regular or whose content does not fit the role, {@code input_too_large} over a limit; 66
   *     {@code input_unreadable} when it cannot be read
   */
  public Opened open(String jobId, String field, String ref, Role role, long maxBytes) {
    Path r = confine(jobId, field, ref);
    try {
      BasicFileAttributes a =
          Files.readAttributes(r, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!a.isRegularFile()) {
        throw new StageException(
            ExitClass.DATA,
            FailureReason.INPUT_TYPE,
            "job "
                + jobId
                + ": "
                + field
                + ": "
                + name(r)
                + " is not a regular file (a folder, device, pipe or link)");
      }
    } catch (IOException e) {
      throw unreadable(jobId, field, r, e);
    }
    FileChannel ch;
    try {
      ch = FileChannel.open(r, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
    } catch (FileSystemException e) {
      if (!(e instanceof NoSuchFileException) && !(e instanceof AccessDeniedException)) {
        // ELOOP: the file became a link between the check and the open
        throw notAllowed(jobId, field, "became a link while being checked");
      }
      throw unreadable(jobId, field, r, e);
    } catch (IOException e) {
      throw unreadable(jobId, field, r, e);
    }
    Opened o = new Opened(jobId, field, r, ch, role);
    try {
      o.check(maxBytes);
      return o;
    } catch (RuntimeException e) {
      o.close();
      throw e;
    }
  }

  /** The gate's verdict on one open file; reads go through its channel only. */
  public final class Opened implements AutoCloseable {
    private final String jobId;
    private final String field;
    private final Path realPath;
    private final FileChannel channel;
    private final Role role;
    private long size;
    private MediaSniffer.Type type = MediaSniffer.Type.UNKNOWN; // set by check(), run by open()
    private long @Nullable [] dims;

    private Opened(String jobId, String field, Path realPath, FileChannel channel, Role role) {
      this.jobId = jobId;
      this.field = field;
      this.realPath = realPath;
      this.channel = channel;
      this.role = role;
    }

    private void check(long maxBytes) {
      try {
        size = channel.size();
        if (size > maxBytes) {
          throw tooLarge(
              String.format(
                  Locale.ROOT,
                  "%s is %s, more than the %s limit for a %s",
                  name(realPath),
                  mib(size),
                  mib(maxBytes),
                  role.name().toLowerCase(Locale.ROOT)));
        }
        byte[] head = new byte[(int) Math.min(MediaSniffer.HEAD_BYTES, size)];
        readFully(ByteBuffer.wrap(head), 0);
        type = MediaSniffer.detect(head);
        boolean fits = role == Role.VIDEO ? type.acceptedVideo() : type.acceptedImage();
        if (!fits) {
          String wanted =
              role == Role.VIDEO
                  ? "a video (MP4, MOV or WebM)"
                  : "an image (PNG, JPEG, WebP or GIF)";
          String hint =
              type == MediaSniffer.Type.BMP
                      || type == MediaSniffer.Type.TIFF
                      || type == MediaSniffer.Type.HEIF
                  ? "; convert it to PNG or JPEG"
                  : "";
          throw new StageException(
              ExitClass.DATA,
              FailureReason.INPUT_TYPE,
              "job "
                  + jobId
                  + ": "
                  + field
                  + ": "
                  + name(realPath)
                  + " contains "
                  + type.label()
                  + ", not "
                  + wanted
                  + hint);
        }
        if (role != Role.VIDEO) {
          dims = type == MediaSniffer.Type.JPEG ? jpegSize() : MediaSniffer.dimensions(head);
          if (dims == null && role == Role.MASK) {
            throw new StageException(
                ExitClass.DATA,
                FailureReason.MASK,
                "job "
                    + jobId
                    + ": mask: "
                    + name(realPath)
                    + " has no readable "
                    + type.label()
                    + " header");
          }
          if (dims != null && (dims[0] <= 0 || dims[1] <= 0)) {
            throw new StageException(
                ExitClass.DATA,
                FailureReason.INPUT_TYPE,
                "job "
                    + jobId
                    + ": "
                    + field
                    + ": "
                    + name(realPath)
                    + " declares "
                    + dims[0]
                    + " x "
                    + dims[1]
                    + " px, an empty image");
          }
          if (dims != null && dims[0] * dims[1] > limits.maxPixels()) {
            throw tooLarge(
                String.format(
                    Locale.ROOT,
                    "%s declares %d x %d px (%.1f MP), more than the %.1f MP limit",
                    name(realPath),
                    dims[0],
                    dims[1],
                    dims[0] * dims[1] / 1e6,
                    limits.maxPixels() / 1e6));
          }
        }
      } catch (IOException e) {
        throw unreadable(jobId, field, realPath, e);
      }
    }

    private StageException tooLarge(String what) {
      return new StageException(
          ExitClass.DATA,
          FailureReason.INPUT_TOO_LARGE,
          "job " + jobId + ": " + field + ": " + what);
    }

    /**
     * JPEG width and height through ImageIO's header reader over the channel (no decoding), or
     * {@code null}.
     */
    private long @Nullable [] jpegSize() throws IOException {
      channel.position(0);
      try (ImageInputStream in =
          new MemoryCacheImageInputStream(Channels.newInputStream(new Unclosable(channel)))) {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
          return null;
        }
        ImageReader reader = readers.next();
        try {
          reader.setInput(in, true, true);
          return new long[] {reader.getWidth(0), reader.getHeight(0)};
        } catch (IOException | RuntimeException e) {
          return null;
        } finally {
          reader.dispose();
        }
      }
    }

    private void readFully(ByteBuffer buf, long at) throws IOException {
      while (buf.hasRemaining()) {
        int n = channel.read(buf, at + buf.position());
        if (n < 0) {
          throw new java.io.EOFException("the file shrank while being read");
        }
      }
    }

    /** The real path that was opened (every link resolved). */
    public Path realPath() {
      return realPath;
    }

    /** Its size when opened, bytes. */
    public long size() {
      return size;
    }

    /** Its content's type. */
    public MediaSniffer.Type type() {
      return type;
    }

    /** Width, px, declared by the header; {@code null} for a video or an unreadable header. */
    public @Nullable Integer width() {
      return dims == null || dims[0] > Integer.MAX_VALUE ? null : (int) dims[0];
    }

    /** Height, px; as {@link #width()}. */
    public @Nullable Integer height() {
      return dims == null || dims[1] > Integer.MAX_VALUE ? null : (int) dims[1];
    }

    /**
     * The whole file, read through the open channel; at most its checked size (a file that grew
     * since is refused, class 65 {@code input_too_large}).
     *
     * @throws StageException 66 {@code input_unreadable} when reading fails
     */
    public byte[] readAll() {
      try {
        ByteBuffer buf = ByteBuffer.allocate((int) size);
        readFully(buf, 0);
        if (channel.read(ByteBuffer.allocate(1), size) > 0) {
          throw tooLarge(name(realPath) + " grew while being read");
        }
        return buf.array();
      } catch (IOException e) {
        throw unreadable(jobId, field, realPath, e);
      }
    }

    @Override
    public void close() {
      try {
        channel.close();
      } catch (IOException ignored) {
        // a read-only channel: nothing to lose
      }
    }
  }

  /**
   * A channel view whose close does nothing (ImageIO streams must not close the gate's channel).
   */
  private static final class Unclosable implements java.nio.channels.ReadableByteChannel {
    private final FileChannel ch;

    Unclosable(FileChannel ch) {
      this.ch = ch;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return ch.read(dst);
    }

    @Override
    public boolean isOpen() {
      return ch.isOpen();
    }

    @Override
    public void close() {}
  }

  private static boolean inside(Path p, List<Path> folders) {
    for (Path f : folders) {
      if (p.startsWith(f) && !p.equals(f)) {
        return true;
      }
    }
    return false;
  }

  /** Refuses secret-looking names and system folders. */
  private static void refuseSecret(String jobId, String field, Path p) {
    if (p.getNameCount() > 0 && SYSTEM_ROOTS.contains(p.getName(0).toString())) {
      throw notAllowed(jobId, field, "system files (/proc, /sys, /dev) are never inputs");
    }
    String prev = "";
    for (Path seg : p) {
      String s = seg.toString().toLowerCase(Locale.ROOT);
      if (SECRET_FOLDERS.contains(s) || (prev.equals(".config") && s.equals("runcomfy"))) {
        throw notAllowed(
            jobId, field, "the file lies in a folder of keys or credentials and is never sent");
      }
      prev = s;
    }
    String name = name(p).toLowerCase(Locale.ROOT);
    int dot = name.lastIndexOf('.');
    String ext = dot < 0 ? "" : name.substring(dot + 1);
    if (SECRET_NAMES.contains(name)
        || SECRET_EXTENSIONS.contains(ext)
        || name.startsWith("credentials")
        || name.startsWith(".env.")) {
      throw notAllowed(
          jobId,
          field,
          "the file name looks like a secret (token, key or credentials) and is never sent");
    }
  }

  private static StageException outside(String jobId, String field) {
    return notAllowed(
        jobId,
        field,
        "the local file is outside the allowed input folders (the job file's folder and --allow-input; "
            + "links pointing out of them are refused too)");
  }

  private static StageException notAllowed(String jobId, String field, String why) {
    return new StageException(
        ExitClass.DATA,
        FailureReason.INPUT_NOT_ALLOWED,
        "job " + jobId + ": " + field + ": " + why);
  }

  private static StageException unreadable(String jobId, String field, Path p, IOException e) {
    if (e instanceof NoSuchFileException) {
      return new StageException(
          ExitClass.NO_INPUT,
          FailureReason.INPUT_MISSING,
          "job " + jobId + ": " + field + ": local input file not found: " + name(p));
    }
    return new StageException(
        ExitClass.NO_INPUT,
        FailureReason.INPUT_UNREADABLE,
        "job "
            + jobId
            + ": "
            + field
            + ": cannot read local input "
            + name(p)
            + " ("
            + e.getClass().getSimpleName()
            + ")");
  }

  private static String name(Path p) {
    return p.getFileName() == null ? "" : p.getFileName().toString();
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / 1_048_576d);
  }
}
