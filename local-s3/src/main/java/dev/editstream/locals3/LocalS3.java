package dev.editstream.locals3;

import dev.editstream.core.Secrets;
import dev.editstream.storage.ObjectStoreUri;
import dev.editstream.storage.S3Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.jspecify.annotations.Nullable;

/**
 * An S3 server in this process: S3Proxy on {@code 127.0.0.1} with an ephemeral port, storing into a
 * jclouds {@code filesystem} blob store under a directory (or the in-memory {@code transient} one),
 * requiring AWS SigV4 with a random access key and secret. For local runs and tests; not hardened
 * for exposure beyond loopback.
 */
public final class LocalS3 implements AutoCloseable {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final S3Proxy proxy;
  private final BlobStoreContext context;
  private final URI endpoint;
  private final String accessKey;
  private final String secret;
  private final String bucket;

  private LocalS3(
      S3Proxy proxy,
      BlobStoreContext context,
      URI endpoint,
      String accessKey,
      String secret,
      String bucket) {
    this.proxy = proxy;
    this.context = context;
    this.endpoint = endpoint;
    this.accessKey = accessKey;
    this.secret = secret;
    this.bucket = bucket;
  }

  /**
   * Starts the server and creates {@code bucket} (kept when it already exists under {@code
   * dataDir}). The secret is registered with {@link Secrets} so it is redacted wherever it would be
   * logged.
   *
   * @param dataDir the directory the objects are kept in (created when missing; the bucket is a
   *     sub-directory), or {@code null} to keep them in memory until {@link #close()}
   * @param bucket the bucket to create, by S3's naming rules
   * @return the running server; close it to stop it
   * @throws IllegalArgumentException if {@code bucket} breaks S3's naming rules
   * @throws UncheckedIOException if {@code dataDir} cannot be created
   * @throws IllegalStateException if S3Proxy does not start
   */
  public static LocalS3 start(@Nullable Path dataDir, String bucket) {
    Objects.requireNonNull(bucket, "bucket");
    new ObjectStoreUri(bucket, ""); // validates the name
    Properties overrides = new Properties();
    String provider = "transient";
    if (dataDir != null) {
      try {
        Files.createDirectories(dataDir);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the local S3 data directory " + dataDir, e);
      }
      provider = "filesystem";
      overrides.setProperty("jclouds.filesystem.basedir", dataDir.toAbsolutePath().toString());
    }
    String accessKey = "local-" + HexFormat.of().formatHex(randomBytes(10));
    String secret = HexFormat.of().formatHex(randomBytes(24)); // 48 characters
    Secrets.register(secret);
    BlobStoreContext context =
        ContextBuilder.newBuilder(provider)
            .credentials("identity", "credential")
            .overrides(overrides)
            .build(BlobStoreContext.class);
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(context.getBlobStore())
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.AWS_V4, accessKey, secret)
            // The SDK sends headers S3Proxy does not know (x-amz-mp-object-size on
            // CompleteMultipartUpload).
            .ignoreUnknownHeaders(true)
            .build();
    try {
      proxy.start();
      if (!"STARTED".equals(proxy.getState())) {
        throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
      }
      context.getBlobStore().createContainerInLocation(null, bucket);
    } catch (Exception e) {
      stopQuietly(proxy);
      context.close();
      throw e instanceof IllegalStateException ise
          ? ise
          : new IllegalStateException("S3Proxy did not start", e);
    }
    URI endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
    return new LocalS3(proxy, context, endpoint, accessKey, secret, bucket);
  }

  /** The server's base URL, {@code http://127.0.0.1:<port>}. */
  public URI endpoint() {
    return endpoint;
  }

  /** The access key id clients must sign with. */
  public String accessKey() {
    return accessKey;
  }

  /** The secret key clients must sign with (48 hex characters); never log it. */
  public String secret() {
    return secret;
  }

  /** The bucket created at start. */
  public String bucket() {
    return bucket;
  }

  /**
   * Settings reaching this server: path-style addressing, its endpoint, its static credentials,
   * region {@code us-east-1} and the default timeouts.
   *
   * @param prefix the key prefix, e.g. {@code runs/1} ({@code ""} for none)
   * @param optionName the option named in errors
   * @throws IllegalArgumentException if the prefix is not a valid key prefix
   */
  public S3Settings settings(String prefix, String optionName) {
    ObjectStoreUri location =
        ObjectStoreUri.parse(optionName, "s3://" + bucket + "/" + (prefix == null ? "" : prefix));
    return S3Settings.of(location, optionName)
        .withEndpoint(endpoint, true)
        .withStaticCredentials(accessKey, secret);
  }

  /** Stops the server and closes the blob store (a transient store's objects are lost). */
  @Override
  public void close() {
    stopQuietly(proxy);
    context.close();
  }

  private static void stopQuietly(S3Proxy proxy) {
    try {
      proxy.stop();
    } catch (Exception e) {
      // stopping a server that failed to start
    }
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }
}
