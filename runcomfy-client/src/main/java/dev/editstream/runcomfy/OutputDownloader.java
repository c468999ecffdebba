package dev.editstream.runcomfy;

import dev.editstream.core.Redact;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import io.netty.buffer.ByteBuf;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.resources.ConnectionProvider;

/**
 * Streams RunComfy output files to disk, as RunComfy's CLI does but safer (runcomfy-cli v0.2.0,
 * "Downloads"): no token or {@code Authorization} header is ever sent; every URL and every redirect
 * hop must pass the {@link DownloadPolicy}, and the HTTP client is given exactly the {@link URI}
 * that {@link DownloadPolicy#check} returned (a redirect's {@code Location} is resolved against the
 * current URI, then checked the same way); redirects are followed by hand, at most {@link
 * DownloadConfig#maxRedirects()}; the size cap is checked against Content-Length before writing and
 * again while streaming. No {@code Accept-Encoding} is sent and nothing is decompressed (no {@code
 * compress(true)}): a compressed body is saved as sent, so a compression bomb cannot grow past the
 * size cap.
 *
 * <p><b>Addresses.</b> Names allowed by a suffix ({@code *.runcomfy.net}) are resolved by this
 * downloader's own resolver ({@link CheckingResolver}, on Reactor Netty's {@code
 * resolver(AddressResolverGroup)}): every address the name resolves to must pass {@link
 * AddressRules} (no loopback, private, link-local, unspecified or multicast address), and Netty
 * connects to the very address that was checked. Configured local {@code host:port} entries (the
 * emulator) are exempt. A refusal is DATA {@code refused_address}.
 *
 * <p><b>Deadline.</b> A whole download (connect, redirects, body, commit) must end within {@link
 * DownloadConfig#deadline()}, else it fails with TEMPFAIL {@code download_deadline}; its part file
 * is deleted before the error is signalled. A caller that knows the job's own deadline passes it
 * ({@link #download(URI, Path, String, Instant)}): the limit is then the shorter of the two, and a
 * download stopped by the job's deadline (or started after it) fails with OTHER (class 1, not
 * retried) {@code download_deadline}, since a retry could only come after the job's deadline.
 *
 * <p>Unlike the CLI, bytes go to a hidden part file ({@code .<name>.part-<random>}) written off the
 * event loop (on {@link FileIo#scheduler()}, at most {@value #PREFETCH} buffers queued, so memory
 * stays bounded and Netty applies back-pressure), the SHA-256 is computed on the way, and the file
 * is fsynced and renamed atomically to its final name ({@link FileNames}). Any failure deletes the
 * part file before the error is signalled. Files larger than {@link
 * DownloadConfig#syncEveryBytes()} are synced in the background while they stream (on this
 * downloader's own writeback threads, see {@link PartFile}), so the disk works while the network
 * does and the final fsync has little left. Files announced at 64 MiB or more are written with
 * {@code O_DIRECT} instead, where the file system allows it ({@link #DIRECT}; no background syncs
 * then). Files larger than {@value #HASH_OFFLOAD_FROM_BYTES} bytes are hashed on this downloader's
 * hashing threads while the writer writes the same buffers (at most {@value
 * #HASH_MAX_PENDING_BYTES} bytes queued per download; see {@link ParallelDigest}). Each {@link
 * DownloadedFile} tells how long streaming and the final commit took. Creating, writing and
 * committing a file follow each other on one file-work thread where they can ({@link FileIo#call}).
 *
 * <p>Errors ({@link StageException}): refused URL or redirect → DATA {@code refused_url}; refused
 * resolved address → DATA {@code refused_address}; too many redirects → DATA; over the cap → DATA
 * {@code too_large}; past the deadline → TEMPFAIL {@code download_deadline} (OTHER when the job's
 * own deadline stopped it); HTTP status per {@link DownloadStatus} (429 with its Retry-After);
 * fewer bytes than Content-Length or a connection closed mid-body → TEMPFAIL {@code truncated};
 * full disk → TEMPFAIL {@code disk_full}; another local file error → OTHER {@code local_io}; other
 * transport failures per {@link TransportErrorClassifier}. The name comes from the URL asked for,
 * not from the last redirect target (which is often a signed storage key).
 *
 * <p>Concurrent downloads into one folder get distinct names: choosing a free name and renaming are
 * serialised within the JVM (other processes writing the same folder are not coordinated).
 */
