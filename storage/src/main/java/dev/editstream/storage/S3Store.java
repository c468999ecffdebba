package dev.editstream.storage;

import dev.editstream.core.Redact;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.multipart.MultipartConfiguration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Inputs and results in an S3-compatible store, non-blocking: an {@link S3AsyncClient} on the SDK's
 * Netty client, exposed as Reactor {@link Mono}s. Every failure is signalled as a {@link
 * StageException} classified by {@link S3Errors}. Thread-safe; close it to release the client's
 * connections and event loops.
 *
 * <p>Inputs are content-addressed: {@link #stage} names the object {@code inputs/<sha256><.ext>},
 * so the same file is uploaded once, however often and however concurrently it is staged.
 *
 * <p>Uploads stream from the file ({@link AsyncRequestBody#fromFile(Path)}); no file is ever read
 * whole into memory. Files larger than {@link #MULTIPART_THRESHOLD} (16 MiB) go up as multipart
 * uploads of {@link #PART_SIZE} (8 MiB) parts through the SDK's own multipart support ({@code
 * S3AsyncClient.builder().multipartEnabled(true)}) rather than {@code S3TransferManager}: it needs
 * no extra artifact, keeps one client (one retry, timeout and credentials setup) for every call,
 * and {@code putObject} stays the single upload call whatever the size.
 *
 * <p>Retries: the SDK's standard retry strategy, 3 attempts in all, with its backoff (throttling
 * answers such as 503 SlowDown back off longer); each attempt is bounded by {@link
 * S3Settings#attemptTimeout()} and each call, retries included, by {@link
 * S3Settings#apiCallTimeout()} (for a multipart upload: each part and each multipart call).
 *
 * <p>File reads (hashing, sizes) run on the store's own scheduler ({@code s3-files-*} threads),
 * never on the shared {@code Schedulers.boundedElastic()}: callers such as the router's job
 * preparation block a bounded-elastic thread on {@link #stage}, and once bounded-elastic has more
 * workers than threads it queues new work behind busy threads, so a hash queued behind the very
 * thread waiting for it would stall until that caller's timeout (seen as a stalled 200-image
 * staging run, bench scenario (s)).
 */
public final class S3Store implements AutoCloseable {
  /** Files larger than this many bytes (16 MiB) are uploaded in parts. */
  public static final long MULTIPART_THRESHOLD = 16L << 20;

  /** The part size of multipart uploads, bytes (8 MiB). */
  public static final long PART_SIZE = 8L << 20;

  /**
   * The user-metadata key holding the object's SHA-256 (lowercase hex): {@code x-amz-meta-sha256}.
   */
  public static final String SHA256_METADATA = "sha256";

  /** The longest lifetime of a pre-signed URL S3 accepts (SigV4): 7 days. */
  public static final Duration MAX_PRESIGN_LIFETIME = Duration.ofDays(7);

  private static final Logger LOG = LoggerFactory.getLogger(S3Store.class);
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern EXTENSION = Pattern.compile("[a-z0-9]{1,10}");
  private static final int READ_BUFFER = 64 * 1024;

  /** Threads reading files for one store: enough to keep a disk busy, few enough to leave CPU. */
  private static final int FILE_THREADS =
      Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

  private final S3Settings settings;
  private final AwsCredentialsProvider credentials;
  private final S3AsyncClient client;
  private final S3Presigner presigner;
  private final Scheduler files;
  private final Map<String, Mono<Staged>> inflight = new ConcurrentHashMap<>();
  private final AtomicLong uploaded = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();
  private final AtomicLong joined = new AtomicLong();

  /**
   * An input in the store.
   *
   * @param key the full object key, {@code <prefix>inputs/<sha256><.ext>}
   * @param sha256 the content's SHA-256, 64 lowercase hex digits
   * @param bytes the content's length, bytes
   * @param uploaded whether this call (or the concurrent call it joined) uploaded it; {@code false}
   *     when the object was already there
   */
  public record Staged(String key, String sha256, long bytes, boolean uploaded) {}

  /**
   * A result in the store.
   *
   * @param uri {@code s3://bucket/key}
   * @param key the full object key
   * @param bytes the content's length, bytes
   * @param sha256 the SHA-256 stored in the object's metadata, 64 lowercase hex digits
   */
  public record Stored(String uri, String key, long bytes, String sha256) {}

  private S3Store(
      S3Settings settings,
      AwsCredentialsProvider credentials,
      S3AsyncClient client,
      S3Presigner presigner) {
    this.settings = settings;
    this.credentials = credentials;
    this.client = client;
    this.presigner = presigner;
    this.files =
        Schedulers.newBoundedElastic(FILE_THREADS, Integer.MAX_VALUE, "s3-files", 60, true);
  }

  /**
   * Builds the client and presigner for {@code settings}; no network call is made (see {@link
   * #check()}).
   *
   * @param settings where and how to connect
   * @return an open store; close it when done
   * @throws StageException USAGE (64, reason {@code storage_config}) when the SDK cannot be set up,
   *     e.g. no region can be found
   */
  public static S3Store open(S3Settings settings) {
    Objects.requireNonNull(settings, "settings");
    AwsCredentialsProvider credentials = credentialsFor(settings);
    S3AsyncClient client = null;
    try {
      S3AsyncClientBuilder b =
          S3AsyncClient.builder()
              .credentialsProvider(credentials)
              .httpClientBuilder(
                  NettyNioAsyncHttpClient.builder()
                      .maxConcurrency(64)
                      .connectionTimeout(Duration.ofSeconds(10)))
              .forcePathStyle(settings.pathStyle())
              .overrideConfiguration(
                  o ->
                      o.retryStrategy(
                              AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                  .maxAttempts(3)
                                  .build())
                          .apiCallTimeout(settings.apiCallTimeout())
                          .apiCallAttemptTimeout(settings.attemptTimeout()))
              .multipartEnabled(true)
              .multipartConfiguration(
                  MultipartConfiguration.builder()
                      .thresholdInBytes(MULTIPART_THRESHOLD)
                      .minimumPartSizeInBytes(PART_SIZE)
                      .apiCallBufferSizeInBytes(4 * PART_SIZE)
                      .build());
      S3Presigner.Builder p =
          S3Presigner.builder()
              .credentialsProvider(credentials)
              .serviceConfiguration(
                  S3Configuration.builder().pathStyleAccessEnabled(settings.pathStyle()).build());
      String region = settings.effectiveRegion();
      if (region != null) {
        b.region(Region.of(region));
        p.region(Region.of(region));
      }
      if (settings.endpoint() != null) {
        // S3-compatible servers often lack the newer flexible checksums (aws-chunked trailers).
        b.endpointOverride(settings.endpoint())
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        p.endpointOverride(settings.endpoint());
      }
      client = b.build();
      return new S3Store(settings, credentials, client, p.build());
    } catch (SdkException | IllegalArgumentException e) {
      if (client != null) {
        client.close();
      }
      closeQuietly(credentials);
      throw new StageException(
          ExitClass.USAGE,
          FailureReason.STORAGE_CONFIG,
          settings.optionName()
              + ": cannot set up the S3 client ("
              + Redact.text(String.valueOf(e.getMessage()), 200)
              + ")");
    }
  }

  /** The settings this store was opened with. */
  public S3Settings settings() {
    return settings;
  }

  /**
   * Checks that the bucket exists and the credentials may use it (HeadBucket).
   *
   * @return completes empty when it does; errors with a classified {@link StageException} (77 for a
   *     missing bucket or refused credentials, 69/75 for an unavailable store)
   */
  public Mono<Void> check() {
    String bucket = settings.location().bucket();
    return Mono.fromFuture(() -> client.headBucket(r -> r.bucket(bucket)), false)
        .onErrorMap(this::classify)
        .then();
  }

  /**
   * Puts an input file into the store under its content address, once: the SHA-256 is computed by
   * streaming the file (64 KiB at a time, on the store's own file threads), then a HEAD tells
   * whether {@code inputs/<sha256><.ext>} is already there (same length: skipped), else the file is
   * uploaded with its SHA-256 as metadata {@code sha256}. Concurrent calls for the same content in
   * this process share one HEAD and one upload.
   *
   * @param file a readable regular file
   * @param contentType the MIME type stored with the object, or {@code null} for the store's
   *     default
   * @return the staged object; errors with a classified {@link StageException} (66 when the file is
   *     missing)
   */
  public Mono<Staged> stage(Path file, @Nullable String contentType) {
    Objects.requireNonNull(file, "file");
    return digest(file)
        .subscribeOn(files)
        .flatMap(
            d -> {
              String key =
                  settings
                      .location()
                      .key(inputName(d.sha256(), String.valueOf(file.getFileName())));
              boolean[] created = {false};
              Mono<Staged> shared =
                  inflight.computeIfAbsent(
                      key,
                      k -> {
                        created[0] = true;
                        // Forget the entry before the result reaches any subscriber: a caller that
                        // already has
                        // the result must not join this finished call again (it asks the store
                        // instead).
                        return headOrUpload(file, k, d, contentType)
                            .doOnSuccess(v -> inflight.remove(k))
                            .doOnError(e -> inflight.remove(k))
                            .cache();
                      });
              if (!created[0]) {
                joined.incrementAndGet();
              }
              return shared;
            })
        .onErrorMap(this::classify);
  }

  /**
   * Uploads a result file under {@code <prefix><name>}, overwriting any object there, with the
   * given SHA-256 as metadata {@code sha256}.
   *
   * @param file a readable regular file
   * @param name the object name relative to the prefix, e.g. {@code results/job-1/out.png}
   * @param sha256 the file's SHA-256, 64 lowercase hex digits (the caller has it from the download)
   * @param contentType the MIME type stored with the object, or {@code null}
   * @return where it was stored; errors with a classified {@link StageException}
   * @throws IllegalArgumentException if {@code sha256} is not 64 lowercase hex digits or {@code
   *     name} is empty or absolute
   */
  public Mono<Stored> putResult(
      Path file, String name, String sha256, @Nullable String contentType) {
    Objects.requireNonNull(file, "file");
    if (sha256 == null || !SHA256_HEX.matcher(sha256).matches()) {
      throw new IllegalArgumentException("sha256 must be 64 lowercase hex digits");
    }
    String key = settings.location().key(name);
    return Mono.fromCallable(() -> Files.size(file))
        .subscribeOn(files)
        .flatMap(
            bytes ->
                upload(file, key, bytes, sha256, contentType)
                    .thenReturn(new Stored(settings.location().uri(key), key, bytes, sha256)))
        .onErrorMap(this::classify);
  }

  /**
   * A pre-signed GET URL for an object. The URL is a bearer credential until it expires: never log
   * it whole (use {@link Redact#url}).
   *
   * @param key the full object key (as in {@link Staged#key()})
   * @param lifetime how long the URL works, 1 second to 7 days
   * @return the URL, signed with SigV4 query parameters
   * @throws IllegalArgumentException if {@code lifetime} is out of range
   */
  public URI presignGet(String key, Duration lifetime) {
    Objects.requireNonNull(key, "key");
    if (lifetime == null
        || lifetime.compareTo(Duration.ofSeconds(1)) < 0
        || lifetime.compareTo(MAX_PRESIGN_LIFETIME) > 0) {
      throw new IllegalArgumentException(
          settings.optionName() + ": a pre-signed URL lifetime must be 1 s to 7 days");
    }
    try {
      return presigner
          .presignGetObject(
              r ->
                  r.signatureDuration(lifetime)
                      .getObjectRequest(g -> g.bucket(settings.location().bucket()).key(key)))
          .url()
          .toURI();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException("the SDK made an invalid URL", e);
    }
  }

  /** How many objects this store uploaded ({@link #stage} and {@link #putResult}). */
  public long uploaded() {
    return uploaded.get();
  }

  /** How many {@link #stage} calls found their object already in the store. */
  public long skipped() {
    return skipped.get();
  }

  /**
   * How many {@link #stage} calls joined a concurrent call for the same content (no request of
   * their own).
   */
  public long joined() {
    return joined.get();
  }

  /** Closes the client, the presigner and the credentials provider. */
  @Override
  public void close() {
    client.close();
    presigner.close();
    files.dispose();
    closeQuietly(credentials);
  }

  /**
   * The object name of a staged input: {@code inputs/<sha256>} plus the file name's extension,
   * lowercased, when it has one of 1-10 ASCII letters/digits (otherwise none).
   *
   * @param sha256 64 lowercase hex digits
   * @param fileName the local file name, e.g. {@code Photo.JPG}
   * @return e.g. {@code inputs/9f86...08.jpg}
   */
  public static String inputName(String sha256, String fileName) {
    return "inputs/" + sha256 + extension(fileName);
  }

  /** {@code .ext} of {@code fileName} lowercased, or empty when it has no usable extension. */
  static String extension(String fileName) {
    if (fileName == null) {
      return "";
    }
    int dot = fileName.lastIndexOf('.');
    if (dot <= 0 || dot == fileName.length() - 1) {
      return "";
    }
    String ext = fileName.substring(dot + 1).toLowerCase(Locale.ROOT);
    return EXTENSION.matcher(ext).matches() ? "." + ext : "";
  }

  /** A file's SHA-256 and length. */
  record Digest(String sha256, long bytes) {}

  /** Streams {@code file} through SHA-256 (blocking reads, on the thread that subscribes). */
  static Mono<Digest> digest(Path file) {
    return Mono.fromCallable(
        () -> {
          MessageDigest md = sha256();
          long n = 0;
          byte[] buf = new byte[READ_BUFFER];
          try (InputStream in = Files.newInputStream(file)) {
            for (int r; (r = in.read(buf)) > 0; ) {
              md.update(buf, 0, r);
              n += r;
            }
          }
          return new Digest(HexFormat.of().formatHex(md.digest()), n);
        });
  }

  private Mono<Staged> headOrUpload(Path file, String key, Digest d, @Nullable String contentType) {
    String bucket = settings.location().bucket();
    return Mono.fromFuture(() -> client.headObject(r -> r.bucket(bucket).key(key)), false)
        .map(HeadObjectResponse::contentLength)
        .onErrorResume(e -> isNotFound(e), e -> Mono.just(-1L))
        .flatMap(
            length -> {
              if (length != null && length == d.bytes()) {
                skipped.incrementAndGet();
                return Mono.just(new Staged(key, d.sha256(), d.bytes(), false));
              }
              return upload(file, key, d.bytes(), d.sha256(), contentType)
                  .thenReturn(new Staged(key, d.sha256(), d.bytes(), true));
            })
        .onErrorMap(this::classify);
  }

  private Mono<Void> upload(
      Path file, String key, long bytes, String sha256, @Nullable String contentType) {
    PutObjectRequest.Builder req =
        PutObjectRequest.builder()
            .bucket(settings.location().bucket())
            .key(key)
            .contentLength(bytes)
            .metadata(Map.of(SHA256_METADATA, sha256));
    if (contentType != null) {
      req.contentType(contentType);
    }
    PutObjectRequest request = req.build();
    return Mono.fromFuture(() -> client.putObject(request, AsyncRequestBody.fromFile(file)), false)
        .doOnSuccess(
            r -> {
              uploaded.incrementAndGet();
              LOG.debug("uploaded {} ({} bytes)", settings.location().uri(key), bytes);
            })
        .then();
  }

  private static boolean isNotFound(Throwable e) {
    Throwable t = S3Errors.unwrap(e);
    return t instanceof AwsServiceException ase && ase.statusCode() == 404;
  }

  private StageException classify(Throwable t) {
    return S3Errors.classify(settings.optionName(), settings.location().bucket(), t);
  }

  private static AwsCredentialsProvider credentialsFor(S3Settings s) {
    if (s.hasStaticCredentials()) {
      return StaticCredentialsProvider.create(
          AwsBasicCredentials.create(s.accessKey(), s.secretKey()));
    }
    if (s.profile() != null) {
      return ProfileCredentialsProvider.builder().profileName(s.profile()).build();
    }
    return DefaultCredentialsProvider.builder().build();
  }

  private static void closeQuietly(Object o) {
    if (o instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.debug("closing {} failed", o.getClass().getSimpleName(), e);
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