public final class OutputDownloader implements AutoCloseable {
  /**
   * Body pieces queued between the event loop and the writer per download. 32 rather than 8: with
   * the writer, the hashing thread and the event loop each about half busy on a 1 GiB download, a
   * deeper queue smooths the hand-offs (standalone, 0.76–0.94× of curl's time became 0.87–1.01×).
   * At most 8 MiB of direct memory at the largest read size.
   */
  private static final int PREFETCH = 32;

  /**
   * Largest body piece the HTTP decoder hands on, bytes (Netty's default is 8 KiB: a 2 GiB file
   * would be 262,144 pieces, each queued, hashed and written on its own). Pieces are slices of what
   * one socket read returned, so this bounds nothing else.
   */
  private static final int MAX_CHUNK = 1 << 20;

  /**
   * Largest socket read, bytes (Netty's adaptive default stops at 64 KiB). Reads start at Netty's
   * usual 2 KiB (a 64 KiB first read costs small outputs more CPU: docs/benchmarks.md, scenario
   * (b)) and grow towards it only while they come back full, i.e. for large, fast bodies; then a
   * download queues at most {@value #PREFETCH} pieces of this size (8 MiB of direct memory) and
   * makes up to 4× fewer reads, queue hand-offs and file writes.
   */
  private static final int MAX_READ = 256 * 1024;

  private final DownloadPolicy policy;
  private final DownloadConfig config;
  private final Clock clock;
  private final ConnectionProvider provider;
  private final HttpClient http;
  private final PartFiles partFiles;
  private final @Nullable ExecutorService writebackPool;
  private final ExecutorService hashPool =
      Executors.newCachedThreadPool(daemonThreads("download-hash-"));

  /** Files past this size are hashed on {@link #hashPool} while the writer writes, bytes. */
  static final long HASH_OFFLOAD_FROM_BYTES = 4L << 20;

  /** Bytes of one download queued for hashing before its writer waits (direct memory), bytes. */
  static final long HASH_MAX_PENDING_BYTES = 8L << 20;

  /**
   * Files announced at 64 MiB or more are written with {@code O_DIRECT} through a 4 MiB aligned
   * buffer where the file system allows it (see {@link PartFile}): scenario (d) of
   * docs/benchmarks.md found the writer thread's page-cache writes, not the network or the hash, to
   * be the limit of a 2 GiB download.
   */
  static final PartFile.Direct DIRECT = new PartFile.Direct(64L << 20, 4 << 20);

  /** Creates the part file of one download (blocking; called off the event loop). */
  @FunctionalInterface
  interface PartFiles {
    /**
     * @param expectedBytes the announced size (Content-Length), bytes, or -1
     */
    PartFile create(Path dir, String name, long expectedBytes) throws IOException;
  }

  /**
   * @param policy which URLs may be fetched
   * @param config timeouts, cap, redirect limit, pool size
   * @param clock turns a Retry-After HTTP-date into a delay
   */
  public OutputDownloader(DownloadPolicy policy, DownloadConfig config, Clock clock) {
    this(policy, config, clock, null, CheckingResolver.HostResolver.SYSTEM);
  }

  /** For tests: names are resolved by {@code resolver} (no DNS needed), then checked as always. */
  OutputDownloader(
      DownloadPolicy policy,
      DownloadConfig config,
      Clock clock,
      CheckingResolver.HostResolver resolver) {
    this(policy, config, clock, null, resolver);
  }

  /**
   * For tests: see {@link #OutputDownloader(DownloadPolicy, DownloadConfig, Clock, PartFiles,
   * CheckingResolver.HostResolver)}.
   */
  OutputDownloader(DownloadPolicy policy, DownloadConfig config, Clock clock, PartFiles partFiles) {
    this(policy, config, clock, partFiles, CheckingResolver.HostResolver.SYSTEM);
  }

  /**
   * For tests: the part files come from {@code partFiles} (e.g. one that writes to a full disk),
   * or, when {@code null}, are created with this downloader's background writeback.
   *
   * <p>Deprecations allowed here: {@code maxChunkSize} (Reactor Netty deprecated it for Netty 5,
   * which drops it) and {@code RCVBUF_ALLOCATOR} (Netty 4.2's read handles replace it) both still
   * act in Netty 4.2 and size the chunks the hashing thread gets; a replacement is a benchmark's
   * decision (scenario (d), docs/benchmarks.md), not a compiler's.
   */
  @SuppressWarnings("deprecation")
  OutputDownloader(
      DownloadPolicy policy,
      DownloadConfig config,
      Clock clock,
      @Nullable PartFiles partFiles,
      CheckingResolver.HostResolver resolver) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.config = Objects.requireNonNull(config, "config");
    PartFile.Hashing hashing =
        new PartFile.Hashing(HASH_OFFLOAD_FROM_BYTES, HASH_MAX_PENDING_BYTES, hashPool);
    if (partFiles != null) {
      this.writebackPool = null;
      this.partFiles = partFiles;
    } else if (config.syncEveryBytes() > 0) {
      this.writebackPool = Executors.newCachedThreadPool(daemonThreads("download-writeback-"));
      PartFile.Writeback wb =
          new PartFile.Writeback(
              config.syncEveryBytes(),
              config.syncEveryBytes() * DownloadConfig.PENDING_SYNC_FACTOR,
              writebackPool);
      this.partFiles = (d, n, size) -> PartFile.create(d, n, wb, hashing, DIRECT, size);
    } else {
      this.writebackPool = null;
      this.partFiles = (d, n, size) -> PartFile.create(d, n, null, hashing, DIRECT, size);
    }
    this.clock = Objects.requireNonNull(clock, "clock");
    this.provider =
        ConnectionProvider.builder("runcomfy-download")
            .maxConnections(config.maxConnections())
            .pendingAcquireMaxCount(-1)
            .build();
    this.http =
        HttpClient.create(provider)
            .resolver(new CheckingResolver(policy, resolver))
            .followRedirect(false)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()))
            .responseTimeout(config.readTimeout())
            .httpResponseDecoder(spec -> spec.maxChunkSize(MAX_CHUNK))
            .option(
                ChannelOption.RCVBUF_ALLOCATOR,
                new AdaptiveRecvByteBufAllocator(64, 2048, MAX_READ));
  }

  /**
   * Downloads one file.
   *
   * @param url the output URL (as found by {@link OutputUrls}); checked by {@link
   *     DownloadPolicy#check} on its text ({@code url.toString()}), and the checked URI is fetched
   * @param targetDir the folder to write into (created if missing)
   * @param preferredName the name to use (sanitised), or {@code null}/blank for the URL's last path
   *     segment
   * @return the written file; errors as described on the class
   */
  public Mono<DownloadedFile> download(URI url, Path targetDir, @Nullable String preferredName) {
    return download(url == null ? null : url.toString(), targetDir, preferredName, null);
  }

  /**
   * Downloads one file within the job's own deadline as well: the whole download must end within
   * the shorter of {@link DownloadConfig#deadline()} and the time left until {@code jobDeadline}.
   * When the job's deadline is what stops it (or has already passed, in which case nothing is
   * fetched), the download fails with OTHER (class 1, not retried) {@code download_deadline}; when
   * the configured limit stops it first, with TEMPFAIL {@code download_deadline} as usual.
   *
   * @param jobDeadline when the job must be over, or {@code null} for the configured limit alone
   * @see #download(URI, Path, String)
   */
  public Mono<DownloadedFile> download(
      URI url, Path targetDir, @Nullable String preferredName, @Nullable Instant jobDeadline) {
    return download(url == null ? null : url.toString(), targetDir, preferredName, jobDeadline);
  }

  /**
   * Downloads one file given as text (an output URL exactly as the result carried it, so no other
   * parser has read it first).
   *
   * @see #download(URI, Path, String)
   */
  public Mono<DownloadedFile> download(String url, Path targetDir, @Nullable String preferredName) {
    return download(url, targetDir, preferredName, null);
  }

  private Mono<DownloadedFile> download(
      @Nullable String url,
      Path targetDir,
      @Nullable String preferredName,
      @Nullable Instant jobDeadline) {
    return Mono.defer(
        () -> {
          DownloadPolicy.Checked checked = policy.check(url);
          if (!checked.allowed()) {
            return Mono.error(refused(url, checked.refusal()));
          }
          URI uri = Objects.requireNonNull(checked.uri(), "uri"); // set when allowed
          String name =
              preferredName == null || preferredName.isBlank()
                  ? FileNames.fromUrl(uri)
                  : FileNames.sanitise(preferredName);
          Target t = new Target(targetDir, name, Redact.url(uri.toString()), new PartState());
          Duration deadline = config.deadline();
          boolean jobLimits = false;
          if (jobDeadline != null) {
            Duration left = Duration.between(clock.instant(), jobDeadline);
            if (left.isNegative() || left.isZero()) {
              return Mono.error(jobDeadlinePassed(uri, jobDeadline));
            }
            if (left.compareTo(deadline) <= 0) {
              deadline = left;
              jobLimits = true;
            }
          }
          StageException onTimeout =
              jobLimits && jobDeadline != null // jobLimits: the job's deadline is set
                  ? jobDeadlinePassed(uri, jobDeadline)
                  : deadlineExceeded(uri);
          return hop(uri, 0, t)
              .timeout(deadline, Mono.defer(() -> t.part.gone().then(Mono.error(onTimeout))));
        });
  }

  /**
   * Releases the connection pool, the writeback and the hashing threads (a download still running
   * then skips its remaining background syncs and hashes the rest on its writer; its final fsync
   * still runs).
   */
  @Override
  public void close() {
    provider.dispose();
    if (writebackPool != null) {
      writebackPool.shutdown();
    }
    hashPool.shutdown();
  }

  /**
   * Daemon threads {@code <prefix>N} ({@code download-writeback-}, {@code download-hash-}): at most
   * one of each busy per running download.
   */
  private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private static StageException refused(@Nullable String url, @Nullable String why) {
    return new StageException(
        ExitClass.DATA,
        FailureReason.REFUSED_URL,
        "download refused: " + SafeText.of(Redact.url(String.valueOf(url)), 300) + ": " + why);
  }

  private StageException deadlineExceeded(URI uri) {
    return new StageException(
        ExitClass.TEMPFAIL,
        FailureReason.DOWNLOAD_DEADLINE,
        "GET "
            + Redact.url(uri.toString())
            + ": not done within the download deadline of "
            + config.deadline().toMillis()
            + " ms");
  }

  /** The job's own deadline stopped the download: class 1, not retried (a retry would be late). */
  private static StageException jobDeadlinePassed(URI uri, Instant jobDeadline) {
    return new StageException(
        ExitClass.OTHER,
        FailureReason.DOWNLOAD_DEADLINE,
        "GET "
            + Redact.url(uri.toString())
            + ": not done by the job's deadline "
            + jobDeadline
            + "; not retried");
  }

  /**
   * @param uri a URI returned by {@link DownloadPolicy#check} (never anything else)
   */
  private Mono<DownloadedFile> hop(URI uri, int redirects, Target t) {
    return http.get()
        .uri(uri)
        .response((resp, body) -> answer(resp, body, uri, redirects, t))
        .single()
        .onErrorMap(e -> !(e instanceof StageException), e -> transport(e, uri))
        .flatMap(
            step ->
                step.file != null
                    ? Mono.just(step.file)
                    : hop(Objects.requireNonNull(step.next, "next"), redirects + 1, t));
  }

  private Mono<Step> answer(
      HttpClientResponse resp, ByteBufFlux body, URI uri, int redirects, Target t) {
    int status = resp.status().code();
    String where = Redact.url(uri.toString());
    if (DownloadStatus.isRedirect(status)
        && resp.responseHeaders().contains(HttpHeaderNames.LOCATION)) {
      if (redirects >= config.maxRedirects()) {
        return body.then(
            Mono.error(
                new StageException(
                    ExitClass.DATA,
                    FailureReason.TOO_MANY_REDIRECTS,
                    "GET " + where + ": more than " + config.maxRedirects() + " redirects")));
      }
      String location = resp.responseHeaders().get(HttpHeaderNames.LOCATION).trim();
      DownloadPolicy.Checked next = DownloadPolicy.Checked.refused("an invalid Location");
      String target = location;
      if (location.length() <= DownloadPolicy.MAX_URL_CHARS
          && location.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '\\')) {
        try {
          target = uri.resolve(new URI(location)).toString();
          next = policy.check(target);
        } catch (URISyntaxException | IllegalArgumentException e) {
          // stays refused: not a URI reference
        }
      }
      if (!next.allowed()) {
        return body.then(
            Mono.error(
                new StageException(
                    ExitClass.DATA,
                    FailureReason.REFUSED_URL,
                    "GET "
                        + where
                        + ": redirect to "
                        + SafeText.of(Redact.url(target), 300)
                        + " refused: "
                        + next.refusal())));
      }
      URI to = next.uri();
      return body.then(Mono.just(new Step(null, to)));
    }
    if (status < 200 || status > 299) {
      StageException e =
          new StageException(
              DownloadStatus.classify(status),
              FailureReason.httpText(status, null),
              "GET " + where + " -> HTTP " + status,
              RetryAfter.parse(
                      resp.responseHeaders().get(HttpHeaderNames.RETRY_AFTER), clock.instant())
                  .orElse(null));
      return body.then(Mono.error(e));
    }
    long declared = contentLength(resp);
    if (declared > config.maxBytes()) {
      return Mono.error(tooLarge(where, declared));
    }
    String type = resp.responseHeaders().get(HttpHeaderNames.CONTENT_TYPE);
    String contentType = type == null || type.isBlank() ? ContentTypes.guess(t.name) : type;
    return Mono.usingWhen(
            FileIo.call(() -> partFiles.create(t.dir, t.name, declared))
                .doOnNext(part -> t.part.opened())
                .onErrorMap(e -> !(e instanceof StageException), e -> localFailure(e, t.dir)),
            part ->
                stream(body, part, where, t.dir)
                    .then(FileIo.call(() -> finish(part, declared, contentType, t, where))),
            part -> Mono.fromRunnable(t.part::closed),
            (part, err) -> FileIo.run(part::discard).doFinally(s -> t.part.closed()),
            part -> FileIo.run(part::discard).doFinally(s -> t.part.closed()))
        .map(file -> new Step(file, null));
  }

  private Mono<Void> stream(ByteBufFlux body, PartFile part, String where, Path dir) {
    return body.retain()
        .publishOn(FileIo.scheduler(), PREFETCH)
        .<Long>handle(
            (buf, sink) -> {
              try {
                part.write(buf);
              } catch (IOException e) {
                sink.error(localFailure(e, dir));
                return;
              } finally {
                buf.release();
              }
              if (part.bytes() > config.maxBytes()) {
                sink.error(tooLarge(where, part.bytes()));
              }
            })
        .doOnDiscard(ByteBuf.class, ReferenceCountUtil::safeRelease)
        .onErrorMap(e -> !(e instanceof StageException), e -> bodyFailure(e, where))
        .then();
  }

  private DownloadedFile finish(
      PartFile part, long declared, String contentType, Target t, String where) {
    if (declared >= 0 && part.bytes() != declared) {
      throw new StageException(
          ExitClass.TEMPFAIL,
          FailureReason.TRUNCATED,
          "GET " + where + ": got " + part.bytes() + " of " + declared + " bytes");
    }
    long commitStart = System.nanoTime();
    Duration streaming = Duration.ofNanos(commitStart - part.createdNanos());
    long bytes = part.bytes();
    try {
      String sha = part.sha256Hex();
      Path path = part.commit();
      return new DownloadedFile(
          path,
          bytes,
          sha,
          contentType,
          t.source,
          streaming,
          Duration.ofNanos(System.nanoTime() - commitStart),
          part.backgroundSyncs());
    } catch (IOException e) {
      throw localFailure(e, t.dir);
    }
  }

  private StageException tooLarge(String where, long bytes) {
    return new StageException(
        ExitClass.DATA,
        FailureReason.TOO_LARGE,
        "GET " + where + ": " + bytes + " bytes exceed the cap of " + config.maxBytes() + " bytes");
  }

  /** A local file-system failure: full disk → TEMPFAIL {@code disk_full}, else OTHER. */
  private static StageException localFailure(Throwable e, Path dir) {
    TransportError te = TransportErrorClassifier.classify(e);
    if (te.reason() == FailureReason.DISK_FULL) {
      return new StageException(
          ExitClass.TEMPFAIL,
          FailureReason.DISK_FULL,
          "no space left on device while writing into " + dir);
    }
    return new StageException(
        ExitClass.OTHER,
        FailureReason.LOCAL_IO,
        "cannot write into " + dir + " (" + e.getClass().getSimpleName() + ")");
  }

  private static StageException bodyFailure(Throwable e, String where) {
    TransportError te = TransportErrorClassifier.classify(e);
    if (te.reason() == FailureReason.CONNECTION_RESET) {
      return new StageException(
          ExitClass.TEMPFAIL,
          FailureReason.TRUNCATED,
          "GET "
              + where
              + ": connection closed before the body ended ("
              + e.getClass().getSimpleName()
              + ")");
    }
    return new StageException(
        te.exitClass(),
        te.reasonText(),
        "GET "
            + where
            + " failed while writing: "
            + te.reasonText()
            + " ("
            + e.getClass().getSimpleName()
            + ")");
  }

  private static StageException transport(Throwable e, URI uri) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof CheckingResolver.AddressRefused refused) {
        return new StageException(
            ExitClass.DATA,
            FailureReason.REFUSED_ADDRESS,
            "GET " + Redact.url(uri.toString()) + " refused: " + refused.getMessage());
      }
      if (TransportErrorClassifier.isTooLongFrame(c)) {
        return new StageException(
            ExitClass.DATA,
            FailureReason.HEADER_TOO_LARGE,
            "GET "
                + Redact.url(uri.toString())
                + ": response head over Netty's limit ("
                + c.getClass().getSimpleName()
                + ")");
      }
    }
    TransportError te = TransportErrorClassifier.classify(e);
    return new StageException(
        te.exitClass(),
        te.reasonText(),
        "GET "
            + Redact.url(uri.toString())
            + " failed: "
            + te.reasonText()
            + " ("
            + e.getClass().getSimpleName()
            + ")");
  }

  private static long contentLength(HttpClientResponse resp) {
    String v = resp.responseHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
    if (v == null) {
      return -1;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private record Target(Path dir, String name, String source, PartState part) {}

  /**
   * Whether a download's part file is open, so the deadline's error waits until it is deleted:
   * {@link #gone()} completes at once when none was opened, else when it was committed or
   * discarded.
   */
  private static final class PartState {
    private final AtomicBoolean open = new AtomicBoolean();
    private final Sinks.Empty<Void> closed = Sinks.empty();

    void opened() {
      open.set(true);
    }

    void closed() {
      closed.tryEmitEmpty();
    }

    Mono<Void> gone() {
      return open.get() ? closed.asMono() : Mono.empty();
    }
  }

  private record Step(@Nullable DownloadedFile file, @Nullable URI next) {}
}
